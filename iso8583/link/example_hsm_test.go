package link_test

import (
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"

	"github.com/possdk/pos/hsm"
	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/keys"
)

// A host that never holds a clear key: a software HSM (in production, an
// adapter to a network HSM) signs terminals in, MACs and translates PINs;
// the host's store keeps key blocks under the HSM's LMK.
func ExampleHost_hsm() {
	// The LMK comes from hsm.OpenLMK (sealed under a passphrase) in a
	// real host; a fresh one here.
	lmk, _ := keys.Generate(keys.AES256, rand.Reader)
	sw, _ := hsm.NewSoftware(hsm.SoftwareConfig{LMK: lmk})

	// Keys enter the HSM once, at the key ceremony (ImportComponents or
	// ImportTR31); Wrap stands in for that here.
	tmk, _ := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	tmkBlock, _ := sw.Wrap(tmk, hsm.TerminalMasterKey)
	zpk, _ := keys.FromHex(keys.TDES2, "89ABCDEF01234567F0E1D2C3B4A59687")
	zoneKey, _ := sw.Wrap(zpk, hsm.PINKey)

	terminals := link.NewMemoryTerminalKeyStore()
	terminals.AddTerminal("50080001", tmkBlock)
	host, err := link.NewHost(link.HostConfig{
		HSM: sw, Terminals: terminals, ZoneKey: zoneKey,
		Issuer: &link.SimIssuer{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	_ = host // serve it with a link.Server, as in the Client example

	tk, _ := terminals.TerminalKeyBlocks("50080001")
	fmt.Println(tk)
	// Output: TMK KeyBlock(K0 T E KCV 08D7B4)
}

package link_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/keys/dukpt"
	"github.com/possdk/pos/pinblock"
)

// A software DUKPT PIN pad loaded with the ANSI X9.24-1:2009 A.4 test
// device gives the published PIN block, and after a restart continues
// with the next KSN. A terminal uses it as Config.PINPad, with a spec
// that carries the KSN (both sides name the same field).
func ExampleDUKPTPINPad() {
	dir, _ := os.MkdirTemp("", "pinpad")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "pinpad")
	storageKey := []byte("example PIN pad storage key, 32b") // in practice from the device's key hierarchy

	ipek, _ := keys.FromHex(keys.TDES2, "6AC292FAA1315B4D858AB3A3D7D5933A")
	ksn, _ := dukpt.ParseKSN("FFFF9876543210E00000")
	pad, err := link.LoadDUKPTPINPad(path, storageKey, ipek, ksn) // key injection, once
	if err != nil {
		fmt.Println(err)
		return
	}
	pin, _ := pinblock.ParsePIN([]byte("1234"))
	block, k, _ := pad.EncryptPIN(pin, "4012345678909")
	fmt.Printf("KSN %X PIN block %X\n", k, block)
	pad.Close()

	pad, _ = link.OpenDUKPTPINPad(path, storageKey) // after a restart
	defer pad.Close()
	fmt.Println(pad)

	codec := iso8583.NewCodec(iso8583.WithKSNField(iso8583.CUPSpec(), 57), iso8583.Framing{})
	_ = link.Config{Codec: codec, PINPad: pad} // and the usual Journal, Counters, TMK ...
	// Output:
	// KSN FFFF9876543210E00001 PIN block 1B9C1845EB993A7A
	// DUKPT PIN pad, next KSN FFFF9876543210E00002
}

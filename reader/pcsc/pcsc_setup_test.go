//go:build pcsc && (cgo || windows)

package pcsc

import (
	"context"
	"testing"

	"github.com/possdk/pos/emv/kernel"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/reader"
	"github.com/possdk/pos/reader/sim"
)

// issuerSetup is what the whole-transaction tests share: the test issuer's
// master key (the reader/sim profiles' cards derive their keys from it) and
// the kernel's terminal configuration.
func issuerSetup(t *testing.T) (imk *keys.Key, cfg *kernel.Config) {
	t.Helper()
	imk, err := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err = kernel.LoadConfigFile("../../emv/kernel/testdata/terminal.json")
	if err != nil {
		t.Fatal(err)
	}
	return imk, cfg
}

// insertProfile inserts the software card of a reader/sim profile
// (testdata/<profile>.json, adjusted by prepare if not nil) on slot 0
// through vpcd and opens it through pcscd; the card is closed at the end
// of the test.
func insertProfile(t *testing.T, c *Context, profile string, prepare func(*sim.Card)) reader.Card {
	t.Helper()
	card, err := sim.NewFromFile("../sim/testdata/" + profile + ".json")
	if err != nil {
		t.Fatal(err)
	}
	if prepare != nil {
		prepare(card)
	}
	insert(t, card)
	waitFor(t, c, reader.Inserted)
	rc, err := c.Open(context.Background(), slot0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rc.Close() })
	return rc
}

package link_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"

	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/pinblock"
)

// A reversal journal keeps what was put until it is deleted, across
// restarts.
func ExampleJournal() {
	dir, _ := os.MkdirTemp("", "journal")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "reversals.jnl")

	j, _ := link.OpenJournal(path)
	j.Put(172, []byte("reversal of STAN 000172"))
	j.Put(173, []byte("reversal of STAN 000173"))
	j.Delete(172) // the 0410 arrived
	j.Close()

	j, _ = link.OpenJournal(path) // after a restart
	defer j.Close()
	for _, e := range j.Entries() {
		fmt.Printf("%d: %s\n", e.ID, e.Payload)
	}
	// Output: 173: reversal of STAN 000173
}

// STANs continue after a restart and never repeat.
func ExampleCounters() {
	dir, _ := os.MkdirTemp("", "counters")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "counters")

	c, _ := link.OpenCounters(path)
	a, _ := c.NextSTAN()
	b, _ := c.NextSTAN()
	c.Close()
	c, _ = link.OpenCounters(path)
	defer c.Close()
	n, _ := c.NextSTAN()
	fmt.Println(a, b, n, "batch", c.Batch())
	// Output: 1 2 3 batch 1
}

// A host and a terminal on loopback: sign-in downloads working keys, then
// a sale with a PIN is MACed, its PIN translated at the host and approved.
func ExampleClient() {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	tmk, _ := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	zpkKey, _ := keys.FromHex(keys.TDES2, "89ABCDEF01234567F0E1D2C3B4A59687")
	zpk, _ := pinblock.NewCipher(zpkKey, pinblock.Format0, nil)

	store := link.NewMemoryKeyStore()
	store.AddTerminal("50080001", tmk)
	host, err := link.NewHost(link.HostConfig{Keys: store, ZPK: zpk, Issuer: &link.SimIssuer{ZPK: zpk}, Logger: quiet})
	if err != nil {
		fmt.Println(err)
		return
	}
	srv, err := link.NewServer(link.ServerConfig{Handler: host, Logger: quiet})
	if err != nil {
		fmt.Println(err)
		return
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(ln)
	defer srv.Close()

	dir, _ := os.MkdirTemp("", "terminal")
	defer os.RemoveAll(dir)
	// The storage key seals the records at rest; in a terminal it comes
	// from (or is wrapped under) its key hierarchy.
	storageKey := make([]byte, 32)
	rand.Read(storageKey)
	txns, _ := link.OpenJournal(filepath.Join(dir, "transactions.jnl"), link.WithSealKey(storageKey))
	defer txns.Close()
	ctr, _ := link.OpenCounters(filepath.Join(dir, "counters"))
	defer ctr.Close()

	c, err := link.NewClient(link.Config{
		Dialer:   link.Dialer{Addr: ln.Addr().String()},
		Terminal: iso8583.Terminal{TerminalID: "50080001", MerchantID: "309310083985008"},
		TMK:      tmk,
		Journal:  txns, Counters: ctr, Logger: quiet,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	ctx := context.Background()
	if err := c.SignIn(ctx); err != nil {
		fmt.Println(err)
		return
	}
	pin, _ := pinblock.ParsePIN([]byte("123456"))
	card := link.Card{Track2: "6222021234567890123=25121010000000000", EntryMode: "021"}
	r, err := c.Sale(ctx, card, 12345, pin)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("approved:", r.Approved(), "pending reversals:", c.Pending())
	// Output: approved: true pending reversals: 0
}

package link

import (
	"path/filepath"
	"testing"

	"github.com/possdk/pos/internal/cputime"
	"github.com/possdk/pos/iso8583"
)

// BenchmarkHostSale measures the host's work for one sale: unframe, MAC
// verification, PIN translation, risk check, authorisation, ledger,
// response MAC and framing. Each iteration is a new STAN.
func BenchmarkHostSale(b *testing.B) { benchHostSale(b, newTestEnv(b, false, nil)) }

// BenchmarkHostSaleHSM is BenchmarkHostSale with a host that holds key
// blocks only (software HSM, MemoryTerminalKeyStore, zone key block).
func BenchmarkHostSaleHSM(b *testing.B) { benchHostSale(b, newHSMTestEnv(b, nil)) }

func benchHostSale(b *testing.B, e *testEnv) {
	e.reconfigure(b, func(c *HostConfig) { c.Risk = &Limits{} })
	c, _ := e.terminal(b, b.TempDir(), "50080100", nil)
	ctx := ctxT(b)
	if err := c.SignIn(ctx); err != nil {
		b.Fatal(err)
	}
	pin := mustPIN(b, testPIN)
	frames := make([][]byte, b.N)
	for i := range frames {
		s := &iso8583.Transaction{Kind: iso8583.KindSale, Amount: 100, STAN: uint32(i%999999 + 1),
			TerminalID: "50080100", MerchantID: c.cfg.Terminal.MerchantID, LocalDate: "0101",
			Field60: &iso8583.Field60{Batch: uint32(i/999999 + 1)}}
		testCard().apply(s)
		if err := s.SetPIN(c.pik, pin); err != nil {
			b.Fatal(err)
		}
		f, err := c.codec.Pack(c.cfg.Envelope, s)
		if err != nil {
			b.Fatal(err)
		}
		frames[i] = f
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cputime.Start()
	for i := 0; i < b.N; i++ {
		if e.host.ServeFrame(ctx, frames[i]) == nil {
			b.Fatal("no response")
		}
	}
	cpu.Report(b)
}

// BenchmarkClientSale measures a whole sale over loopback TCP: terminal
// and host together, with the reversal journal and batch store on disk
// (each Put and Delete is fsynced, so this is mostly the disk).
func BenchmarkClientSale(b *testing.B) {
	e := newTestEnv(b, false, nil)
	c, _ := e.terminal(b, b.TempDir(), "50080101", nil)
	ctx := ctxT(b)
	if err := c.SignIn(ctx); err != nil {
		b.Fatal(err)
	}
	pin := mustPIN(b, testPIN)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.Sale(ctx, testCard(), 100, pin); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJournalPutDelete is the reversal journal's cost per financial
// request: one synced put and one synced delete.
func BenchmarkJournalPutDelete(b *testing.B) {
	j, err := OpenJournal(filepath.Join(b.TempDir(), "j"))
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	payload := make([]byte, 400)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := j.Put(uint64(i), payload); err != nil {
			b.Fatal(err)
		}
		if err := j.Delete(uint64(i)); err != nil {
			b.Fatal(err)
		}
	}
}

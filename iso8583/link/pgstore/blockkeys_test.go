package pgstore_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/possdk/pos/hsm"
	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/iso8583/link/pgstore"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/pinblock"
)

// Arbitrary test LMK (AES-256), not from any standard.
const bkLMK = "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"

func bkHSM(t *testing.T) *hsm.Software {
	t.Helper()
	sw, err := newBKHSM()
	if err != nil {
		t.Fatal(err)
	}
	return sw
}

// newBKHSM is a software HSM under bkLMK: every instance (another host,
// another process) opens the key blocks the others made, as the hosts of
// a fleet share one HSM's LMK.
func newBKHSM() (*hsm.Software, error) {
	lmk, err := keys.FromHex(keys.AES256, bkLMK)
	if err != nil {
		return nil, err
	}
	return hsm.NewSoftware(hsm.SoftwareConfig{LMK: lmk})
}

// The key-block store follows the sign-in rules of
// link.TerminalKeyBlocks (Rotate, Confirm) exactly as the in-memory
// store does — the oracle is MemoryTerminalKeyStore fed the same steps —
// and a second store on the database (another host) sees every change.
func TestBlockKeyStoreRules(t *testing.T) {
	ctx := context.Background()
	f := newBKFixture(t)
	st, a, b, mem, tmk := f.st, f.a, f.b, f.mem, f.tmk
	if _, err := a.TerminalKeyBlocks("50080001"); !errors.Is(err, link.ErrUnknownTerminal) {
		t.Fatalf("unknown terminal: %v", err)
	}
	f.add("50080001")
	if added, err := b.EnsureTerminal(ctx, "50080001", "other"); added || err != nil {
		t.Fatalf("EnsureTerminal of a known terminal: added %v, %v", added, err)
	}
	issue := func() *hsm.WorkingKeys { return f.draw() }
	same := func(step string, s *pgstore.BlockKeyStore) { t.Helper(); sameAsMemory(t, step, s, mem, "50080001") }
	w1 := issue()
	must(t, a.SetWorkingKeyBlocks("50080001", w1))
	must(t, mem.SetWorkingKeyBlocks("50080001", w1))
	same("first sign-in", a)
	same("first sign-in, other host", b)
	// The terminal MACs with w1: confirmed through the other host's copy.
	bw, _ := b.TerminalKeyBlocks("50080001")
	must(t, b.ConfirmWorkingKeyBlocks("50080001", bw.Working))
	mw, _ := mem.TerminalKeyBlocks("50080001")
	must(t, mem.ConfirmWorkingKeyBlocks("50080001", mw.Working))
	a.Refresh("50080001")
	same("confirmed", a)
	// Two sign-ins the terminal never completes: w1 stays as Previous,
	// w2 goes to Recent, w3 is Working.
	w2, w3 := issue(), issue()
	for _, w := range []*hsm.WorkingKeys{w2, w3} {
		must(t, a.SetWorkingKeyBlocks("50080001", w))
		must(t, mem.SetWorkingKeyBlocks("50080001", w))
	}
	b.Refresh("50080001")
	same("two unconfirmed sign-ins", b)
	// The terminal turns out to have w2: confirming it drops the rest.
	aw, _ := a.TerminalKeyBlocks("50080001")
	must(t, a.ConfirmWorkingKeyBlocks("50080001", aw.Recent[0]))
	mw, _ = mem.TerminalKeyBlocks("50080001")
	must(t, mem.ConfirmWorkingKeyBlocks("50080001", mw.Recent[0]))
	b.Refresh("50080001")
	same("late confirmation", b)
	if got, _ := b.TerminalKeyBlocks("50080001"); !sameKeys(got.Working, w2) {
		t.Fatal("w2 is not the working set")
	}

	// No clear key in the database: the TMK is in no column.
	if n := noClearKeys(t, st, tmk); n != 1 {
		t.Fatalf("%d rows of key blocks, want 1", n)
	}
}

// noClearKeys fails t if a row of host_terminal_key_blocks holds one of
// the clear keys — as hex (either case), as base64, or one 8-byte half of
// it in hex (a double-length TDES key stored by halves) — and returns the
// number of rows it read. The table is to hold key blocks under the LMK
// only (DESIGN.md: keys are never in clear on disk).
func noClearKeys(t *testing.T, st *pgstore.Store, clear ...*keys.Key) int {
	t.Helper()
	rows, err := st.Pool().Query(context.Background(), "SELECT tid, tmk || coalesce(keyset::text, '') FROM host_terminal_key_blocks")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	type form struct {
		what, text string
		fold       bool // hex: either case
	}
	var forms []form
	for i, k := range clear {
		b := k.ClearBytes()
		forms = append(forms, form{fmt.Sprintf("key %d in hex", i), strings.ToUpper(hex.EncodeToString(b)), true},
			form{fmt.Sprintf("key %d in base64", i), base64.StdEncoding.EncodeToString(b), false})
		for h := 0; h+8 <= len(b) && len(b) > 8; h += 8 {
			forms = append(forms, form{fmt.Sprintf("half %d of key %d in hex", h/8, i), strings.ToUpper(hex.EncodeToString(b[h : h+8])), true})
		}
	}
	n := 0
	for rows.Next() {
		var tid, row string
		if err := rows.Scan(&tid, &row); err != nil {
			t.Fatal(err)
		}
		n++
		for _, f := range forms {
			if f.fold && strings.Contains(strings.ToUpper(row), f.text) || !f.fold && strings.Contains(row, f.text) {
				t.Errorf("terminal %s: the row of key blocks holds %s", tid, f.what)
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return n
}

func sameKeys(a, b *hsm.WorkingKeys) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Mode == b.Mode && a.PIN == b.PIN && a.MAC == b.MAC && a.Data == b.Data
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// A host on an HSM whose terminal keys are key blocks in PostgreSQL signs a
// terminal in; the host is replaced (a restart: new HSM instance with the
// same LMK, new store objects, same database) and the terminal, without
// signing in again, is served: its MACs verify under the working keys the
// first host issued, and its PIN reaches the issuer. Without the stored
// key blocks the second host would not know the terminal's keys.
func TestBlockKeyStoreHostRestart(t *testing.T) {
	ctx := context.Background()
	cfg := freshSchema(t)
	zk, _ := keys.FromHex(keys.TDES2, mhZPK)
	zpk, err := pinblock.NewCipher(zk, pinblock.Format0, nil)
	if err != nil {
		t.Fatal(err)
	}
	issuer := &link.SimIssuer{ZPK: zpk, PINs: map[string]string{mhPAN: "123456"}}
	tmk, _ := keys.FromHex(keys.TDES2, mhTMK)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	// start runs one host generation on addr ("": a new port).
	start := func(addr string) (string, func()) {
		st := open(t, cfg)
		sw := bkHSM(t)
		bks := pgstore.NewBlockKeyStore(st)
		tmkBlock, err := sw.Wrap(tmk, hsm.TerminalMasterKey)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bks.EnsureTerminal(ctx, "50080001", tmkBlock); err != nil {
			t.Fatal(err)
		}
		zoneKey, err := sw.Wrap(zk, hsm.PINKey)
		if err != nil {
			t.Fatal(err)
		}
		h, err := link.NewHost(link.HostConfig{Store: st, HSM: sw, Terminals: bks, ZoneKey: zoneKey, Issuer: issuer,
			CardKey: mhCardKey, Logger: quiet, RequestTimeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		srv, err := link.NewServer(link.ServerConfig{Handler: h, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		if addr == "" {
			addr = "127.0.0.1:0"
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { srv.Serve(ln); close(done) }()
		return ln.Addr().String(), func() { srv.Close(); <-done }
	}
	addr, stop := start("")

	dir := t.TempDir()
	j, err := link.OpenJournal(filepath.Join(dir, "txn.jnl"))
	if err != nil {
		t.Fatal(err)
	}
	ctr, err := link.OpenCounters(filepath.Join(dir, "counters"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := link.NewClient(link.Config{
		Dialer:   link.Dialer{Addr: addr},
		Envelope: iso8583.Envelope{TPDU: iso8583.TPDU{ID: 0x60, Destination: 0x0001}, Header: iso8583.Header{AppType: 0x60, Version: 0x22}},
		Terminal: iso8583.Terminal{TerminalID: "50080001", MerchantID: "309310083985008", Operator: "001"},
		TMK:      tmk, Journal: j, Counters: ctr, Timeout: 3 * time.Second, Logger: quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { c.Close(); j.Close(); ctr.Close() }()
	if err := c.SignIn(ctx); err != nil {
		t.Fatal(err)
	}
	sale := func(amount int64) {
		t.Helper()
		p, _ := pinblock.ParsePIN([]byte("123456"))
		r, err := c.Sale(ctx, link.Card{PAN: iso8583.PAN(mhPAN), Expiry: "3012", EntryMode: "012"}, amount, p)
		if err != nil || !r.Response.ResponseCode.Approved() {
			t.Fatalf("sale %d: %v %v", amount, r, err)
		}
	}
	sale(1000)
	stop()

	_, stop = start(addr)
	defer stop()
	sale(2000)
	if st := issuer.Stats(); st.Approved != 2 || st.Amount != 3000 {
		t.Fatalf("issuer %+v, want both sales approved (30.00)", st)
	}
}

// A host changes a terminal's row starting from its cached copy (one round
// trip for a confirmation); when another host changed the row meanwhile,
// the generation check makes it start again from the database, so the
// result is what the sign-in rules give for the real order of events (the
// oracle: MemoryTerminalKeyStore fed the same steps in that order).
func TestBlockKeyStoreStaleCache(t *testing.T) {
	f := newBKFixture(t)
	st, a, b, mem := f.st, f.a, f.b, f.mem
	const tid = "50080002"
	f.add(tid)
	issue := func(s link.TerminalKeyStore) *hsm.WorkingKeys {
		w := f.draw()
		must(t, s.SetWorkingKeyBlocks(tid, w))
		must(t, mem.SetWorkingKeyBlocks(tid, w))
		return w
	}
	confirm := func(s *pgstore.BlockKeyStore, w *hsm.WorkingKeys) {
		must(t, s.ConfirmWorkingKeyBlocks(tid, w))
		m, _ := mem.TerminalKeyBlocks(tid)
		for _, c := range append([]*hsm.WorkingKeys{m.Working}, m.Recent...) {
			if sameKeys(c, w) {
				must(t, mem.ConfirmWorkingKeyBlocks(tid, c))
			}
		}
	}
	w1 := issue(a)
	confirm(a, w1)
	// Host B signs the terminal in (w2); host A reads the row and caches
	// it (w2 Working). B signs it in again (w3; the terminal did not get
	// the answer), so A's copy is stale.
	w2 := issue(b)
	a.Refresh(tid)
	aw, _ := a.TerminalKeyBlocks(tid)
	issue(b)
	// The terminal MACs with w2 at host A, which confirms w2 from its
	// stale copy: the UPDATE loses on the generation, A reads the row (w3
	// Working, w2 Recent) and confirms w2 there.
	confirm(a, aw.Working)
	sameAsMemory(t, "stale confirmation, host A", a, mem, tid)
	sameAsMemory(t, "stale confirmation, a fresh reader", pgstore.NewBlockKeyStore(st), mem, tid)
	if got, _ := a.TerminalKeyBlocks(tid); !got.Confirmed || !sameKeys(got.Working, w2) {
		t.Fatalf("w2 is not the confirmed working set: %v", got)
	}
	// A confirmation that would change B's stale copy (w3 Working) but not
	// the row (w3 was dropped) writes nothing.
	bw, _ := b.TerminalKeyBlocks(tid)
	confirm(b, bw.Working)
	sameAsMemory(t, "confirmation of dropped keys, host B", b, mem, tid)
	sameAsMemory(t, "confirmation of dropped keys, a fresh reader", pgstore.NewBlockKeyStore(st), mem, tid)
}

// bkFixture is two hosts' key-block stores on a fresh schema, the
// in-memory store as the oracle, and a terminal master key under bkLMK.
type bkFixture struct {
	t        *testing.T
	st       *pgstore.Store
	a, b     *pgstore.BlockKeyStore
	mem      *link.MemoryTerminalKeyStore
	sw       *hsm.Software
	tmk      *keys.Key
	tmkBlock hsm.KeyBlock
}

func newBKFixture(t *testing.T) *bkFixture {
	t.Helper()
	f := &bkFixture{t: t, st: open(t, freshSchema(t)), mem: link.NewMemoryTerminalKeyStore(), sw: bkHSM(t)}
	f.a, f.b = pgstore.NewBlockKeyStore(f.st), pgstore.NewBlockKeyStore(f.st)
	f.tmk, _ = keys.FromHex(keys.TDES2, mhTMK)
	var err error
	f.tmkBlock, err = f.sw.Wrap(f.tmk, hsm.TerminalMasterKey)
	must(t, err)
	return f
}

// add registers tid with the TMK in the database (through host A) and
// in the oracle.
func (f *bkFixture) add(tid string) {
	f.t.Helper()
	must(f.t, f.a.AddTerminal(context.Background(), tid, f.tmkBlock))
	f.mem.AddTerminal(tid, f.tmkBlock)
}

// draw makes a set of working keys under the TMK (a sign-in's).
func (f *bkFixture) draw() *hsm.WorkingKeys {
	f.t.Helper()
	w, err := f.sw.GenerateWorkingKeys(context.Background(), f.tmkBlock, keys.ModeTDES)
	must(f.t, err)
	return w
}

// sameAsMemory fails t unless s and the oracle mem hold the same keys for
// tid (by content: pointers differ).
func sameAsMemory(t *testing.T, step string, s link.TerminalKeyStore, mem *link.MemoryTerminalKeyStore, tid string) {
	t.Helper()
	got, err := s.TerminalKeyBlocks(tid)
	if err != nil {
		t.Fatalf("%s: %v", step, err)
	}
	want, _ := mem.TerminalKeyBlocks(tid)
	if got.TMK != want.TMK || got.Confirmed != want.Confirmed || !sameKeys(got.Working, want.Working) ||
		!sameKeys(got.Previous, want.Previous) || len(got.Recent) != len(want.Recent) {
		t.Fatalf("%s: database %v (%d recent), memory %v (%d recent)", step, got, len(got.Recent), want, len(want.Recent))
	}
	for i := range got.Recent {
		if !sameKeys(got.Recent[i], want.Recent[i]) {
			t.Fatalf("%s: recent %d differs", step, i)
		}
	}
}

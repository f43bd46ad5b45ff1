package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/iso8583/link"
)

// Opener returns a fresh, empty store for a test, and a second handle on
// the same state (a second host's connection; the same value is fine for
// an in-process store). Register cleanups with t.
type Opener func(t *testing.T) (a, b link.Store)

// Run runs every conformance test.
func Run(t *testing.T, open Opener) {
	t.Run("RoundTrip", func(t *testing.T) { testRoundTrip(t, open) })
	t.Run("ErrorWritesNothing", func(t *testing.T) { testErrorWritesNothing(t, open) })
	t.Run("ConcurrentCreate", func(t *testing.T) { testConcurrentCreate(t, open) })
	t.Run("ConcurrentMultiKey", func(t *testing.T) { testConcurrentMultiKey(t, open) })
	t.Run("FindAuth", func(t *testing.T) { testFindAuth(t, open) })
	t.Run("SettleArchives", func(t *testing.T) { testSettle(t, open) })
	t.Run("SequencesUnique", func(t *testing.T) { testSequences(t, open) })
	t.Run("ATCMonotonic", func(t *testing.T) { testATC(t, open) })
	t.Run("Uploaded", func(t *testing.T) { testUploaded(t, open) })
	t.Run("Prune", func(t *testing.T) { testPrune(t, open) })
	RunHost(t, open)
}

var ctx = context.Background()

func key(stan uint32) link.TxnKey {
	return link.TxnKey{TID: "T0000001", Batch: 7, STAN: stan, MTI: "0200"}
}

// at returns a time with microsecond precision (what PostgreSQL keeps).
func at(s int) time.Time { return time.Date(2026, 12, 5, 10, 0, s, 123456000, time.UTC) }

func full(k link.TxnKey) *link.HostTxn {
	o := key(1)
	r := &link.HostTxn{
		Key: k, Kind: iso8583.KindRefund, State: link.HostAnswered, Amount: 1234,
		CardMasked: "622588******6780",
		Answer: link.Answer{RC: "00", AuthCode: "123456", RRN: "000000000042", LocalTime: "101500", LocalDate: "1205",
			SettlementDate: "1205", AdditionalResponse: "x", AdditionalData: "48", AdditionalAmounts: "1001156C000000010000", IssuerData: []byte{0x91, 0x02, 0xAA, 0xBB}, Keys: []byte{1, 2, 3}},
		Approved: true, Refunded: 5, Completed: 6, Orig: &o, Owner: "host-a", Lease: at(30), Created: at(1),
	}
	for i := range r.Fingerprint {
		r.Fingerprint[i] = byte(i)
		r.CardHash[i] = byte(255 - i)
	}
	return r
}

func create(t *testing.T, s link.Store, r *link.HostTxn) {
	t.Helper()
	err := s.Update(ctx, []link.TxnKey{r.Key}, func(recs []*link.HostTxn) error {
		if recs[0] != nil {
			return fmt.Errorf("%s exists", r.Key)
		}
		c := *r
		recs[0] = &c
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, s link.Store, k link.TxnKey) *link.HostTxn {
	t.Helper()
	r, err := s.Get(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func equal(a, b *link.HostTxn) error {
	x, y := *a, *b
	if (x.Orig == nil) != (y.Orig == nil) || (x.Orig != nil && *x.Orig != *y.Orig) {
		return fmt.Errorf("orig %v != %v", x.Orig, y.Orig)
	}
	if string(x.Answer.IssuerData) != string(y.Answer.IssuerData) {
		return fmt.Errorf("issuer data %X != %X", x.Answer.IssuerData, y.Answer.IssuerData)
	}
	if !x.Lease.Equal(y.Lease) || !x.Created.Equal(y.Created) {
		return fmt.Errorf("times %v/%v != %v/%v", x.Lease, x.Created, y.Lease, y.Created)
	}
	if string(x.Answer.Keys) != string(y.Answer.Keys) {
		return fmt.Errorf("keys %X != %X", x.Answer.Keys, y.Answer.Keys)
	}
	x.Orig, y.Orig, x.Answer.IssuerData, y.Answer.IssuerData = nil, nil, nil, nil
	x.Answer.Keys, y.Answer.Keys = nil, nil
	x.Lease, y.Lease, x.Created, y.Created = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if fmt.Sprintf("%#v", x) != fmt.Sprintf("%#v", y) {
		return fmt.Errorf("\n got %+v\nwant %+v", x, y)
	}
	return nil
}

// testRoundTrip: every field of a record survives the store.
func testRoundTrip(t *testing.T, open Opener) {
	a, b := open(t)
	want := full(key(1))
	create(t, a, want)
	if err := equal(get(t, b, key(1)), want); err != nil {
		t.Fatal(err)
	}
	if r := get(t, a, key(2)); r != nil {
		t.Fatalf("absent key returned %+v", r)
	}
	// Change every mutable field.
	err := a.Update(ctx, []link.TxnKey{key(1)}, func(recs []*link.HostTxn) error {
		r := recs[0]
		r.State, r.Approved, r.Reversed, r.Voided, r.Settled = link.HostTombstone, false, true, true, true
		r.Refunded, r.Completed, r.Orig, r.Owner, r.Lease = 0, 0, nil, "host-b", at(40)
		r.Answer = link.Answer{RC: "12"}
		want = r
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := equal(get(t, b, key(1)), want); err != nil {
		t.Fatal(err)
	}
}

// testErrorWritesNothing: an Update whose fn fails changes nothing.
func testErrorWritesNothing(t *testing.T, open Opener) {
	a, _ := open(t)
	create(t, a, full(key(1)))
	boom := errors.New("boom")
	err := a.Update(ctx, []link.TxnKey{key(1), key(2)}, func(recs []*link.HostTxn) error {
		recs[0].Amount = 1
		recs[1] = full(key(2))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v, want fn's error", err)
	}
	if r := get(t, a, key(1)); r.Amount != 1234 {
		t.Fatalf("amount %d after a failed update", r.Amount)
	}
	if r := get(t, a, key(2)); r != nil {
		t.Fatal("record created by a failed update")
	}
}

// testConcurrentCreate: many hosts claim the same new key at once; exactly
// one creates it, every other sees the record it created.
func testConcurrentCreate(t *testing.T, open Opener) {
	a, b := open(t)
	const n = 16
	var wg sync.WaitGroup
	var mu sync.Mutex
	created, saw := 0, 0
	for i := 0; i < n; i++ {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			err := s.Update(ctx, []link.TxnKey{key(9)}, func(recs []*link.HostTxn) error {
				if recs[0] == nil {
					r := full(key(9))
					r.Owner = fmt.Sprint(i)
					recs[0] = r
					return nil
				}
				return errExists
			})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				created++
			case errors.Is(err, errExists):
				saw++
			default:
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	if created != 1 || saw != n-1 {
		t.Fatalf("%d created, %d saw it; want 1 and %d", created, saw, n-1)
	}
}

var errExists = errors.New("exists")

// testConcurrentMultiKey: updates of overlapping key pairs in opposite
// orders from two handles neither deadlock nor lose an increment.
func testConcurrentMultiKey(t *testing.T, open Opener) {
	a, b := open(t)
	create(t, a, full(key(1)))
	create(t, a, full(key(2)))
	const n = 40
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		s, keys := a, []link.TxnKey{key(1), key(2)}
		if i%2 == 1 {
			s, keys = b, []link.TxnKey{key(2), key(1)}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.Update(ctx, keys, func(recs []*link.HostTxn) error {
				recs[0].Refunded++
				recs[1].Refunded++
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for _, k := range []link.TxnKey{key(1), key(2)} {
		if r := get(t, a, k); r.Refunded != 5+n {
			t.Fatalf("%s refunded %d, want %d", k, r.Refunded, 5+n)
		}
	}
}

// testFindAuth: approved pre-authorisations by terminal and code only.
func testFindAuth(t *testing.T, open Opener) {
	a, b := open(t)
	mk := func(stan uint32, kind iso8583.Kind, approved bool, tid, auth string) {
		r := full(link.TxnKey{TID: tid, Batch: 7, STAN: stan, MTI: "0100"})
		r.Kind, r.Approved, r.Answer.AuthCode, r.Orig = kind, approved, auth, nil
		create(t, a, r)
	}
	mk(1, iso8583.KindPreAuth, true, "T0000001", "111111")
	mk(2, iso8583.KindPreAuth, false, "T0000001", "111111")
	mk(3, iso8583.KindSale, true, "T0000001", "111111")
	mk(4, iso8583.KindPreAuth, true, "T0000002", "111111")
	mk(5, iso8583.KindPreAuth, true, "T0000001", "222222")
	got, err := b.FindAuth(ctx, "T0000001", "111111")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Key.STAN != 1 {
		t.Fatalf("FindAuth found %d records (%v), want only STAN 1", len(got), got)
	}
}

// testSettle: settlement counts live debits and refunds only, archives
// them, and a batch number used again starts empty; pending claims are
// neither counted nor archived.
func testSettle(t *testing.T, open Opener) {
	a, b := open(t)
	n := uint32(0)
	mk := func(kind iso8583.Kind, amount int64, f func(r *link.HostTxn)) {
		n++
		r := full(key(n))
		r.Kind, r.Amount, r.Orig, r.Refunded, r.Completed = kind, amount, nil, 0, 0
		if f != nil {
			f(r)
		}
		create(t, a, r)
	}
	mk(iso8583.KindSale, 1000, nil)
	mk(iso8583.KindSale, 2000, func(r *link.HostTxn) { r.Voided = true })
	mk(iso8583.KindSale, 4000, func(r *link.HostTxn) { r.Reversed = true })
	mk(iso8583.KindSale, 8000, func(r *link.HostTxn) { r.Approved = false })
	mk(iso8583.KindPreAuthCompletion, 300, nil)
	mk(iso8583.KindPreAuth, 9999, nil)
	mk(iso8583.KindRefund, 250, nil)
	mk(iso8583.KindVoid, 2000, nil)
	mk(iso8583.KindSale, 7, func(r *link.HostTxn) { r.State = link.HostPending })
	mk(iso8583.KindSale, 5, func(r *link.HostTxn) { r.State = link.HostTombstone })
	other := full(link.TxnKey{TID: "T0000002", Batch: 7, STAN: 1, MTI: "0200"})
	other.Kind, other.Orig = iso8583.KindSale, nil
	create(t, a, other)
	want := iso8583.Totals{DebitAmount: 1300, DebitCount: 2, CreditAmount: 250, CreditCount: 1}
	open1, settled, err := b.Totals(ctx, "T0000001", 7)
	if err != nil || open1 != want || settled != (iso8583.Totals{}) {
		t.Fatalf("before: open %+v settled %+v (%v), want open %+v", open1, settled, err, want)
	}
	got, err := b.Settle(ctx, "T0000001", 7)
	if err != nil || got != want {
		t.Fatalf("Settle = %+v, %v; want %+v", got, err, want)
	}
	open2, settled, err := a.Totals(ctx, "T0000001", 7)
	if err != nil || open2 != (iso8583.Totals{}) || settled != want {
		t.Fatalf("after: open %+v settled %+v (%v)", open2, settled, err)
	}
	if r := get(t, a, key(9)); r.Settled {
		t.Fatal("a pending claim was archived")
	}
	// The batch number is used again: it starts empty.
	mk(iso8583.KindSale, 50, nil)
	if got, err := a.Settle(ctx, "T0000001", 7); err != nil || got != (iso8583.Totals{DebitAmount: 50, DebitCount: 1}) {
		t.Fatalf("reused batch settles as %+v (%v), want only its new sale", got, err)
	}
	if o, _, _ := a.Totals(ctx, "T0000002", 7); o.DebitCount != 1 {
		t.Fatalf("another terminal's batch was touched: %+v", o)
	}
}

// testSequences: values are unique across concurrent callers and handles,
// and increase for each caller.
func testSequences(t *testing.T, open Opener) {
	a, b := open(t)
	var mu sync.Mutex
	seen := map[uint64]bool{}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var last uint64
			for j := 0; j < 25; j++ {
				n, err := s.Next(ctx, link.SeqRRN)
				if err != nil {
					t.Error(err)
					return
				}
				if n <= last {
					t.Errorf("sequence went from %d to %d", last, n)
				}
				last = n
				mu.Lock()
				if seen[n] {
					t.Errorf("sequence value %d issued twice", n)
				}
				seen[n] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	x, _ := a.Next(ctx, link.SeqAuth)
	y, _ := b.Next(ctx, "custom_seq")
	if x == 0 || y == 0 {
		t.Fatal("sequences start above zero")
	}
}

// testATC: an ATC is accepted once, only above the high-water mark, per
// card; at the same instant from two hosts exactly one wins.
func testATC(t *testing.T, open Opener) {
	a, b := open(t)
	var c1, c2 [32]byte
	c1[0], c2[0] = 1, 2
	steps := []struct {
		s    link.Store
		card [32]byte
		atc  uint32
		want bool
	}{
		{a, c1, 5, true}, {b, c1, 5, false}, {a, c1, 4, false}, {b, c1, 6, true},
		{a, c2, 1, true}, {b, c2, 0, false}, {a, c1, 65535, true}, {b, c1, 65535, false},
	}
	for i, s := range steps {
		ok, err := s.s.AdvanceATC(ctx, s.card, s.atc)
		if err != nil || ok != s.want {
			t.Fatalf("step %d: ATC %d = %v, %v; want %v", i, s.atc, ok, err, s.want)
		}
	}
	var c3 [32]byte
	c3[0] = 3
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := 0; i < 10; i++ {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.AdvanceATC(ctx, c3, 77)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("the same ATC accepted %d times", wins)
	}
}

func testUploaded(t *testing.T, open Opener) {
	a, b := open(t)
	if n, err := a.AddUploaded(ctx, "T0000001", 3, 8); err != nil || n != 8 {
		t.Fatalf("%d, %v", n, err)
	}
	if n, err := b.AddUploaded(ctx, "T0000001", 3, 1); err != nil || n != 9 {
		t.Fatalf("%d, %v", n, err)
	}
	if n, _ := a.AddUploaded(ctx, "T0000001", 4, 0); n != 0 {
		t.Fatalf("another batch has %d", n)
	}
}

// testPrune: old settled, declined, reversed, voided and non-money records
// go; approved unsettled money, open holds, pending claims and anything
// newer than the cut-off stay.
func testPrune(t *testing.T, open Opener) {
	a, b := open(t)
	type c struct {
		kind    iso8583.Kind
		f       func(r *link.HostTxn)
		old     bool
		survive bool
	}
	cases := []c{
		{iso8583.KindSale, nil, true, true},                                                  // unsettled sale
		{iso8583.KindSale, func(r *link.HostTxn) { r.Settled = true }, true, false},          // settled
		{iso8583.KindSale, func(r *link.HostTxn) { r.Settled = true }, false, true},          // settled, recent
		{iso8583.KindSale, func(r *link.HostTxn) { r.Approved = false }, true, false},        // declined
		{iso8583.KindSale, func(r *link.HostTxn) { r.Reversed = true }, true, false},         // reversed
		{iso8583.KindSale, func(r *link.HostTxn) { r.Voided = true }, true, false},           // voided
		{iso8583.KindBalance, nil, true, false},                                              // inquiry
		{iso8583.KindVoid, nil, true, false},                                                 // the void record
		{iso8583.KindPreAuth, func(r *link.HostTxn) { r.Settled = true }, true, true},        // open hold
		{iso8583.KindPreAuth, func(r *link.HostTxn) { r.Completed = 10 }, true, false},       // completed hold
		{iso8583.KindSale, func(r *link.HostTxn) { r.State = link.HostPending }, true, true}, // pending claim
		{iso8583.KindSale, func(r *link.HostTxn) { r.State = link.HostTombstone }, true, false},
		{iso8583.KindRefund, nil, true, true},
	}
	for i, x := range cases {
		r := full(key(uint32(i + 1)))
		r.Kind, r.Orig, r.Completed, r.Refunded = x.kind, nil, 0, 0
		r.Created = at(50)
		if x.old {
			r.Created = at(1)
		}
		if x.f != nil {
			x.f(r)
		}
		create(t, a, r)
	}
	n, err := b.Prune(ctx, at(10))
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for i, x := range cases {
		got := get(t, a, key(uint32(i+1))) != nil
		if got != x.survive {
			t.Errorf("case %d (%s): survives %v, want %v", i, x.kind, got, x.survive)
		}
		if !x.survive {
			want++
		}
	}
	if n != want {
		t.Errorf("Prune reported %d, want %d", n, want)
	}
}

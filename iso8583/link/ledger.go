package link

import (
	"context"
	"crypto/sha256"
	"sync"

	"github.com/possdk/pos/iso8583"
)

// ledger is the host's record of the transactions it authorised, by
// terminal, batch and STAN: what a reversal undoes, a void cancels and a
// settlement totals.
type ledger struct {
	mu       sync.Mutex
	m        map[ledgerKey]*ledgerEntry
	uploaded map[batchKey]int
}

type ledgerKey struct {
	tid   string
	batch uint32
	stan  uint32
}

type batchKey struct {
	tid   string
	batch uint32
}

type ledgerEntry struct {
	txn      *iso8583.Transaction // the request, with the host's answer applied
	approved bool
	reversed bool
	voided   bool       // a sale cancelled by a void
	voidOf   *ledgerKey // for a void: the sale it cancelled
	// tombstone: a reversal arrived before its original (no txn yet). The
	// late original is declined, never authorised.
	tombstone bool
	// completed: a pre-authorisation whose hold a completion released.
	completed bool
}

func newLedger() *ledger {
	return &ledger{m: make(map[ledgerKey]*ledgerEntry), uploaded: make(map[batchKey]int)}
}

func batchOf(t *iso8583.Transaction) uint32 {
	if t.Field60 == nil {
		return 0
	}
	return t.Field60.Batch
}

func keyOf(t *iso8583.Transaction) ledgerKey {
	return ledgerKey{t.TerminalID, batchOf(t), t.STAN}
}

// debit reports whether the kind takes money from the card and counts as a
// debit in the settlement totals (CUP 借记).
func debit(k iso8583.Kind) bool {
	switch k {
	case iso8583.KindSale, iso8583.KindPreAuthCompletion, iso8583.KindPreAuthCompletionAdvice:
		return true
	}
	return false
}

// totals sums a terminal's batch as the CUP settlement does: debits are
// approved sales and completions not reversed or voided, credits are
// approved refunds not reversed.
func (l *ledger) totals(tid string, batch uint32) iso8583.Totals {
	l.mu.Lock()
	defer l.mu.Unlock()
	var t iso8583.Totals
	for k, e := range l.m {
		if k.tid != tid || k.batch != batch || !e.approved || e.reversed || e.voided {
			continue
		}
		switch {
		case debit(e.txn.Kind):
			t.DebitAmount += e.txn.Amount
			t.DebitCount++
		case e.txn.Kind == iso8583.KindRefund:
			t.CreditAmount += e.txn.Amount
			t.CreditCount++
		}
	}
	return t
}

// dupCache remembers recent requests by terminal, STAN, date and MTI with
// a fingerprint of their content and the response frame sent, so that a
// retransmission is answered with the original response and never
// processed twice. It is bounded: the oldest entries go first.
type dupCache struct {
	mu   sync.Mutex
	m    map[dupKey]*dupEntry
	ring []dupKey
	next int
}

// dupKey names a request for duplicate detection: terminal, batch (60.2),
// STAN and MTI. No date: CUP requests carry no field 13, and the same
// frame sent either side of midnight is the same request.
type dupKey struct {
	tid   string
	batch uint32
	stan  uint32
	mti   string
}

type dupEntry struct {
	fp   [sha256.Size]byte
	done chan struct{}
	// resp is the answer, kept as a transaction so a retransmission after
	// the terminal signed in again is MACed under its current keys.
	resp *iso8583.Transaction
}

func newDupCache(n int) *dupCache {
	if n <= 0 {
		n = 1 << 16
	}
	return &dupCache{m: make(map[dupKey]*dupEntry, n), ring: make([]dupKey, n)}
}

// begin registers a request. If one with the same key is known it returns
// that entry and false; the caller then waits on its done channel.
func (c *dupCache) begin(k dupKey, fp [sha256.Size]byte) (*dupEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[k]; ok {
		return e, false
	}
	e := &dupEntry{fp: fp, done: make(chan struct{})}
	if old := c.ring[c.next]; old != (dupKey{}) {
		delete(c.m, old)
	}
	c.ring[c.next] = k
	c.next = (c.next + 1) % len(c.ring)
	c.m[k] = e
	return e, true
}

// finish publishes the answer to the waiters. A transient answer (96
// system malfunction, 91 issuer unavailable, 98, or none) is not final: the
// entry is dropped so that a retransmission is processed again.
func (c *dupCache) finish(k dupKey, e *dupEntry, resp *iso8583.Transaction) {
	e.resp = resp
	close(e.done)
	if resp == nil || transient(resp.ResponseCode) {
		c.mu.Lock()
		if c.m[k] == e {
			delete(c.m, k)
		}
		c.mu.Unlock()
	}
}

// transient reports response codes that say "try again", never "done".
func transient(rc iso8583.ResponseCode) bool {
	return rc == RCSystemError || rc == "91" || rc == "98"
}

// wait blocks until a request with key k, if one is in progress, has been
// answered, or ctx ends.
func (c *dupCache) wait(ctx context.Context, k dupKey) {
	c.mu.Lock()
	e := c.m[k]
	c.mu.Unlock()
	if e == nil {
		return
	}
	select {
	case <-e.done:
	case <-ctx.Done():
	}
}

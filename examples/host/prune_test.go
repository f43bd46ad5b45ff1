package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/iso8583/link"
)

// storePruner is link.Host.Prune over a store, without a host.
type storePruner struct{ s link.Store }

func (p storePruner) Prune(ctx context.Context, window time.Duration) (int, error) {
	return p.s.Prune(ctx, time.Now().Add(-window))
}

// The host program prunes its store: what settlement still needs (an
// approved, unsettled sale; an open pre-authorisation hold) stays
// whatever its age (link.Store.Prune's rule), what it no longer needs
// goes once older than -keep, and nothing younger goes.
func TestPruneLoop(t *testing.T) {
	ctx := context.Background()
	ms := link.NewMemoryStore()
	old := time.Now().Add(-100 * time.Hour)
	add := func(stan uint32, kind iso8583.Kind, created time.Time, f func(*link.HostTxn)) link.TxnKey {
		r := &link.HostTxn{Key: link.TxnKey{TID: "T1", Batch: 1, STAN: stan, MTI: "0200"}, Kind: kind,
			State: link.HostAnswered, Amount: 100, Created: created}
		f(r)
		if ok, err := ms.Create(ctx, r); !ok || err != nil {
			t.Fatalf("create %d: %v %v", stan, ok, err)
		}
		return r.Key
	}
	approvedSale := add(1, iso8583.KindSale, old, func(r *link.HostTxn) { r.Approved = true })
	openHold := add(2, iso8583.KindPreAuth, old, func(r *link.HostTxn) { r.Approved = true; r.Answer.AuthCode = "123456" })
	declined := add(3, iso8583.KindSale, old, func(r *link.HostTxn) {})
	settled := add(4, iso8583.KindSale, old, func(r *link.HostTxn) { r.Approved, r.Settled = true, true })
	reversed := add(5, iso8583.KindSale, old, func(r *link.HostTxn) { r.Approved, r.Reversed = true, true })
	youngDeclined := add(6, iso8583.KindSale, time.Now(), func(r *link.HostTxn) {})

	var logs strings.Builder
	logged := make(chan struct{}, 1)
	logf := func(format string, a ...any) {
		fmt.Fprintf(&logs, format+"\n", a...)
		select {
		case logged <- struct{}{}:
		default:
		}
	}
	lctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { pruneLoop(lctx, storePruner{ms}, time.Millisecond, 72*time.Hour, logf); close(done) }()
	select {
	case <-logged:
	case <-time.After(10 * time.Second):
		t.Fatal("the loop never pruned")
	}
	cancel()
	<-done

	for _, k := range []link.TxnKey{approvedSale, openHold, youngDeclined} {
		if r, err := ms.Get(ctx, k); err != nil || r == nil {
			t.Errorf("%v: pruned but still needed or too young (%v)", k, err)
		}
	}
	for _, k := range []link.TxnKey{declined, settled, reversed} {
		if r, _ := ms.Get(ctx, k); r != nil {
			t.Errorf("%v: kept although settlement no longer needs it", k)
		}
	}
	if ms.Len() != 3 {
		t.Errorf("%d records left, want 3", ms.Len())
	}
	if got := logs.String(); got != "pruned 3 record(s) older than 72h0m0s\n" {
		t.Errorf("log %q", got)
	}
}

// An error is logged and the loop goes on.
type failingPruner struct{ calls chan time.Duration }

func (p failingPruner) Prune(ctx context.Context, window time.Duration) (int, error) {
	// The test stops reading after two calls and cancels: a third call
	// already under way must not block the loop's exit.
	select {
	case p.calls <- window:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	return 0, fmt.Errorf("database gone")
}

func TestPruneLoopError(t *testing.T) {
	p := failingPruner{calls: make(chan time.Duration)}
	var logs []string
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		pruneLoop(ctx, p, time.Millisecond, time.Hour, func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) })
		close(done)
	}()
	for i := 0; i < 2; i++ {
		if w := <-p.calls; w != time.Hour {
			t.Fatalf("window %v", w)
		}
	}
	cancel()
	<-done
	if len(logs) < 1 || logs[0] != "prune: database gone" {
		t.Errorf("logs %q", logs)
	}
}

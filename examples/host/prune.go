package main

import (
	"context"
	"time"
)

// pruner is what the pruning loop needs of the host (link.Host.Prune).
type pruner interface {
	Prune(ctx context.Context, window time.Duration) (int, error)
}

// pruneLoop drops, every period, the records the host's store no longer
// needs (settled, declined, reversed, voided or non-financial, created
// more than keep ago; see link.Store.Prune) until ctx ends. Without it
// an in-memory host grows by every request it ever answered.
func pruneLoop(ctx context.Context, p pruner, every, keep time.Duration, logf func(string, ...any)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := p.Prune(ctx, keep)
		switch {
		case err != nil && ctx.Err() == nil:
			logf("prune: %v", err)
		case n > 0:
			logf("pruned %d record(s) older than %v", n, keep)
		}
	}
}

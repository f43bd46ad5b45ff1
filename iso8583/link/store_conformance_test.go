package link_test

import (
	"testing"

	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/iso8583/link/storetest"
)

// TestMemoryStoreConformance runs the Store conformance suite, and the
// host's money rules on two hosts sharing the store, on MemoryStore.
func TestMemoryStoreConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) (link.Store, link.Store) {
		s := link.NewMemoryStore()
		return s, s
	})
}

// updateOnly is a Store without the optional StoreFastPath: the host
// claims and answers through Update, as it does with a store that only
// implements the interface.
type updateOnly struct{ link.Store }

// TestMemoryStoreConformanceUpdateOnly runs the suite with the host's
// claims and answers going through Update (MemoryStore's Create and
// Finish hidden), so both paths obey the same rules.
func TestMemoryStoreConformanceUpdateOnly(t *testing.T) {
	storetest.Run(t, func(t *testing.T) (link.Store, link.Store) {
		s := updateOnly{link.NewMemoryStore()}
		return s, s
	})
}

var _ link.StoreFastPath = (*link.MemoryStore)(nil)

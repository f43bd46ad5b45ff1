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

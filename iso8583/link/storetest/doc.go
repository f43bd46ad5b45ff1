// Package storetest is the conformance suite every link.Store passes: the
// store's own contract (atomic, concurrent, idempotent updates; unique
// sequences; monotonic ATCs; settlement that archives; pruning that keeps
// what settlement needs) and the host's money rules run through real
// link.Host instances on the store, two hosts sharing it where the rule
// is about a race. Call Run from a test of the store's package, with a
// function that opens two handles on one fresh store (two hosts' views):
//
//	func TestMyStoreConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) (link.Store, link.Store) {
//			s := openFreshStore(t)
//			return s, s
//		})
//	}
package storetest

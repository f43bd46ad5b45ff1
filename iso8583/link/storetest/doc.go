// Package storetest is the conformance suite every link.Store passes: the
// store's own contract (atomic, concurrent, idempotent updates; unique
// sequences; monotonic ATCs; settlement that archives; pruning that keeps
// what settlement needs) and the host's money rules run through real
// link.Host instances on the store, two hosts sharing it where the rule
// is about a race. Call Run from a test of the store's package.
package storetest

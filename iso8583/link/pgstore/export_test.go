package pgstore

import (
	"slices"

	"github.com/possdk/pos/iso8583/link"
)

// CreateGroup claims rs as one group commit (the workers' path, without
// waiting for concurrency to form the group), for tests that need a bad
// statement and good ones in one batch.
func (s *Store) CreateGroup(rs []*link.HostTxn) ([]bool, []error) {
	ops := make([]*batchOp, len(rs))
	for i, r := range rs {
		ops[i] = &batchOp{key: r.Key, what: "create", sql: insertSQL, args: args(r), done: make(chan batchResult, 1)}
	}
	s.batch.run(slices.Clone(ops)) // run sorts its slice
	created, errs := make([]bool, len(rs)), make([]error, len(rs))
	for i, op := range ops {
		r := <-op.done
		created[i], errs[i] = r.rows == 1, r.err
	}
	return created, errs
}

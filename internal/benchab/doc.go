// Package benchab measures one operation against another in the same
// benchmark: it alternates small batches of each, so both see the same
// machine load, and reports the ratio of the median batch times. Medians
// keep scheduler preemptions on a busy machine out of the ratio. It serves
// the "within N x of the raw operations it needs" goals (BENCHMARKS.md).
//
// Start with Run in a benchmark; Median serves benchmarks that time
// their batches themselves.
package benchab

// Package cputime measures the process's CPU time (user + system) for
// benchmarks and load tests. On a shared machine wall time counts the
// time a benchmark waited for a core; CPU time does not, so ratios taken
// from it stay stable under load.
//
// Start with Start in a benchmark and Report at its end; Used reads the
// clock directly. Where the platform has no getrusage (not unix), every
// reading is 0 and Report reports nothing.
package cputime

import (
	"testing"
	"time"
)

// Timer is a CPU-time reading taken by Start.
type Timer struct{ start time.Duration }

// Start reads the process's CPU time.
func Start() Timer { return Timer{Used()} }

// Report reports the CPU time since Start per operation as the metric
// "cpu-ns/op", next to wall time (nothing where Used is unsupported).
func (t Timer) Report(b *testing.B) {
	if b.N > 0 && supported {
		b.ReportMetric(float64(Used()-t.start)/float64(b.N), "cpu-ns/op")
	}
}

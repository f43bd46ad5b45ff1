package link

import (
	"syscall"
	"testing"
)

// cpuTimer reports process CPU time per operation as the metric
// "cpu-ns/op" next to wall time. On a shared machine wall time counts the
// time the benchmark waited for a core; CPU time does not, so ratios taken
// from it stay stable under load.
type cpuTimer struct{ start int64 }

func startCPU() cpuTimer { return cpuTimer{cpuNanos()} }

func (c cpuTimer) report(b *testing.B) {
	if b.N > 0 {
		b.ReportMetric(float64(cpuNanos()-c.start)/float64(b.N), "cpu-ns/op")
	}
}

func cpuNanos() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

package benchab

import (
	"slices"
	"testing"
	"time"
)

// Run times floor(batch) (the raw operations, batch times) and op(batch)
// (the operation, batch times) alternately for every iteration of b,
// keeping the last samples batch times of each, and reports
// "<name>/<floorName>" (the ratio of the medians), "<name>-ns/op" and
// "<floorName>-ns/op". It reports allocations. The loops are the
// callers', so no call through a function value is timed per operation.
// op returning an error fails the benchmark.
func Run(b *testing.B, name, floorName string, batch, samples int, floor func(n int), op func(n int) error) {
	b.Helper()
	tF := make([]time.Duration, samples)
	tO := make([]time.Duration, samples)
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		t0 := time.Now()
		floor(batch)
		t1 := time.Now()
		err := op(batch)
		t2 := time.Now()
		if err != nil {
			b.Fatal(err)
		}
		tF[n%samples] = t1.Sub(t0)
		tO[n%samples] = t2.Sub(t1)
		n++
	}
	m := min(n, samples)
	o, f := Median(tO[:m]), Median(tF[:m])
	b.ReportMetric(float64(o)/float64(f), name+"/"+floorName)
	b.ReportMetric(float64(o)/float64(batch), name+"-ns/op")
	b.ReportMetric(float64(f)/float64(batch), floorName+"-ns/op")
}

// Median returns the median of d (the upper one for an even count),
// leaving d unchanged.
func Median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}

package benchab

import (
	"errors"
	"testing"
	"time"
)

// Median is the middle value of the sorted samples (the upper middle for
// an even count) and leaves its argument as it was.
func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []time.Duration
		want time.Duration
	}{
		{[]time.Duration{5}, 5},
		{[]time.Duration{3, 1, 2}, 2},
		{[]time.Duration{4, 1, 3, 2}, 3},
		{[]time.Duration{9, 9, 1, 9, 1}, 9},
	} {
		in := append([]time.Duration(nil), c.in...)
		if got := Median(in); got != c.want {
			t.Errorf("Median(%v) = %v, want %v", c.in, got, c.want)
		}
		for i := range in {
			if in[i] != c.in[i] {
				t.Fatalf("Median reordered its argument: %v, was %v", in, c.in)
			}
		}
	}
}

// Run calls both sides with the batch size, once per iteration, and an
// error from op fails the benchmark.
func TestRunCallsBothSides(t *testing.T) {
	var floors, ops int
	res := testing.Benchmark(func(b *testing.B) {
		Run(b, "op", "floor", 8, 16, func(n int) { floors += n }, func(n int) error { ops += n; return nil })
	})
	if res.N == 0 || floors != ops || floors%8 != 0 {
		t.Fatalf("N %d: floor ran %d times, op %d", res.N, floors, ops)
	}
	for _, m := range []string{"op/floor", "op-ns/op", "floor-ns/op"} {
		if _, ok := res.Extra[m]; !ok {
			t.Errorf("metric %q not reported (got %v)", m, res.Extra)
		}
	}
	failed := testing.Benchmark(func(b *testing.B) {
		Run(b, "op", "floor", 1, 1, func(int) {}, func(int) error { return errors.New("broken") })
	})
	if failed.N != 0 {
		t.Errorf("a failing op gave a result with N %d", failed.N)
	}
}

package cputime_test

import (
	"crypto/sha256"
	"testing"

	"github.com/possdk/pos/internal/cputime"
)

// A benchmark that reports CPU nanoseconds per operation next to wall
// time.
func Example() {
	testing.Benchmark(func(b *testing.B) {
		cpu := cputime.Start()
		for range b.N {
			sha256.Sum256([]byte("possdk"))
		}
		cpu.Report(b)
	})
}

package benchab_test

import (
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/possdk/pos/internal/benchab"
)

// A benchmark of SHA-256 over 64 bytes against one compression (the
// "floor") reports the ratio of the median batch times as "sum/floor"
// (about 2 here; the value depends on the machine, so the example prints
// only that it is there).
func ExampleRun() {
	data := make([]byte, 64)
	res := testing.Benchmark(func(b *testing.B) {
		benchab.Run(b, "sum", "floor", 16, 256, func(n int) {
			for range n {
				sha256.Sum256(data[:55]) // one block
			}
		}, func(n int) error {
			for range n {
				sha256.Sum256(data) // two blocks
			}
			return nil
		})
	})
	_, ok := res.Extra["sum/floor"]
	fmt.Println(ok)
	// Output: true
}

func ExampleMedian() {
	fmt.Println(benchab.Median([]time.Duration{30, 10, 20}))
	// Output: 20ns
}

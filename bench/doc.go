// Package bench holds side-by-side benchmarks of possdk against peer
// libraries. It is a separate module so that the SDK's own go.mod never
// requires a competitor. Run with:
//
//	cd bench && go test -run='^$' -bench=. -benchmem
//
// Results are recorded in ../BENCHMARKS.md.
package bench

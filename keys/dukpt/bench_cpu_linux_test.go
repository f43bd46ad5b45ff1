//go:build linux

package dukpt

import (
	"crypto/des"
	"runtime"
	"runtime/debug"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/possdk/pos/keys"
)

// BenchmarkPINKeyCPU compares host PIN-key derivation with its raw block
// operations (the same calls as the "raw" sub-benchmarks in bench_test.go)
// by thread CPU time with the garbage collector paused, in alternating
// batches. On a shared machine wall-clock ns/op swings by 2-3x; thread CPU
// time does not count time spent descheduled, and pausing GC removes the
// collector's share, so what remains is the derivation's own work. It
// reports "x-raw" (dukpt CPU / raw CPU); ns/op is meaningless here.
func BenchmarkPINKeyCPU(b *testing.B) {
	aesBDK := mustKey(keys.AES128, "FEDCBA9876543210F1F1F1F1F1F1F1F1")
	aesBDK256 := mustKey(keys.AES256, "FEDCBA9876543210F1F1F1F1F1F1F1F1FEDCBA9876543210F1F1F1F1F1F1F1F1")
	tksn, _ := tdesKSN.WithCounter(0x1FF800)
	blk := make([]byte, 16)

	thost, _ := NewTDESHost(tdesBDK)
	tk := tdesBDK.ClearBytes()
	k3 := append(append([]byte(nil), tk...), tk[:8]...)
	tb, _ := des.NewTripleDESCipher(k3)
	tdesOp := func() {
		key, _ := thost.TransactionKey(tksn)
		pk, _ := key.PINKey()
		pk.Zero()
	}
	tdesRaw := func() {
		tb.Encrypt(blk[:8], blk[:8])
		tb.Encrypt(blk[:8], blk[:8])
		for range 10 * 2 {
			c, _ := des.NewCipher(k3[:8])
			c.Encrypt(blk[:8], blk[:8])
		}
	}
	a128op, a128raw := aesPINKeyOps(b, aesBDK, 1)
	a256op, a256raw := aesPINKeyOps(b, aesBDK256, 2)
	for _, c := range []struct {
		name    string
		op, raw func()
		batch   int
	}{
		{"TDES", tdesOp, tdesRaw, 20},
		{"AES128", a128op, a128raw, 200},
		{"AES256", a256op, a256raw, 200},
	} {
		b.Run(c.name, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			defer debug.SetGCPercent(debug.SetGCPercent(-1))
			var tOp, tRaw time.Duration
			for b.Loop() {
				runtime.GC()
				t0 := threadCPU()
				for range c.batch {
					c.op()
				}
				t1 := threadCPU()
				runtime.GC()
				t2 := threadCPU()
				for range c.batch {
					c.raw()
				}
				tOp += t1 - t0
				tRaw += threadCPU() - t2
			}
			b.ReportMetric(float64(tOp)/float64(tRaw), "x-raw")
			b.ReportMetric(float64(tOp.Nanoseconds())/float64(b.N*c.batch), "dukpt-cpu-ns")
			b.ReportMetric(float64(tRaw.Nanoseconds())/float64(b.N*c.batch), "raw-cpu-ns")
		})
	}
}

// threadCPU reads CLOCK_THREAD_CPUTIME_ID (nanosecond resolution, unlike
// getrusage's scheduler ticks).
func threadCPU() time.Duration {
	const clockThreadCPUTimeID = 3
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0)
	return time.Duration(ts.Nano())
}

package cputime

import (
	"crypto/sha256"
	"testing"
)

// CPU time does not run backwards, and burning CPU advances it (on unix,
// where getrusage exists; the clock ticks at least every few ms, so the
// loop runs until it has).
func TestUsedAdvances(t *testing.T) {
	if !supported {
		t.Skip("no getrusage on this platform")
	}
	t0 := Used()
	if t0 <= 0 {
		t.Fatalf("Used() = %v at start, want > 0 (a process that started has used CPU)", t0)
	}
	sum := sha256.Sum256(nil)
	for i := 0; Used() == t0; i++ {
		if i > 1<<26 {
			t.Fatal("CPU time did not advance after 64 M hashes")
		}
		sum = sha256.Sum256(sum[:])
	}
	if t1 := Used(); t1 < t0 {
		t.Fatalf("CPU time ran backwards: %v then %v", t0, t1)
	}
}

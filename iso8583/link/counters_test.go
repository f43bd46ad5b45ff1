package link

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestCountersPersist(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ctr")
	c, err := OpenCounters(path, WithInitialBatch(42))
	if err != nil {
		t.Fatal(err)
	}
	for want := uint32(1); want <= 3; want++ {
		got, err := c.NextSTAN()
		if err != nil || got != want {
			t.Fatalf("NextSTAN = %d, %v; want %d", got, err, want)
		}
	}
	if b := c.Batch(); b != 42 {
		t.Fatalf("Batch = %d, want 42", b)
	}
	if b, err := c.NextBatch(); err != nil || b != 43 {
		t.Fatalf("NextBatch = %d, %v", b, err)
	}
	c.Close()
	if _, err := c.NextSTAN(); !errors.Is(err, ErrClosed) {
		t.Fatalf("NextSTAN after Close = %v", err)
	}

	c, err = OpenCounters(path, WithInitialBatch(7))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got, _ := c.NextSTAN(); got != 4 {
		t.Errorf("STAN after reopen = %d, want 4", got)
	}
	if b := c.Batch(); b != 43 {
		t.Errorf("batch after reopen = %d, want 43 (the file wins over WithInitialBatch)", b)
	}
	if err := c.SetBatch(1000000); err == nil {
		t.Error("SetBatch(1000000) accepted")
	}
	if err := c.SetBatch(999999); err != nil {
		t.Fatal(err)
	}
	if b, _ := c.NextBatch(); b != 1 {
		t.Errorf("batch after 999999 = %d, want 1", b)
	}
}

// TestCountersReserveBlock checks that STANs reserved but not used before a
// crash are skipped, never reused.
func TestCountersReserveBlock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ctr")
	c, err := OpenCounters(path, WithReserve(10))
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		c.NextSTAN()
	}
	c.Close() // as a crash would: 4..10 were reserved, not used
	c, err = OpenCounters(path, WithReserve(10))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got, _ := c.NextSTAN(); got != 11 {
		t.Errorf("STAN after crash = %d, want 11", got)
	}
}

func TestCountersWrap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ctr")
	c, err := OpenCounters(path, WithReserve(999998))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var last uint32
	for range maxSTAN {
		last, _ = c.NextSTAN()
	}
	if last != 999999 {
		t.Fatalf("STAN %d = %d", maxSTAN, last)
	}
	if s, _ := c.NextSTAN(); s != 1 {
		t.Errorf("STAN after 999999 = %d, want 1 (000000 is never used)", s)
	}
}

// TestCountersTornSlot damages the most recently written slot, as a crash
// during its write would, and checks the previous state is used.
func TestCountersTornSlot(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ctr")
	c, _ := OpenCounters(path)
	for range 5 {
		c.NextSTAN()
	}
	seq := c.seq
	c.Close()
	b, _ := os.ReadFile(path)
	slot := int(seq%2) * counterSlot
	for i := slot + 10; i < slot+counterSlot; i++ {
		b[i] = 0
	}
	os.WriteFile(path, b, 0o600)
	c, err := OpenCounters(path)
	if err != nil {
		t.Fatal(err)
	}
	// The torn write was reserving STAN 5, so it was never handed out;
	// the previous slot has 4 reserved.
	if s, _ := c.NextSTAN(); s != 5 {
		t.Errorf("STAN after torn slot = %d, want 5", s)
	}
	c.Close()

	os.WriteFile(path, []byte("garbage, not counters at all, 0123456789"), 0o600)
	if _, err := OpenCounters(path); !errors.Is(err, ErrCorrupt) {
		t.Errorf("garbage file: %v, want ErrCorrupt", err)
	}
}

func FuzzParseCounterSlot(f *testing.F) {
	f.Add(make([]byte, counterSlot))
	f.Add([]byte("PCTR\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x05\x00\x00\x00\x01\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _, batch, ok := parseCounterSlot(b)
		if ok && (batch < 1 || batch > maxBatch || len(b) != counterSlot) {
			t.Fatalf("accepted batch %d from %d bytes", batch, len(b))
		}
	})
}

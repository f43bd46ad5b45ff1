package keys

import (
	"crypto/des"
	"errors"
	"sync"
	"testing"

	"github.com/possdk/pos/internal/testvec"
)

// The key schedule cache (issue 17): Block and DESParts build their ciphers
// once per key and share them; concurrent first uses are race-free (run with
// -race) and all see ciphers that encrypt as a freshly built one does; Zero
// drops them.
func TestScheduleCache(t *testing.T) {
	raw := testvec.Hex(t, "0123456789ABCDEFFEDCBA9876543210")
	k, err := New(TDES2, raw)
	if err != nil {
		t.Fatal(err)
	}
	k3 := append(append([]byte(nil), raw...), raw[:8]...)
	ref, _ := des.NewTripleDESCipher(k3)
	refL, _ := des.NewCipher(raw[:8])
	refR, _ := des.NewCipher(raw[8:])
	in := testvec.Hex(t, "4E6F772069732074")
	want, wantL, wantR := make([]byte, 8), make([]byte, 8), make([]byte, 8)
	ref.Encrypt(want, in)
	refL.Encrypt(wantL, in)
	refR.Encrypt(wantR, in)

	var wg sync.WaitGroup
	const n = 16
	blocks := make([][3]any, n)
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b, err := k.Block()
			if err != nil {
				errs <- err
				return
			}
			l, r, err := k.DESParts()
			if err != nil {
				errs <- err
				return
			}
			out := make([]byte, 8)
			for _, c := range []struct {
				name string
				got  interface{ Encrypt(dst, src []byte) }
				want []byte
			}{{"TDES", b, want}, {"left", l, wantL}, {"right", r, wantR}} {
				c.got.Encrypt(out, in)
				if string(out) != string(c.want) {
					errs <- errors.New(c.name + " cipher does not encrypt as crypto/des")
					return
				}
			}
			blocks[i] = [3]any{b, l, r}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	b1, _ := k.Block()
	l1, r1, _ := k.DESParts()
	for i, got := range blocks {
		if got[0] != any(b1) || got[1] != any(l1) || got[2] != any(r1) {
			t.Fatalf("goroutine %d got ciphers other than the cached ones", i)
		}
	}
	k.Zero()
	if _, err := k.Block(); !errors.Is(err, ErrZeroed) {
		t.Fatalf("Block after Zero: %v, want ErrZeroed", err)
	}
	if _, _, err := k.DESParts(); !errors.Is(err, ErrZeroed) {
		t.Fatalf("DESParts after Zero: %v, want ErrZeroed", err)
	}
	if k.c.block.Load() != nil || k.c.parts.Load() != nil {
		t.Fatal("Zero left a key schedule cached")
	}
}

// A long-lived key's MAC builds no cipher after the first call.
func TestScheduleCacheAllocs(t *testing.T) {
	k, _ := FromHex(TDES2, "0123456789ABCDEFFEDCBA9876543210")
	if _, err := k.Block(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := k.DESParts(); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() {
		_, _ = k.Block()
		_, _, _ = k.DESParts()
	}); n != 0 {
		t.Fatalf("cached Block and DESParts allocate %v times per call", n)
	}
}

package pinblock

import (
	"bytes"
	"errors"
	"testing"
	"testing/iotest"

	"github.com/possdk/pos/internal/testvec"
)

// oneByteReader hands out one byte per Read, to exercise readRandom's
// ReadFull path.
type oneByteReader struct{ b byte }

func (r *oneByteReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	r.b++
	p[0] = r.b
	return 1, nil
}

func TestShortReads(t *testing.T) {
	for _, f := range []Format{Format1, Format3, Format4} {
		pin, _ := ParsePIN([]byte("1234"))
		b, err := f.Encode(pin, "4012345678909", &oneByteReader{})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if _, err := b.PIN("4012345678909"); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
}

// TestFillIsRandom checks that formats 1, 3 and 4 draw their fill from the
// random source and format 3 fill stays in A-F.
func TestFillIsRandom(t *testing.T) {
	pin := mustPIN(t, "1234")
	seen := map[string]bool{}
	for range 200 {
		b, err := Format3.Encode(pin, "4012345678909", nil)
		if err != nil {
			t.Fatal(err)
		}
		raw := b.AppendBytes(nil)
		seen[string(raw)] = true
		if _, err := Format3.Decode(raw, "4012345678909"); err != nil {
			t.Fatalf("random format 3 block does not decode: %v", err)
		}
	}
	if len(seen) < 190 {
		t.Errorf("only %d distinct format 3 blocks in 200", len(seen))
	}
	for _, f := range []Format{Format1, Format3, Format4} {
		if _, err := f.Encode(pin, "4012345678909", iotest.ErrReader(errors.New("no entropy"))); !errors.Is(err, ErrRandom) {
			t.Errorf("%s with a failing reader: err = %v, want ErrRandom", f, err)
		}
	}
}

// TestRandomAFRefills forces the rejection sampler to read more than once.
func TestRandomAFRefills(t *testing.T) {
	// First read: all 3-bit groups are 7 (rejected); second read: zeros.
	r := bytes.NewReader(append(bytes.Repeat([]byte{0xFF}, 8), make([]byte, 8)...))
	b, err := Format3.Encode(mustPIN(t, "1234"), "4012345678909", r)
	if err != nil {
		t.Fatal(err)
	}
	// 341234AAAAAAAAAA (fill all A) XOR PAN field 0000401234567890.
	if got, want := b.AppendBytes(nil), testvec.Hex(t, "341274B89EFCD23A"); !bytes.Equal(got, want) {
		t.Fatalf("got %X, want %X", got, want)
	}
}

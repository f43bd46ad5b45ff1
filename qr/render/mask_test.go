package render

import (
	"testing"

	"rsc.io/qr/coding"
)

func TestFinderLike(t *testing.T) {
	for _, c := range []struct {
		line string
		want int
	}{
		{"00001011101", 1},
		{"10111010000", 1},
		{"1011101", 1}, // outside the symbol is light
		{"0000101110100001011101", 2},
		{"110111010011", 0},
		{"10111011", 1},
		{"11011101011", 0}, // dark next to the pattern on both sides
	} {
		line := func(k int) bool { return c.line[k] == '1' }
		if got := finderLike(line, len(c.line)); got != c.want {
			t.Errorf("finderLike(%s) = %d, want %d", c.line, got, c.want)
		}
	}
}

// TestPenaltyRules scores small hand-made symbols (ISO/IEC 18004:2015
// §7.8.3): an all-light 5x5 square has five-module runs in 10 lines
// (10 x 3), 16 2x2 blocks (16 x 3) and is 50 points off balance (10 x 10).
func TestPenaltyRules(t *testing.T) {
	c := &coding.Code{Bitmap: make([]byte, 5), Size: 5, Stride: 1}
	if got, want := penalty(c), 10*3+16*3+10*10; got != want {
		t.Errorf("all light: %d, want %d", got, want)
	}
	// A checkerboard has no runs, no blocks, 13 of 25 dark (52%: 0 steps).
	for y := 0; y < 5; y++ {
		for x := 0; x < 5; x++ {
			if (x+y)%2 == 0 {
				c.Bitmap[y] |= 1 << uint(7-x)
			}
		}
	}
	if got := penalty(c); got != 0 {
		t.Errorf("checkerboard: %d, want 0", got)
	}
}

// TestMaskChoice: the Pix sample at level Q is the case where rsc.io/qr's
// fixed mask 0 fails to read back (see mask.go); Encode must pick another.
func TestMaskChoice(t *testing.T) {
	sym, err := Encode(pixExample, Q)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := coding.NewPlan(coding.Version((sym.Size()-17)/4), coding.Q, 0)
	mask0, err := p.Encode(coding.String(pixExample))
	if err != nil {
		t.Fatal(err)
	}
	if penalty(sym.code) >= penalty(mask0) {
		t.Errorf("chosen mask scores %d, mask 0 scores %d", penalty(sym.code), penalty(mask0))
	}
}

package render

import "rsc.io/qr/coding"

// Mask selection. rsc.io/qr always applies data mask 0 ("TODO: Pick
// appropriate mask"), and mask 0 can draw shapes that a reader takes for
// finder patterns: the Pix sample at level Q (version 10) does not read
// back at 4 pixels per module with it, and does with every other mask. So
// render builds all eight and keeps the one with the lowest penalty score
// of ISO/IEC 18004:2015 §7.8.3, as the standard asks of an encoder.

// ISO/IEC 18004:2015 Table 11 weights.
const (
	penaltyRun     = 3  // N1: five or more same-colour modules in a line
	penaltyBlock   = 3  // N2: each 2x2 block of one colour
	penaltyFinder  = 40 // N3: 1:1:3:1:1 finder-like pattern beside 4 light modules
	penaltyBalance = 10 // N4: per 5% the dark share strays from 50%
)

// bestCode encodes enc at version v and level l with each data mask and
// returns the code with the lowest penalty (the lowest mask on a tie).
func bestCode(enc coding.Encoding, v coding.Version, l coding.Level) (*coding.Code, error) {
	var best *coding.Code
	bestScore := -1
	for m := coding.Mask(0); m < 8; m++ {
		p, err := coding.NewPlan(v, l, m)
		if err != nil {
			return nil, err
		}
		c, err := p.Encode(enc)
		if err != nil {
			return nil, err
		}
		if s := penalty(c); bestScore < 0 || s < bestScore {
			best, bestScore = c, s
		}
	}
	return best, nil
}

// penalty scores a symbol by the four rules of ISO/IEC 18004:2015 §7.8.3.
func penalty(c *coding.Code) int {
	n := c.Size
	dark := func(x, y int) bool { return c.Black(x, y) }
	score, darkCount := 0, 0
	for i := 0; i < n; i++ {
		// Rule 1 and 3 along row i and column i.
		for _, line := range [2]func(int) bool{
			func(k int) bool { return dark(k, i) },
			func(k int) bool { return dark(i, k) },
		} {
			run := 1
			for k := 1; k <= n; k++ {
				if k < n && line(k) == line(k-1) {
					run++
					continue
				}
				if run >= 5 {
					score += penaltyRun + run - 5
				}
				run = 1
			}
			score += penaltyFinder * finderLike(line, n)
		}
		for j := 0; j < n; j++ {
			if dark(j, i) {
				darkCount++
			}
			// Rule 2: 2x2 blocks.
			if i+1 < n && j+1 < n {
				d := dark(j, i)
				if dark(j+1, i) == d && dark(j, i+1) == d && dark(j+1, i+1) == d {
					score += penaltyBlock
				}
			}
		}
	}
	// Rule 4: dark share, in whole 5% steps away from 50%.
	pct := darkCount * 100 / (n * n)
	dev := pct - 50
	if dev < 0 {
		dev = -dev
	}
	return score + penaltyBalance*(dev/5)
}

// finderLike counts 1:1:3:1:1 patterns with four light modules before or
// after them in one line (modules outside the symbol count as light).
func finderLike(line func(int) bool, n int) int {
	at := func(k int) bool { return k >= 0 && k < n && line(k) }
	count := 0
	for k := 0; k+7 <= n; k++ {
		if !(at(k) && !at(k+1) && at(k+2) && at(k+3) && at(k+4) && !at(k+5) && at(k+6)) {
			continue
		}
		before, after := true, true
		for d := 1; d <= 4; d++ {
			before = before && !at(k-d)
			after = after && !at(k+6+d)
		}
		if before || after {
			count++
		}
	}
	return count
}

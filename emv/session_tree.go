package emv

import (
	"crypto/subtle"
	"fmt"

	"github.com/possdk/pos/keys"
)

// EMV2000TreeSessionKey derives an AC session key with the tree method of
// EMV 2000 Book 2 Annex A1.3 (dropped from later editions, still found on
// cards personalised to it). With b the branch factor and H the height:
//
//	IK(0, 0)    = MK, and the level above the root is the IV
//	IK(i, j)    = F(IK(i-1, j div b), IK(i-2, j div b²), j mod b)
//	F(X, Y, j)  = TDES(X, Y_L xor j) || TDES(X, Y_R xor j xor 'F0')
//	SK          = IK(H, ATC) xor IK(H-2, ATC div b²)
//
// where j is XORed into the rightmost bytes of each 8-byte half. The result
// has odd parity.
func EMV2000TreeSessionKey(mk *keys.Key, atc [2]byte, t TreeParams) (*keys.Key, error) {
	if _, err := tdesBlock(mk, "ICC master key"); err != nil {
		return nil, err
	}
	if t.BranchFactor < 2 || t.Height < 2 || t.Height > 16 || !treeCoversATC(t) {
		return nil, fmt.Errorf("%w: EMV 2000 tree with branch factor %d and height %d does not give every ATC a key",
			ErrValue, t.BranchFactor, t.Height)
	}
	n := uint64(atc[0])<<8 | uint64(atc[1])
	b := uint64(t.BranchFactor)
	// Walk from the root: level i has index n div b^(H-i). gp is level
	// i-2, p level i-1.
	gp := t.IV
	p := [16]byte(mk.ClearBytes())
	defer clear(gp[:])
	defer clear(p[:])
	var cur [16]byte
	defer clear(cur[:])
	for i := 1; i <= t.Height; i++ {
		idx := n
		for range t.Height - i {
			idx /= b
		}
		if err := treeStep(&cur, &p, &gp, idx%b); err != nil {
			return nil, err
		}
		if i == t.Height {
			break
		}
		gp, p = p, cur
	}
	// cur = IK(H), gp = IK(H-2).
	subtle.XORBytes(cur[:], cur[:], gp[:])
	return newDerived(append([]byte(nil), cur[:]...), keys.UsageMAC)
}

// treeCoversATC reports whether BranchFactor^Height > 0xFFFF.
func treeCoversATC(t TreeParams) bool {
	v := uint64(1)
	for range t.Height {
		v *= uint64(t.BranchFactor)
		if v > 0xFFFF {
			return true
		}
	}
	return false
}

// treeStep sets out = F(x, y, j).
func treeStep(out, x, y *[16]byte, j uint64) error {
	k, err := keys.New(keys.TDES2, x[:], keys.Legacy())
	if err != nil {
		return fmt.Errorf("%w: EMV 2000 tree: %w", ErrKey, err)
	}
	defer k.Zero()
	blk, err := k.Block()
	if err != nil {
		return err
	}
	var in [16]byte
	copy(in[:], y[:])
	for i := range 8 {
		s := byte(j >> (8 * (7 - i)))
		in[i] ^= s
		in[8+i] ^= s
	}
	in[15] ^= 0xF0
	blk.Encrypt(out[:8], in[:8])
	blk.Encrypt(out[8:], in[8:])
	clear(in[:])
	return nil
}

package keys

import (
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
)

// Padding is an ISO/IEC 9797-1:2011 §6.3 padding method.
type Padding uint8

// Padding methods.
const (
	// Padding1 appends as few zero bits as make whole blocks; empty data
	// becomes one zero block (9797-1:2011 §6.3.1). ANSI X9.9, X9.19, CUP.
	Padding1 Padding = 1
	// Padding2 appends a single 1 bit (0x80) and then Padding1
	// (§6.3.2). EMV and PBOC MACs; always adds at least one byte.
	Padding2 Padding = 2
	// Padding3 prefixes a block holding the data length in bits, then
	// applies Padding1 without the empty-data rule (§6.3.3).
	Padding3 Padding = 3
)

// CBCMAC returns the leftmost n bytes (1..block size; 0 means the whole
// block) of ISO/IEC 9797-1 MAC algorithm 1 over msg: CBC with a zero IV,
// keep the last block. With single DES and Padding1 this is ANSI X9.9.
func CBCMAC(b cipher.Block, msg []byte, p Padding, n int) ([]byte, error) {
	return AppendCBCMAC(nil, b, msg, p, n)
}

// AppendCBCMAC appends the CBCMAC of msg to dst. It uses dst's spare
// capacity as working space: with one block of spare capacity it does not
// allocate.
func AppendCBCMAC(dst []byte, b cipher.Block, msg []byte, p Padding, n int) ([]byte, error) {
	n, err := macSetup(b, p, n)
	if err != nil {
		return dst, err
	}
	l := len(dst)
	dst, x := grow(dst, b.BlockSize())
	cbcChain(b, x, msg, p)
	clear(x[n:])
	return dst[:l+n], nil
}

// RetailMAC returns the leftmost n bytes (0 means the whole block) of
// ISO/IEC 9797-1 MAC algorithm 3 over msg: CBC under k, then the last
// block is decrypted under k2 and encrypted again under k (output
// transformation 3). With the two DES halves of a double-length key
// (Key.DESParts) and Padding1 this is the ANSI X9.19 "retail" MAC; with
// Padding2 it is the EMV/PBOC MAC. k and k2 must have the same block size.
func RetailMAC(k, k2 cipher.Block, msg []byte, p Padding, n int) ([]byte, error) {
	return AppendRetailMAC(nil, k, k2, msg, p, n)
}

// AppendRetailMAC appends the RetailMAC of msg to dst. It uses dst's
// spare capacity as working space: with one block of spare capacity it
// does not allocate.
func AppendRetailMAC(dst []byte, k, k2 cipher.Block, msg []byte, p Padding, n int) ([]byte, error) {
	if k2.BlockSize() != k.BlockSize() {
		return dst, fmt.Errorf("%w: RetailMAC keys have block sizes %d and %d", ErrAlgorithm, k.BlockSize(), k2.BlockSize())
	}
	n, err := macSetup(k, p, n)
	if err != nil {
		return dst, err
	}
	l := len(dst)
	dst, x := grow(dst, k.BlockSize())
	cbcChain(k, x, msg, p)
	k2.Decrypt(x, x)
	k.Encrypt(x, x)
	clear(x[n:])
	return dst[:l+n], nil
}

// macSetup validates the block size, padding and MAC length (0 means a
// whole block) and returns the length.
func macSetup(b cipher.Block, p Padding, n int) (int, error) {
	bs := b.BlockSize()
	if bs != 8 && bs != 16 {
		return 0, fmt.Errorf("%w: block size %d, need 8 or 16", ErrAlgorithm, bs)
	}
	if p < Padding1 || p > Padding3 {
		return 0, fmt.Errorf("%w: %d", ErrPadding, p)
	}
	if n == 0 {
		n = bs
	}
	if n < 1 || n > bs {
		return 0, fmt.Errorf("%w: %d bytes requested, block is %d", ErrMACLength, n, bs)
	}
	return n, nil
}

// grow extends dst by n zero bytes and returns them as scratch space. The
// MAC functions work inside the caller's buffer because any slice handed
// to a cipher.Block method escapes to the heap; append(dst, make...) does
// not allocate when dst has the capacity.
func grow(dst []byte, n int) ([]byte, []byte) {
	l := len(dst)
	dst = append(dst, make([]byte, n)...)
	return dst, dst[l : l+n]
}

// cbcChain runs CBC encryption with a zero IV over the padded msg,
// leaving the last ciphertext block in x (len(x) == block size, zeroed by
// the caller). Padding is applied on the fly so msg is never copied.
func cbcChain(b cipher.Block, x, msg []byte, p Padding) {
	bs := len(x)
	if p == Padding3 {
		// 9797-1:2011 §6.3.3: L_D, the bit length of D, right-justified
		// in one block.
		binary.BigEndian.PutUint64(x[bs-8:], uint64(len(msg))*8)
		b.Encrypt(x, x)
	}
	full := len(msg) - len(msg)%bs
	if bs == 8 {
		// The 8-byte-block hot path (DES, TDES): XOR as one uint64.
		s := binary.LittleEndian.Uint64(x)
		for off := 0; off < full; off += 8 {
			s ^= binary.LittleEndian.Uint64(msg[off : off+8])
			binary.LittleEndian.PutUint64(x, s)
			b.Encrypt(x, x)
			s = binary.LittleEndian.Uint64(x)
		}
	} else {
		for off := 0; off < full; off += bs {
			subtle.XORBytes(x, x, msg[off:off+bs])
			b.Encrypt(x, x)
		}
	}
	tail := msg[full:]
	switch {
	case p == Padding2:
		subtle.XORBytes(x[:len(tail)], x[:len(tail)], tail)
		x[len(tail)] ^= 0x80
	case len(tail) > 0:
		subtle.XORBytes(x[:len(tail)], x[:len(tail)], tail)
	case len(msg) == 0 && p == Padding1:
		// Empty data is padded to one zero block: XOR of zeros.
	default:
		return
	}
	b.Encrypt(x, x)
}

// Equal reports, in constant time, whether two MACs or check values are
// identical. Use it, never bytes.Equal, to check a received MAC.
func Equal(a, b []byte) bool {
	return subtle.ConstantTimeCompare(a, b) == 1
}

// Verify returns nil when got equals want (constant time) and an error
// wrapping ErrMAC otherwise. An empty want never verifies.
func Verify(want, got []byte) error {
	if len(want) == 0 || subtle.ConstantTimeCompare(want, got) != 1 {
		return fmt.Errorf("%w: %d-byte MAC does not verify", ErrMAC, len(want))
	}
	return nil
}

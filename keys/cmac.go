package keys

import (
	"crypto/cipher"
	"crypto/subtle"
	"fmt"
)

// NIST SP 800-38B §5.3: the subkey constant R_b for 64- and 128-bit blocks.
const (
	rb64  = 0x1B
	rb128 = 0x87
)

// CMAC is implemented here rather than taken from gmsm's cbcmac: in
// v0.44.0 that package derives subkeys with the 128-bit constant 0x87 for
// 64-bit blocks too (SP 800-38B §5.3 needs 0x1B), so its TDES CMAC fails the
// SP 800-38B D.4 vectors, and its Reset keeps stale partial-block bytes.

// CMAC returns the leftmost n bytes (1..block size; 0 means the whole
// block) of the CMAC of msg under b (NIST SP 800-38B, RFC 4493 for AES).
// It works with any 8- or 16-byte block cipher: AES, TDES, SM4.
func CMAC(b cipher.Block, msg []byte, n int) ([]byte, error) {
	return AppendCMAC(nil, b, msg, n)
}

// AppendCMAC appends the CMAC of msg (see CMAC) to dst. It uses dst's
// spare capacity as working space: with two blocks of spare capacity it
// does not allocate.
func AppendCMAC(dst []byte, b cipher.Block, msg []byte, n int) ([]byte, error) {
	bs := b.BlockSize()
	if bs != 8 && bs != 16 {
		return dst, fmt.Errorf("%w: CMAC needs an 8- or 16-byte block, got %d", ErrAlgorithm, bs)
	}
	if n == 0 {
		n = bs
	}
	if n < 1 || n > bs {
		return dst, fmt.Errorf("%w: %d bytes requested, CMAC gives 1..%d", ErrMACLength, n, bs)
	}
	l := len(dst)
	dst, s := grow(dst, 2*bs)
	x, k := s[:bs], s[bs:]
	// SP 800-38B §6.2: every block but the last is chained; the last is
	// XORed with K1 when complete, or padded (10*) and XORed with K2.
	last := 0
	if len(msg) > 0 {
		last = (len(msg) - 1) / bs * bs
	}
	for off := 0; off < last; off += bs {
		subtle.XORBytes(x, x, msg[off:off+bs])
		b.Encrypt(x, x)
	}
	tail := msg[last:]
	cmacSubkey(b, k, len(tail) == bs)
	if len(tail) == bs {
		subtle.XORBytes(x, x, tail)
	} else {
		subtle.XORBytes(x[:len(tail)], x[:len(tail)], tail)
		x[len(tail)] ^= 0x80
	}
	subtle.XORBytes(x, x, k)
	clear(k)
	b.Encrypt(x, x)
	clear(x[n:])
	return dst[:l+n], nil
}

// cmacSubkey writes into k (zeroed, one block long) the subkey K1 when
// complete is true, else K2 (SP 800-38B §6.1).
func cmacSubkey(b cipher.Block, k []byte, complete bool) {
	rb := byte(rb128)
	if len(k) == 8 {
		rb = rb64
	}
	b.Encrypt(k, k) // L = E(0^b)
	dbl(k, k, rb)   // K1 = dbl(L)
	if !complete {
		dbl(k, k, rb) // K2 = dbl(K1)
	}
}

// dbl sets dst to src shifted left one bit, XORed with rb when the top bit
// of src was set (multiplication by x in GF(2^b)). dst may be src.
func dbl(dst, src []byte, rb byte) {
	msb := src[0] >> 7
	for i := 0; i < len(src)-1; i++ {
		dst[i] = src[i]<<1 | src[i+1]>>7
	}
	dst[len(src)-1] = src[len(src)-1]<<1 ^ byte(subtle.ConstantTimeSelect(int(msb), int(rb), 0))
}

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

// CMAC returns the leftmost n bytes (1..block size; 0 means the whole
// block) of the CMAC of msg under b (NIST SP 800-38B, RFC 4493 for AES).
// It works with any 8- or 16-byte block cipher: AES, TDES, SM4.
func CMAC(b cipher.Block, msg []byte, n int) ([]byte, error) {
	return AppendCMAC(nil, b, msg, n)
}

// AppendCMAC appends the CMAC of msg (see CMAC) to dst. With enough
// capacity in dst it does not allocate.
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
	var k1a, k2a, xa [16]byte
	k1, k2, x := k1a[:bs], k2a[:bs], xa[:bs]
	cmacSubkeys(b, k1, k2)
	// SP 800-38B §6.2: every block but the last is chained; the last is
	// XORed with K1 when complete, or padded (10*) and XORed with K2.
	last := (len(msg) - 1) / bs * bs
	if len(msg) == 0 {
		last = 0
	}
	for off := 0; off < last; off += bs {
		subtle.XORBytes(x, x, msg[off:off+bs])
		b.Encrypt(x, x)
	}
	tail := msg[last:]
	if len(tail) == bs {
		subtle.XORBytes(x, x, tail)
		subtle.XORBytes(x, x, k1)
	} else {
		subtle.XORBytes(x[:len(tail)], x[:len(tail)], tail)
		x[len(tail)] ^= 0x80
		subtle.XORBytes(x, x, k2)
	}
	b.Encrypt(x, x)
	dst = append(dst, x[:n]...)
	clear(k1a[:])
	clear(k2a[:])
	return dst, nil
}

// cmacSubkeys writes K1 and K2 (SP 800-38B §6.1) for b into k1 and k2,
// which must be b.BlockSize() long (8 or 16).
func cmacSubkeys(b cipher.Block, k1, k2 []byte) {
	bs := len(k1)
	var rb byte = rb128
	if bs == 8 {
		rb = rb64
	}
	clear(k1)
	b.Encrypt(k1, k1) // L = E(0^b)
	dbl(k2, k1, rb)   // K1 = dbl(L), computed into k2 then moved
	copy(k1, k2)
	dbl(k2, k1, rb) // K2 = dbl(K1)
}

// dbl sets dst to src shifted left one bit, XORed with rb when the top bit
// of src was set (multiplication by x in GF(2^b)).
func dbl(dst, src []byte, rb byte) {
	msb := src[0] >> 7
	for i := 0; i < len(src)-1; i++ {
		dst[i] = src[i]<<1 | src[i+1]>>7
	}
	dst[len(src)-1] = src[len(src)-1]<<1 ^ byte(subtle.ConstantTimeSelect(int(msb), int(rb), 0))
}

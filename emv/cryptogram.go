package emv

import (
	"fmt"

	"github.com/possdk/pos/keys"
)

// Application cryptograms (EMV Book 2 Annex A1.2 and §8): the card MACs
// transaction data under a session key; the issuer recomputes the MAC to
// verify the ARQC and answers with an ARPC the card checks. These are the
// primitives; CryptogramMethod ties them to a scheme's cryptogram version.

// ApplicationCryptogram returns the 8-byte AC (ARQC, TC or AAC) over data:
// ISO/IEC 9797-1 MAC algorithm 3 with DES, K the left and K' the right half
// of the session key (EMV Book 2 A1.2.1), with padding method 2 for EMV and
// CCD, method 1 for Visa CVN 10.
func ApplicationCryptogram(sk *keys.Key, data []byte, p keys.Padding) ([]byte, error) {
	return AppendApplicationCryptogram(make([]byte, 0, 8), sk, data, p)
}

// AppendApplicationCryptogram appends the AC to dst.
func AppendApplicationCryptogram(dst []byte, sk *keys.Key, data []byte, p keys.Padding) ([]byte, error) {
	if sk == nil || sk.Algorithm() != keys.TDES2 {
		return dst, fmt.Errorf("%w: the session key must be a double-length TDES key", ErrKey)
	}
	k, k2, err := sk.DESParts()
	if err != nil {
		return dst, err
	}
	return keys.AppendRetailMAC(dst, k, k2, data, p, 8)
}

// ARPCMethod1 returns the 8-byte ARPC of EMV Book 2 A1.2.1 method 1:
// TDES(key, ARQC xor (ARC || 00 00 00 00 00 00)). The key is the AC
// session key or, for Visa CVN 10, the ICC master key. Tag 91 then
// carries ARPC || ARC.
func ARPCMethod1(key *keys.Key, arqc []byte, arc [2]byte) ([]byte, error) {
	if len(arqc) != 8 {
		return nil, fmt.Errorf("%w: ARQC is %d bytes, want 8", ErrValue, len(arqc))
	}
	if key == nil || key.Algorithm() != keys.TDES2 {
		return nil, fmt.Errorf("%w: the ARPC key must be a double-length TDES key", ErrKey)
	}
	b, err := key.Block()
	if err != nil {
		return nil, err
	}
	x := make([]byte, 8)
	copy(x, arqc)
	x[0] ^= arc[0]
	x[1] ^= arc[1]
	b.Encrypt(x, x)
	return x, nil
}

// ARPCMethod2 returns the 4-byte ARPC of EMV Book 2 A1.2.2 method 2: the
// leftmost 4 bytes of MAC algorithm 3 (padding method 2) over ARQC || CSU
// || proprietary authentication data (0 to 8 bytes). Tag 91 then carries
// ARPC || CSU || proprietary data.
func ARPCMethod2(sk *keys.Key, arqc []byte, csu [4]byte, prop []byte) ([]byte, error) {
	if len(arqc) != 8 {
		return nil, fmt.Errorf("%w: ARQC is %d bytes, want 8", ErrValue, len(arqc))
	}
	if len(prop) > 8 {
		return nil, fmt.Errorf("%w: proprietary authentication data is %d bytes, at most 8", ErrValue, len(prop))
	}
	if sk == nil || sk.Algorithm() != keys.TDES2 {
		return nil, fmt.Errorf("%w: the ARPC key must be a double-length TDES key", ErrKey)
	}
	k, k2, err := sk.DESParts()
	if err != nil {
		return nil, err
	}
	var buf [20]byte
	msg := append(append(append(buf[:0], arqc...), csu[:]...), prop...)
	return keys.AppendRetailMAC(make([]byte, 0, 4), k, k2, msg, keys.Padding2, 4)
}

// VerifyCryptogram recomputes an AC and compares it in constant time. The
// error wraps ErrCryptogram on mismatch.
func VerifyCryptogram(sk *keys.Key, data []byte, p keys.Padding, ac []byte) error {
	var buf [8]byte
	got, err := AppendApplicationCryptogram(buf[:0], sk, data, p)
	if err != nil {
		return err
	}
	if len(ac) != 8 || !keys.Equal(got, ac) {
		return fmt.Errorf("%w: %d-byte application cryptogram", ErrCryptogram, len(ac))
	}
	return nil
}

package iso8583

import (
	"crypto/cipher"
	"fmt"

	"github.com/possdk/pos/keys"
)

// MACAlgorithm selects how field 64 is computed. Which one an acquirer
// uses is a dialect setting (reference: CUP POS dialect §3.11).
type MACAlgorithm uint8

// MAC algorithms, all from package keys.
const (
	// MACCUP is the CUP POS "ECB" MAC (银联标准MAC): XOR of the zero-padded
	// blocks, hex expansion, two encryptions; field 64 carries 8 ASCII hex
	// characters. It runs with the MAK's own cipher: single DES for a
	// single-length MAK, TDES for a double-length one, and with SM4 keys
	// the 国密 variant on 16-byte blocks.
	MACCUP MACAlgorithm = iota + 1
	// MACCUPSingle is MACCUP with single DES under the left half of a
	// double-length MAK, as some acquirers compute it.
	MACCUPSingle
	// MACX919 is ANSI X9.19 (ISO/IEC 9797-1 algorithm 3, padding method 1)
	// with a double-length MAK; field 64 carries the 8 raw bytes.
	MACX919
	// MACX99 is ANSI X9.9 (ISO/IEC 9797-1 algorithm 1, padding method 1)
	// with the MAK's cipher; field 64 carries the first 8 raw bytes.
	MACX99
)

func (a MACAlgorithm) String() string {
	switch a {
	case MACCUP:
		return "CUP ECB"
	case MACCUPSingle:
		return "CUP ECB (single DES)"
	case MACX919:
		return "X9.19"
	case MACX99:
		return "X9.9"
	}
	return fmt.Sprintf("MACAlgorithm(%d)", uint8(a))
}

// keyMAC holds the key schedules, built once, so computing a MAC does not
// set up ciphers per message.
type keyMAC struct {
	alg MACAlgorithm
	b   cipher.Block
	b2  cipher.Block // right half for X9.19
}

// NewMAC returns the MAC that computes field 64 with algorithm alg under
// mak. The key schedule is built now; mak may be zeroed afterwards only if
// the returned MAC is discarded too.
func NewMAC(alg MACAlgorithm, mak *keys.Key) (MAC, error) {
	m := &keyMAC{alg: alg}
	var err error
	switch alg {
	case MACCUP, MACX99:
		m.b, err = mak.Block()
	case MACCUPSingle:
		m.b, _, err = mak.DESParts()
	case MACX919:
		m.b, m.b2, err = mak.DESParts()
	default:
		return nil, fmt.Errorf("%w: unknown MAC algorithm %d", ErrMAC, alg)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s with this key: %w", ErrMAC, alg, err)
	}
	return m, nil
}

// MAC computes field 64 over mab.
func (m *keyMAC) MAC(mab []byte) ([MACSize]byte, error) {
	var out [MACSize]byte
	var buf [16]byte
	var r []byte
	var err error
	switch m.alg {
	case MACCUP, MACCUPSingle:
		r, err = keys.AppendCUPMAC(buf[:0], m.b, mab)
	case MACX919:
		r, err = keys.AppendRetailMAC(buf[:0], m.b, m.b2, mab, keys.Padding1, MACSize)
	case MACX99:
		r, err = keys.AppendCBCMAC(buf[:0], m.b, mab, keys.Padding1, MACSize)
	}
	if err != nil {
		return out, err
	}
	copy(out[:], r)
	return out, nil
}

// String names the algorithm, never the key.
func (m *keyMAC) String() string { return "MAC(" + m.alg.String() + ")" }

package oda

import (
	"crypto/rsa"
	"crypto/sha1"
	"fmt"
	"math/big"
	"time"
)

// The functions in this file are the issuer's side of ODA: they build the
// certificates and signatures a card is personalised with. The software card
// (reader/sim) and tests use them with test keys; a terminal never needs them.

// NewCAPublicKey returns the terminal-side form of a CA key pair's public
// half, with its checksum set.
func NewCAPublicKey(rid []byte, index byte, pub *rsa.PublicKey, expiry time.Time) CAPublicKey {
	k := CAPublicKey{Index: index, Modulus: pub.N.Bytes(), Exponent: big.NewInt(int64(pub.E)).Bytes(), Expiry: expiry}
	copy(k.RID[:], rid)
	k.SetChecksum()
	return k
}

// sign applies the private key to a block of exactly the modulus length
// (EMV Book 2 Annex A2.1), using the CRT values when present.
func sign(priv *rsa.PrivateKey, block []byte) ([]byte, error) {
	size := (priv.N.BitLen() + 7) / 8
	if len(block) != size {
		return nil, fmt.Errorf("oda: block of %d bytes for a %d-byte key", len(block), size)
	}
	m := new(big.Int).SetBytes(block)
	if m.Cmp(priv.N) >= 0 {
		return nil, fmt.Errorf("oda: block is not smaller than the modulus")
	}
	var c *big.Int
	if pc := priv.Precomputed; pc.Dp != nil && pc.Dq != nil && pc.Qinv != nil && len(priv.Primes) == 2 {
		p, q := priv.Primes[0], priv.Primes[1]
		m1 := new(big.Int).Exp(m, pc.Dp, p)
		m2 := new(big.Int).Exp(m, pc.Dq, q)
		h := m1.Sub(m1, m2)
		h.Mul(h, pc.Qinv).Mod(h, p)
		c = h.Mul(h, q).Add(h, m2)
	} else {
		c = new(big.Int).Exp(m, priv.D, priv.N)
	}
	return c.FillBytes(make([]byte, size)), nil
}

// seal completes a block laid out as 6A | data | pad BB | hash | BC: it
// pads, hashes the data (from the format byte) followed by extra, and signs.
func seal(priv *rsa.PrivateKey, data []byte, extra ...[]byte) ([]byte, error) {
	size := (priv.N.BitLen() + 7) / 8
	if 1+len(data)+21 > size {
		return nil, fmt.Errorf("oda: %d bytes of data do not fit a %d-byte key", len(data), size)
	}
	block := make([]byte, size)
	block[0] = 0x6A
	copy(block[1:], data)
	for i := 1 + len(data); i < size-21; i++ {
		block[i] = 0xBB
	}
	h := sha1.New()
	h.Write(block[1 : size-21])
	for _, x := range extra {
		h.Write(x)
	}
	copy(block[size-21:], h.Sum(nil))
	block[size-1] = 0xBC
	return sign(priv, block)
}

func exponentBytes(pub *rsa.PublicKey) []byte { return big.NewInt(int64(pub.E)).Bytes() }

// splitKey puts as much of the modulus as fits in the certificate and
// returns the rest as the remainder.
func splitKey(mod []byte, room int) (in, remainder []byte) {
	if len(mod) <= room {
		return mod, nil
	}
	return mod[:room], mod[room:]
}

// SignIssuerCertificate builds an Issuer Public Key Certificate (tag 90,
// EMV Book 2 Table 6) and the remainder (tag 92, nil when the key fits).
// issuerID is the leftmost PAN digits, BCD, F-padded to 4 bytes; expiry is
// MMYY BCD; serial is 3 bytes.
func SignIssuerCertificate(ca *rsa.PrivateKey, issuerID, expiry, serial []byte, issuer *rsa.PublicKey) (cert, remainder []byte, err error) {
	if len(issuerID) != 4 || len(expiry) != 2 || len(serial) != 3 {
		return nil, nil, fmt.Errorf("oda: issuer ID, expiry and serial must be 4, 2 and 3 bytes")
	}
	nCA := (ca.N.BitLen() + 7) / 8
	mod, exp := issuer.N.Bytes(), exponentBytes(issuer)
	in, rem := splitKey(mod, nCA-36)
	data := []byte{0x02}
	data = append(data, issuerID...)
	data = append(data, expiry...)
	data = append(data, serial...)
	data = append(data, 0x01, 0x01, byte(len(mod)), byte(len(exp)))
	data = append(data, in...)
	cert, err = seal(ca, data, rem, exp)
	return cert, rem, err
}

// SignICCCertificate builds an ICC Public Key Certificate (tag 9F46, EMV
// Book 2 Table 14) over the static data to be authenticated, and the
// remainder (tag 9F48). pan is the 10-byte F-padded PAN field.
func SignICCCertificate(issuer *rsa.PrivateKey, pan, expiry, serial []byte, icc *rsa.PublicKey, staticData []byte) (cert, remainder []byte, err error) {
	if len(pan) != 10 || len(expiry) != 2 || len(serial) != 3 {
		return nil, nil, fmt.Errorf("oda: PAN, expiry and serial must be 10, 2 and 3 bytes")
	}
	nI := (issuer.N.BitLen() + 7) / 8
	mod, exp := icc.N.Bytes(), exponentBytes(icc)
	in, rem := splitKey(mod, nI-42)
	data := []byte{0x04}
	data = append(data, pan...)
	data = append(data, expiry...)
	data = append(data, serial...)
	data = append(data, 0x01, 0x01, byte(len(mod)), byte(len(exp)))
	data = append(data, in...)
	cert, err = seal(issuer, data, rem, exp, staticData)
	return cert, rem, err
}

// SignStaticData builds Signed Static Application Data (tag 93, EMV Book 2
// Table 7) with a 2-byte Data Authentication Code.
func SignStaticData(issuer *rsa.PrivateKey, dac [2]byte, staticData []byte) ([]byte, error) {
	return seal(issuer, []byte{0x03, 0x01, dac[0], dac[1]}, staticData)
}

// SignDynamicData builds Signed Dynamic Application Data (tag 9F4B, EMV
// Book 2 Table 17) over the ICC Dynamic Data and the terminal's data (DDOL
// data for DDA, FDDAData for fDDA, the Unpredictable Number for CDA).
func SignDynamicData(icc *rsa.PrivateKey, iccDynamicData, terminalData []byte) ([]byte, error) {
	if len(iccDynamicData) > 255 {
		return nil, fmt.Errorf("oda: ICC dynamic data of %d bytes", len(iccDynamicData))
	}
	data := append([]byte{0x05, 0x01, byte(len(iccDynamicData))}, iccDynamicData...)
	return seal(icc, data, terminalData)
}

// DDADynamicData is the ICC Dynamic Data of DDA and fDDA: the ICC Dynamic
// Number with its length.
func DDADynamicData(idn []byte) []byte { return append([]byte{byte(len(idn))}, idn...) }

// CDADynamicData is the ICC Dynamic Data of CDA (EMV Book 2 Table 19): ICC
// Dynamic Number, CID, Application Cryptogram and Transaction Data Hash Code.
func CDADynamicData(idn []byte, cid byte, cryptogram, txHash []byte) []byte {
	out := DDADynamicData(idn)
	out = append(out, cid)
	out = append(out, cryptogram...)
	return append(out, txHash...)
}

// TransactionDataHash is the CDA Transaction Data Hash Code (EMV Book 2
// §6.6.1): SHA-1 over PDOL data, CDOL1 data, CDOL2 data (second GENERATE AC
// only) and the response's data objects other than 9F4B.
func TransactionDataHash(pdolData, cdol1Data, cdol2Data, responseTLVs []byte) []byte {
	h := sha1.New()
	h.Write(pdolData)
	h.Write(cdol1Data)
	h.Write(cdol2Data)
	h.Write(responseTLVs)
	return h.Sum(nil)
}

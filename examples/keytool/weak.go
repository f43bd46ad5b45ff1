package main

import (
	"fmt"
	"io"

	"github.com/possdk/pos/keys"
)

// DES keys that must not be used (NIST SP 800-67 Rev. 2 §3.3.2; FIPS 74
// §3.6): the 4 weak keys, for which encryption and decryption are the
// same, and the 6 pairs of semi-weak keys, where one key decrypts what the
// other encrypts. Written with odd parity; compared with parity bits
// ignored.
var (
	desWeak = []uint64{
		0x0101010101010101, 0xFEFEFEFEFEFEFEFE, 0xE0E0E0E0F1F1F1F1, 0x1F1F1F1F0E0E0E0E,
	}
	desSemiWeak = []uint64{
		0x01FE01FE01FE01FE, 0xFE01FE01FE01FE01, 0x1FE01FE00EF10EF1, 0xE01FE01FF10EF10E,
		0x01E001E001F101F1, 0xE001E001F101F101, 0x1FFE1FFE0EFE0EFE, 0xFE1FFE1FFE0EFE0E,
		0x011F011F010E010E, 0x1F011F010E010E01, 0xE0FEE0FEF1FEF1FE, 0xFEE0FEE0FEF1FEF1,
	}
)

// weakness lists what is wrong with a DES or TDES key's bytes: a DES part
// that is weak or semi-weak, or TDES parts that are equal (the key then
// has single-DES strength, or two-key strength for K1 = K3 of a
// three-key key, which is keying option 2 and named so).
func weakness(alg keys.Algorithm, b []byte) []string {
	if alg != keys.DES && alg != keys.TDES2 && alg != keys.TDES3 {
		return nil
	}
	var parts []uint64
	for i := 0; i+8 <= len(b); i += 8 {
		var v uint64
		for _, c := range b[i : i+8] {
			v = v<<8 | uint64(c&0xFE) // parity bits ignored
		}
		parts = append(parts, v)
	}
	var out []string
	name := func(i int) string {
		if len(parts) == 1 {
			return "the key"
		}
		return fmt.Sprintf("part K%d", i+1)
	}
	for i, p := range parts {
		for _, w := range desWeak {
			if p == w&0xFEFEFEFEFEFEFEFE {
				out = append(out, fmt.Sprintf("%s is a DES weak key (encryption equals decryption)", name(i)))
			}
		}
		for _, w := range desSemiWeak {
			if p == w&0xFEFEFEFEFEFEFEFE {
				out = append(out, fmt.Sprintf("%s is a DES semi-weak key (another key decrypts what it encrypts)", name(i)))
			}
		}
	}
	switch {
	case len(parts) >= 2 && parts[0] == parts[1]:
		out = append(out, "K1 = K2: the halves are equal, so the key has single-DES strength")
	case len(parts) == 3 && parts[1] == parts[2]:
		out = append(out, "K2 = K3: the key has single-DES strength")
	case len(parts) == 3 && parts[0] == parts[2]:
		out = append(out, "K1 = K3: a three-key key with two-key strength (keying option 2)")
	}
	return out
}

// warnWeak prints weakness(k) as warnings.
func warnWeak(w io.Writer, cmd string, k *keys.Key) {
	b := k.ClearBytes()
	defer clear(b)
	for _, msg := range weakness(k.Algorithm(), b) {
		fmt.Fprintf(w, "keytool %s: WARNING: %s: do not use it\n", cmd, msg)
	}
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

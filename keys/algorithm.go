package keys

import "fmt"

// Algorithm is the block cipher a Key is used with: DES (legacy only),
// TDES2, TDES3, AES128, AES192, AES256 or SM4.
type Algorithm uint8

// Algorithms. DES exists only for legacy MACs (ANSI X9.9, CUP single-length
// working keys) and must be asked for with the Legacy option.
const (
	DES    Algorithm = iota + 1 // single DES, 8 bytes; legacy only
	TDES2                       // two-key triple DES (K1 K2 K1), 16 bytes
	TDES3                       // three-key triple DES, 24 bytes
	AES128                      // AES, 16 bytes
	AES192                      // AES, 24 bytes
	AES256                      // AES, 32 bytes
	SM4                         // SM4 (GB/T 32907-2016), 16 bytes
)

var algNames = [...]string{
	DES:    "DES",
	TDES2:  "TDES-2key",
	TDES3:  "TDES-3key",
	AES128: "AES-128",
	AES192: "AES-192",
	AES256: "AES-256",
	SM4:    "SM4",
}

// String returns a short name such as "TDES-2key" or "AES-128".
func (a Algorithm) String() string {
	if a.valid() {
		return algNames[a]
	}
	return fmt.Sprintf("Algorithm(%d)", uint8(a))
}

func (a Algorithm) valid() bool { return a >= DES && a <= SM4 }

// KeyLen is the key length in bytes, or 0 for an unknown algorithm.
func (a Algorithm) KeyLen() int {
	switch a {
	case DES:
		return 8
	case TDES2, AES128, SM4:
		return 16
	case TDES3, AES192:
		return 24
	case AES256:
		return 32
	}
	return 0
}

// BlockSize is the cipher block size in bytes, or 0 for an unknown algorithm.
func (a Algorithm) BlockSize() int {
	switch a {
	case DES, TDES2, TDES3:
		return 8
	case AES128, AES192, AES256, SM4:
		return 16
	}
	return 0
}

// IsDES reports whether a is single or triple DES (the algorithms with
// parity bits).
func (a Algorithm) IsDES() bool { return a == DES || a == TDES2 || a == TDES3 }

// IsAES reports whether a is one of the AES key sizes.
func (a Algorithm) IsAES() bool { return a == AES128 || a == AES192 || a == AES256 }

// Usage says what a key is for:
//
//	UsageUnspecified    (the default)
//	UsageKeyEncryption  TMK, ZMK, KEK, KBPK: wraps other keys
//	UsagePIN            PIK: encrypts PIN blocks
//	UsageMAC            MAK: computes message MACs
//	UsageData           TDK: encrypts track or other data
//	UsageBDK            DUKPT base derivation key
//	UsageDUKPTInitial   DUKPT initial key (IPEK / IK)
//	UsageDerivation     other key-derivation keys (e.g. EMV issuer master keys)
//
// Set it with WithUsage. The MAC and cipher functions of this package do not
// enforce it; it travels with the key so that callers (TR-31 headers,
// working-key sets, logs) can.
type Usage uint8

// Key usages.
const (
	UsageUnspecified   Usage = iota
	UsageKeyEncryption       // TMK, ZMK, KEK, KBPK: wraps other keys
	UsagePIN                 // PIK: encrypts PIN blocks
	UsageMAC                 // MAK: computes message MACs
	UsageData                // TDK: encrypts track or other data
	UsageBDK                 // DUKPT base derivation key
	UsageDUKPTInitial        // DUKPT initial key (IPEK / IK)
	UsageDerivation          // other key-derivation keys (e.g. EMV issuer master keys)
)

var usageNames = [...]string{
	UsageUnspecified:   "unspecified",
	UsageKeyEncryption: "key-encryption",
	UsagePIN:           "PIN",
	UsageMAC:           "MAC",
	UsageData:          "data",
	UsageBDK:           "BDK",
	UsageDUKPTInitial:  "DUKPT-initial",
	UsageDerivation:    "derivation",
}

// String returns a short name such as "PIN" or "MAC".
func (u Usage) String() string {
	if int(u) < len(usageNames) {
		return usageNames[u]
	}
	return fmt.Sprintf("Usage(%d)", uint8(u))
}

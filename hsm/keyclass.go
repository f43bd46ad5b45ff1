package hsm

import (
	"fmt"

	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/keys/tr31"
)

// KeyClass is what a key is for: its TR-31 key usage and mode of use
// (ASC X9 TR-31:2018 A.5.1 tables 6 and 8), which travel in every key
// block's header. Operations refuse keys of another class.
type KeyClass uint8

// Key classes.
const (
	// TerminalMasterKey (K0, encrypt): wraps the working keys a terminal
	// receives at sign-in (CUP TMK).
	TerminalMasterKey KeyClass = iota + 1
	// KeyEncryptionKey (K0, both): a zone master key between hosts.
	KeyEncryptionKey
	// KeyBlockProtectionKey (K1, both): protects TR-31 key blocks on
	// import and export.
	KeyBlockProtectionKey
	// PINKey (P0, both): a terminal PIN key (PIK) or zone PIN key (ZPK).
	PINKey
	// MACKey (M3 for TDES, M1 for DES and SM4, M6 for AES; generate and
	// verify): a terminal MAK.
	MACKey
	// DataKey (D0, both): a terminal track-data key (TDK).
	DataKey
	// BaseDerivationKey (B0, derive): a DUKPT BDK.
	BaseDerivationKey
	// IssuerMasterKeyAC (E0, derive): the issuer master key for
	// application cryptograms.
	IssuerMasterKeyAC
	// IssuerMasterKeySMC (E1, derive): secure messaging, confidentiality.
	IssuerMasterKeySMC
	// IssuerMasterKeySMI (E2, derive): secure messaging, integrity.
	IssuerMasterKeySMI
	// IssuerMasterKeyDN (E4, derive): dynamic numbers (CVC3, dCVV).
	IssuerMasterKeyDN
	// CardVerificationKey (C0, generate and verify): CVV/CVC, CVV2, iCVV.
	CardVerificationKey
	// PINVerificationKeyIBM (V1, generate and verify): IBM 3624 offsets.
	PINVerificationKeyIBM
	// PINVerificationKeyVisa (V2, generate and verify): Visa PVV.
	PINVerificationKeyVisa
)

type classInfo struct {
	name  string
	usage string
	mode  byte
}

var classes = [...]classInfo{
	TerminalMasterKey:      {"terminal master key", "K0", 'E'},
	KeyEncryptionKey:       {"key encryption key", "K0", 'B'},
	KeyBlockProtectionKey:  {"key block protection key", "K1", 'B'},
	PINKey:                 {"PIN key", "P0", 'B'},
	MACKey:                 {"MAC key", "M3", 'C'},
	DataKey:                {"data key", "D0", 'B'},
	BaseDerivationKey:      {"base derivation key", "B0", 'X'},
	IssuerMasterKeyAC:      {"issuer master key (AC)", "E0", 'X'},
	IssuerMasterKeySMC:     {"issuer master key (SMC)", "E1", 'X'},
	IssuerMasterKeySMI:     {"issuer master key (SMI)", "E2", 'X'},
	IssuerMasterKeyDN:      {"issuer master key (dynamic numbers)", "E4", 'X'},
	CardVerificationKey:    {"card verification key", "C0", 'C'},
	PINVerificationKeyIBM:  {"PIN verification key (IBM 3624)", "V1", 'C'},
	PINVerificationKeyVisa: {"PIN verification key (Visa PVV)", "V2", 'C'},
}

func (c KeyClass) valid() bool { return c >= TerminalMasterKey && int(c) < len(classes) }

func (c KeyClass) String() string {
	if c.valid() {
		return classes[c].name
	}
	return fmt.Sprintf("KeyClass(%d)", uint8(c))
}

// usage returns the TR-31 key usage for a key of algorithm a.
func (c KeyClass) usage(a keys.Algorithm) string {
	if c == MACKey {
		switch {
		case a.IsAES():
			return "M6" // ISO 9797-1:2011 MAC algorithm 5 (CMAC)
		case a == keys.DES || a == keys.SM4:
			return "M1" // ISO 9797-1 MAC algorithm 1
		}
	}
	return classes[c].usage
}

// allowed reports whether a key with the given TR-31 usage and mode of use
// may serve as a key of class c used as op ('E' encrypt or wrap, 'D'
// decrypt or unwrap, 'G' generate, 'V' verify, 'X' derive).
func allowed(c KeyClass, usage string, mode, op byte) bool {
	want := classes[c].usage
	switch c {
	case MACKey:
		if len(usage) != 2 || usage[0] != 'M' {
			return false
		}
	case TerminalMasterKey, KeyEncryptionKey:
		if usage != "K0" && usage != "K1" {
			return false
		}
	default:
		if usage != want {
			return false
		}
	}
	switch op {
	case 'E':
		return mode == 'E' || mode == 'B' || mode == 'N'
	case 'D':
		return mode == 'D' || mode == 'B' || mode == 'N'
	case 'G':
		return mode == 'G' || mode == 'C' || mode == 'N'
	case 'V':
		return mode == 'V' || mode == 'C' || mode == 'N'
	case 'X':
		return mode == 'X' || mode == 'N'
	}
	return false
}

// algorithmByte is the TR-31 algorithm code of a key in an LMK block. SM4
// has none in TR-31 or X9.143: 'S' is this package's own, and such blocks
// are not exported.
func algorithmByte(a keys.Algorithm) byte {
	if a == keys.SM4 {
		return 'S'
	}
	return tr31.AlgorithmCode(a)
}

// algorithmOf maps an algorithm code and key length back to an algorithm.
func algorithmOf(code byte, n int) (keys.Algorithm, bool) {
	switch {
	case code == 'T' && n == 16:
		return keys.TDES2, true
	case code == 'T' && n == 24:
		return keys.TDES3, true
	case (code == 'T' || code == 'D') && n == 8:
		return keys.DES, true
	case code == 'A' && n == 16:
		return keys.AES128, true
	case code == 'A' && n == 24:
		return keys.AES192, true
	case code == 'A' && n == 32:
		return keys.AES256, true
	case code == 'S' && n == 16:
		return keys.SM4, true
	}
	return 0, false
}

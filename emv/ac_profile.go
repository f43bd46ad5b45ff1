package emv

import (
	"fmt"

	"github.com/possdk/pos/keys"
)

// An application cryptogram method is two things: the key derivations,
// padding and ARPC method it uses (an ACProfile, the parameters an HSM's
// "verify ARQC" command takes), and the data it MACs (AppendData). ACMethod
// joins them, so one verification path serves every scheme:
// CryptogramMethod (Visa, CCD, PBOC), MastercardCVN (M/Chip) and InteracCVN.

// ACMethod is a scheme's application cryptogram method.
type ACMethod interface {
	// Profile returns the key derivations, padding and ARPC method.
	Profile() (ACProfile, error)
	// AppendData appends the cryptogram input data to dst.
	AppendData(dst []byte, d *CryptogramData) ([]byte, error)
	String() string
}

// MasterKeyOption is how the card's master key is derived from the issuer
// master key (EMV Book 2 A1.4).
type MasterKeyOption uint8

// ICC master key derivations.
const (
	// OptionA: Book 2 A1.4.1 (DeriveICCKeyA).
	OptionA MasterKeyOption = iota + 1
	// OptionB: Book 2 A1.4.2 (DeriveICCKeyB); Option A for PANs of 16
	// digits or fewer.
	OptionB
)

// SessionKeyMethod is how the AC session key is derived from the card's
// master key.
type SessionKeyMethod uint8

// Session key derivations.
const (
	// SessionNone uses the card's master key itself (Visa CVN 10).
	SessionNone SessionKeyMethod = iota + 1
	// SessionCommon is the EMV common session key (Book 2 A1.3.1) with
	// R = ATC || 00 00 00 00 00 00 (Visa CVN 18/22, CCD, M/Chip CVN 20/21).
	SessionCommon
	// SessionCommonUN is the common session key with R = ATC || 00 00 ||
	// UN: Mastercard's "SKD" (M/Chip CVN 16/17) and Interac CVN 133.
	SessionCommonUN
	// SessionPBOC is PBOCSessionKey (UnionPay PBOC/UICS CVN 01).
	SessionPBOC
	// SessionEMV2000Tree is the EMV 2000 tree derivation
	// (EMV2000TreeSessionKey) with the profile's Tree parameters.
	SessionEMV2000Tree
)

func (s SessionKeyMethod) String() string {
	switch s {
	case SessionNone:
		return "none (ICC master key)"
	case SessionCommon:
		return "EMV common session key, R = ATC || 00.."
	case SessionCommonUN:
		return "EMV common session key, R = ATC || 0000 || UN"
	case SessionPBOC:
		return "PBOC session key"
	case SessionEMV2000Tree:
		return "EMV 2000 tree"
	}
	return fmt.Sprintf("SessionKeyMethod(%d)", uint8(s))
}

// ARPCKeyChoice says which key the ARPC is computed under.
type ARPCKeyChoice uint8

// ARPC keys.
const (
	// ARPCUnderSessionKey: the AC session key.
	ARPCUnderSessionKey ARPCKeyChoice = iota + 1
	// ARPCUnderMasterKey: the card's AC master key (Visa CVN 10, M/Chip
	// CVN 16/17).
	ARPCUnderMasterKey
)

// TreeParams are the EMV 2000 tree's branch factor, height and initial
// value (EMV 2000 Book 2 A1.3). BranchFactor^Height must exceed 65535 so
// every ATC has its own key; 4 and 8, or 2 and 16, are the usual choices.
type TreeParams struct {
	BranchFactor int
	Height       int
	IV           [16]byte
}

// ACProfile is how a cryptogram version derives its keys, pads its data and
// answers: the parameters a host passes to an HSM's ARQC verification.
type ACProfile struct {
	MasterKey  MasterKeyOption
	SessionKey SessionKeyMethod
	Tree       TreeParams // SessionEMV2000Tree only
	Padding    keys.Padding
	ARPCMethod int // 1 (Book 2 A1.2.1 / §8.2.1) or 2 (A1.2.2 / §8.2.2)
	ARPCKey    ARPCKeyChoice
}

// Profile returns the profile of a Visa, CCD or PBOC cryptogram version.
// It says, as data, what MasterKey, SessionKey, Padding and ARPC do.
func (m CryptogramMethod) Profile() (ACProfile, error) {
	switch m {
	case VisaCVN10:
		return ACProfile{MasterKey: OptionA, SessionKey: SessionNone, Padding: keys.Padding1, ARPCMethod: 1, ARPCKey: ARPCUnderMasterKey}, nil
	case VisaCVN18, VisaCVN22, CCD:
		return ACProfile{MasterKey: OptionB, SessionKey: SessionCommon, Padding: keys.Padding2, ARPCMethod: 2, ARPCKey: ARPCUnderSessionKey}, nil
	case PBOCCVN01:
		return ACProfile{MasterKey: OptionA, SessionKey: SessionPBOC, Padding: keys.Padding2, ARPCMethod: 1, ARPCKey: ARPCUnderSessionKey}, nil
	}
	return ACProfile{}, fmt.Errorf("%w: no profile for cryptogram method %d", ErrValue, m)
}

func (p ACProfile) check() error {
	switch {
	case p.MasterKey != OptionA && p.MasterKey != OptionB:
		return fmt.Errorf("%w: ICC master key option %d", ErrValue, p.MasterKey)
	case p.SessionKey < SessionNone || p.SessionKey > SessionEMV2000Tree:
		return fmt.Errorf("%w: session key method %d", ErrValue, p.SessionKey)
	case p.Padding != keys.Padding1 && p.Padding != keys.Padding2:
		return fmt.Errorf("%w: AC padding method %d", ErrValue, p.Padding)
	case p.ARPCMethod != 1 && p.ARPCMethod != 2:
		return fmt.Errorf("%w: ARPC method %d", ErrValue, p.ARPCMethod)
	case p.ARPCKey != ARPCUnderSessionKey && p.ARPCKey != ARPCUnderMasterKey:
		return fmt.Errorf("%w: ARPC key choice %d", ErrValue, p.ARPCKey)
	}
	return nil
}

// ACKeys are a card's AC master key and the session key of one
// transaction. For SessionNone both are the master key.
type ACKeys struct {
	Master  *keys.Key
	Session *keys.Key
}

// Zero wipes both keys.
func (k *ACKeys) Zero() {
	if k == nil {
		return
	}
	k.Master.Zero()
	k.Session.Zero()
}

// DeriveMasterKey derives the card's AC master key from the issuer master key.
// psn is the two-digit PAN sequence number ("" when the card has none).
func (p ACProfile) DeriveMasterKey(imk *keys.Key, pan PAN, psn string) (*keys.Key, error) {
	if p.MasterKey == OptionB {
		return DeriveICCKeyB(imk, pan, psn)
	}
	return DeriveICCKeyA(imk, pan, psn)
}

// DeriveSessionKey derives the AC session key of a transaction from the
// card's master key (for SessionNone: mk itself).
func (p ACProfile) DeriveSessionKey(mk *keys.Key, atc [2]byte, un [4]byte) (*keys.Key, error) {
	n := uint16(atc[0])<<8 | uint16(atc[1])
	switch p.SessionKey {
	case SessionNone:
		return mk, nil
	case SessionCommon:
		return CommonSessionKey(mk, SessionR(n, [4]byte{}))
	case SessionCommonUN:
		return CommonSessionKey(mk, SessionR(n, un))
	case SessionPBOC:
		return PBOCSessionKey(mk, atc)
	case SessionEMV2000Tree:
		return EMV2000TreeSessionKey(mk, atc, p.Tree)
	}
	return nil, fmt.Errorf("%w: session key method %d", ErrValue, p.SessionKey)
}

// DeriveKeys derives the card's master key and the session key for the
// ATC and unpredictable number of d.
func (p ACProfile) DeriveKeys(imk *keys.Key, pan PAN, psn string, atc [2]byte, un [4]byte) (*ACKeys, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	mk, err := p.DeriveMasterKey(imk, pan, psn)
	if err != nil {
		return nil, err
	}
	sk, err := p.DeriveSessionKey(mk, atc, un)
	if err != nil {
		mk.Zero()
		return nil, err
	}
	return &ACKeys{Master: mk, Session: sk}, nil
}

// ARPC computes the ARPC with the profile's method and key: method 1
// returns 8 bytes, method 2 four.
func (p ACProfile) ARPC(k *ACKeys, arqc []byte, in ARPCInput) ([]byte, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	key := k.Session
	if p.ARPCKey == ARPCUnderMasterKey {
		key = k.Master
	}
	if p.ARPCMethod == 1 {
		return ARPCMethod1(key, arqc, in.ARC)
	}
	return ARPCMethod2(key, arqc, in.CSU, in.Proprietary)
}

// IssuerAuthenticationData builds the tag 91 value: ARPC || ARC for
// method 1, ARPC || CSU || proprietary data for method 2.
func (p ACProfile) IssuerAuthenticationData(arpc []byte, in ARPCInput) []byte {
	out := append(make([]byte, 0, len(arpc)+12), arpc...)
	if p.ARPCMethod == 1 {
		return append(out, in.ARC[:]...)
	}
	return append(append(out, in.CSU[:]...), in.Proprietary...)
}

// VerifyAC is the issuer's check of an application cryptogram (ARQC, or a
// TC/AAC in clearing) with any method: it derives the card's keys from the
// issuer master key, recomputes the cryptogram over d and compares it with
// ac in constant time. It returns the keys, for the ARPC; wipe them with
// Zero when done. A mismatch wraps ErrCryptogram.
func VerifyAC(m ACMethod, imk *keys.Key, pan PAN, psn string, d *CryptogramData, ac []byte) (*ACKeys, error) {
	p, err := m.Profile()
	if err != nil {
		return nil, err
	}
	var buf [96]byte
	data, err := m.AppendData(buf[:0], d)
	if err != nil {
		return nil, err
	}
	k, err := p.DeriveKeys(imk, pan, psn, d.ATC, d.UN)
	if err != nil {
		return nil, err
	}
	if err := VerifyCryptogram(k.Session, data, p.Padding, ac); err != nil {
		k.Zero()
		return nil, fmt.Errorf("%w (%v, ATC %s)", err, m, hexString(d.ATC[:]))
	}
	return k, nil
}

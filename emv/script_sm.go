package emv

import (
	"fmt"

	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/pinblock"
)

// Issuer script secure messaging (EMV Book 2 §9 and the schemes' variants):
// a script command carries a MAC under the card's secure-messaging
// integrity session key and, when it holds secret data (a new PIN), its
// data enciphered under the confidentiality session key. The schemes
// differ in four ways, which a ScriptProfile names: the session key, what
// the MAC covers, the encipherment's mode and padding, and the PIN change
// block. Sources: VIS 1.5 (Visa session key, VIS PIN block), EMV Book 2
// §9.2-9.3 and A1.3, and the per-CVN descriptions and HSM-generated tests
// of github.com/knovichikhin/pyemv (testdata/script_sm.txt).

// ScriptSessionKey is how a secure-messaging session key comes from the
// card's SMI or SMC master key.
type ScriptSessionKey uint8

// Secure-messaging session keys.
const (
	// ScriptSessionVisa is VisaSessionKey(MK, ATC) (VIS 1.5).
	ScriptSessionVisa ScriptSessionKey = iota + 1
	// ScriptSessionCommon is CommonSessionKey(MK, R = the ARQC) (EMV Book 2
	// A1.3 with the application cryptogram as R: Visa CVN 22, M/Chip,
	// Interac).
	ScriptSessionCommon
)

// ScriptEncryption is how command data is enciphered.
type ScriptEncryption uint8

// Command data encipherments (TDES under the SMC session key).
const (
	// ScriptEncryptVisa: ECB over a length byte and the data, padded with
	// ISO/IEC 9797-1 method 2 (VIS).
	ScriptEncryptVisa ScriptEncryption = iota + 1
	// ScriptEncryptMastercard: CBC with a zero IV; padding method 2 only
	// when the data is not whole blocks (M/Chip).
	ScriptEncryptMastercard
	// ScriptEncryptEMV: CBC with a zero IV, padding method 2 always (EMV
	// Book 2 §9.3, A1.1).
	ScriptEncryptEMV
)

// PINChangeBlock is the clear block a PIN change command enciphers.
type PINChangeBlock uint8

// PIN change blocks.
const (
	// PINChangeVIS: the VIS block, XORed with the current PIN when given.
	PINChangeVIS PINChangeBlock = iota + 1
	// PINChangeISO2: ISO 9564-1 format 2; the current PIN is not supported.
	PINChangeISO2
	// PINChangeISO2OrVIS: format 2 without the current PIN, the VIS block
	// with it (Visa CVN 22).
	PINChangeISO2OrVIS
)

// ScriptMACLen is the length of the MAC this package appends to script
// commands (EMV allows 4 to 8; the schemes' published examples use 8).
const ScriptMACLen = 8

// ScriptProfile is how an issuer protects script commands for a card.
type ScriptProfile struct {
	SessionKey ScriptSessionKey
	// MACWithTransactionData: the MAC covers CLA INS P1 P2 Lc || ATC ||
	// ARQC || data (EMV "format 2, padded with transaction data"); without
	// it, CLA INS P1 P2 Lc || data.
	MACWithTransactionData bool
	Encryption             ScriptEncryption
	PINChange              PINChangeBlock
}

// ScriptProfileOf returns the secure-messaging profile of a cryptogram
// method: Visa CVN 10 and 18 (Visa session keys, ECB, VIS block), Visa CVN
// 22 (common session keys, ECB), M/Chip (common session keys, CBC) and
// Interac CVN 133 (as M/Chip, MAC without the transaction data). CCD and
// PBOC have no profile here.
func ScriptProfileOf(m ACMethod) (ScriptProfile, error) {
	switch m {
	case VisaCVN10, VisaCVN18:
		return ScriptProfile{ScriptSessionVisa, true, ScriptEncryptVisa, PINChangeVIS}, nil
	case VisaCVN22:
		return ScriptProfile{ScriptSessionCommon, true, ScriptEncryptVisa, PINChangeISO2OrVIS}, nil
	case MChipCVN16, MChipCVN17, MChipCVN20, MChipCVN21:
		return ScriptProfile{ScriptSessionCommon, true, ScriptEncryptMastercard, PINChangeISO2}, nil
	case InteracCVN133:
		return ScriptProfile{ScriptSessionCommon, false, ScriptEncryptMastercard, PINChangeISO2}, nil
	}
	return ScriptProfile{}, fmt.Errorf("%w: no secure-messaging profile for %v", ErrValue, m)
}

// DeriveSessionKey derives the SMI or SMC session key from the card's
// master key of that kind (Option A or B from the issuer's SMI/SMC master
// key, like the AC key).
func (p ScriptProfile) DeriveSessionKey(mk *keys.Key, atc [2]byte, arqc []byte) (*keys.Key, error) {
	switch p.SessionKey {
	case ScriptSessionVisa:
		return VisaSessionKey(mk, uint16(atc[0])<<8|uint16(atc[1]))
	case ScriptSessionCommon:
		if len(arqc) != 8 {
			return nil, fmt.Errorf("%w: ARQC is %d bytes, want 8", ErrValue, len(arqc))
		}
		return CommonSessionKey(mk, [8]byte(arqc))
	}
	return nil, fmt.Errorf("%w: script session key method %d", ErrValue, p.SessionKey)
}

// MAC returns the 8-byte MAC of a script command: ISO/IEC 9797-1 MAC
// algorithm 3 with padding method 2 under the SMI session key (EMV Book 2
// §9.2.3, A1.2), over header (CLA INS P1 P2 Lc, Lc counting the MAC) [||
// ATC || ARQC] || data.
func (p ScriptProfile) MAC(smi *keys.Key, header [5]byte, atc [2]byte, arqc, data []byte) ([]byte, error) {
	if smi == nil || smi.Algorithm() != keys.TDES2 {
		return nil, fmt.Errorf("%w: the SMI session key must be a double-length TDES key", ErrKey)
	}
	msg := make([]byte, 0, 5+2+8+len(data))
	msg = append(msg, header[:]...)
	if p.MACWithTransactionData {
		if len(arqc) != 8 {
			return nil, fmt.Errorf("%w: ARQC is %d bytes, want 8", ErrValue, len(arqc))
		}
		msg = append(append(msg, atc[:]...), arqc...)
	}
	msg = append(msg, data...)
	l, r, err := smi.DESParts()
	if err != nil {
		return nil, err
	}
	return keys.RetailMAC(l, r, msg, keys.Padding2, ScriptMACLen)
}

// Encrypt enciphers command data under the SMC session key.
func (p ScriptProfile) Encrypt(smc *keys.Key, data []byte) ([]byte, error) {
	b, err := tdesBlock(smc, "SMC session key")
	if err != nil {
		return nil, err
	}
	var in []byte
	switch p.Encryption {
	case ScriptEncryptVisa:
		if len(data) > 255 {
			return nil, fmt.Errorf("%w: %d bytes of command data", ErrValue, len(data))
		}
		in = pad2(append([]byte{byte(len(data))}, data...))
	case ScriptEncryptMastercard:
		in = append([]byte(nil), data...)
		if len(in)%8 != 0 {
			in = pad2(in)
		}
	case ScriptEncryptEMV:
		in = pad2(append([]byte(nil), data...))
	default:
		return nil, fmt.Errorf("%w: script encryption %d", ErrValue, p.Encryption)
	}
	if p.Encryption == ScriptEncryptVisa {
		err = keys.EncryptECB(b, in, in)
	} else {
		var x [8]byte
		for off := 0; off < len(in); off += 8 {
			for i := range x {
				x[i] ^= in[off+i]
			}
			b.Encrypt(x[:], x[:])
			copy(in[off:], x[:])
		}
	}
	return in, err
}

// pad2 appends ISO/IEC 9797-1 padding method 2: 80, then zeros to a whole
// 8-byte block.
func pad2(b []byte) []byte {
	b = append(b, 0x80)
	for len(b)%8 != 0 {
		b = append(b, 0)
	}
	return b
}

// Command builds a protected script command: CLA INS P1 P2 Lc || data
// (enciphered under smc when smc is not nil) || MAC, with Lc the length of
// the data and the MAC. smi and smc are the session keys (DeriveSessionKey);
// atc and arqc come from the transaction the script answers (for a second
// command of the same script, the schemes increment the ARQC by one).
func (p ScriptProfile) Command(smi, smc *keys.Key, cla, ins, p1, p2 byte, data []byte, atc [2]byte, arqc []byte) ([]byte, error) {
	if smc != nil {
		var err error
		if data, err = p.Encrypt(smc, data); err != nil {
			return nil, err
		}
	}
	if len(data)+ScriptMACLen > 255 {
		return nil, fmt.Errorf("%w: %d bytes of command data", ErrAPDU, len(data))
	}
	hdr := [5]byte{cla, ins, p1, p2, byte(len(data) + ScriptMACLen)}
	mac, err := p.MAC(smi, hdr, atc, arqc, data)
	if err != nil {
		return nil, err
	}
	out := append(append(append(make([]byte, 0, 5+len(data)+ScriptMACLen), hdr[:]...), data...), mac...)
	return out, nil
}

// PINChangeCommand builds the PIN CHANGE/UNBLOCK command (84 24 00 P2)
// that sets newPIN: P2 02 without the current PIN, 01 with it (current
// not zero). mkAC is the card's AC master key (the VIS block uses it);
// smi and smc are the session keys. The clear block is wiped.
func (p ScriptProfile) PINChangeCommand(mkAC, smi, smc *keys.Key, newPIN, current pinblock.PIN, atc [2]byte, arqc []byte) ([]byte, error) {
	var blk []byte
	var err error
	useVIS := p.PINChange == PINChangeVIS || p.PINChange == PINChangeISO2OrVIS && !current.IsZero()
	switch {
	case useVIS:
		blk, err = VISPINBlock(mkAC, newPIN, current)
	case p.PINChange == PINChangeISO2 && !current.IsZero():
		return nil, fmt.Errorf("%w: this profile's PIN change does not carry the current PIN", ErrValue)
	case p.PINChange == PINChangeISO2 || p.PINChange == PINChangeISO2OrVIS:
		var b pinblock.Block
		if b, err = pinblock.Format2.Encode(newPIN, "", nil); err == nil {
			blk = b.AppendBytes(nil)
			b.Wipe()
		}
	default:
		return nil, fmt.Errorf("%w: PIN change block %d", ErrValue, p.PINChange)
	}
	if err != nil {
		return nil, err
	}
	defer clear(blk)
	p2 := byte(0x02)
	if !current.IsZero() {
		p2 = 0x01
	}
	return p.Command(smi, smc, CLASecureMessaging, INSPINChangeUnblock, 0x00, p2, blk, atc, arqc)
}

// VISPINBlock returns the VIS PIN change block (VIS 1.5 Appendix C):
// 00 00 00 00 || bytes 5-8 of the card's AC master key XORed with the PIN
// length and digits, F-padded to 8 bytes; with the current PIN, also XORed
// with its digits, zero-padded to 16. Wipe the result after use.
func VISPINBlock(mkAC *keys.Key, pin, current pinblock.PIN) ([]byte, error) {
	if mkAC == nil || mkAC.Algorithm() != keys.TDES2 {
		return nil, fmt.Errorf("%w: the AC master key must be a double-length TDES key", ErrKey)
	}
	if n := pin.Len(); n < pinblock.MinPINLen || n > pinblock.MaxPINLen {
		return nil, fmt.Errorf("%w: new PIN of %d digits", ErrValue, n)
	}
	mk := mkAC.ClearBytes()
	defer clear(mk)
	out := make([]byte, 8)
	copy(out[4:], mk[4:8])
	digits := pin.AppendDigits(make([]byte, 0, 12))
	defer clear(digits)
	b := [8]byte{byte(len(digits)), 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}
	for i, d := range digits {
		shift := 4 * (1 - i%2)
		b[1+i/2] = b[1+i/2]&^(0x0F<<shift) | (d-'0')<<shift
	}
	for i := range out {
		out[i] ^= b[i]
	}
	clear(b[:])
	if !current.IsZero() {
		cur := current.AppendDigits(make([]byte, 0, 12))
		defer clear(cur)
		for i, d := range cur {
			out[i/2] ^= (d - '0') << (4 * (1 - i%2))
		}
	}
	return out, nil
}

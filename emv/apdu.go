package emv

import (
	"fmt"
	"strconv"

	"github.com/possdk/pos/tlv"
)

// Command is an ISO/IEC 7816-4 short command APDU (EMV Book 1 §9.4 and
// Book 3 §6.5). Only short APDUs exist in EMV: at most 255 data bytes and a
// response of at most 256.
type Command struct {
	CLA, INS, P1, P2 byte
	Data             []byte // sent as Lc || Data when not empty
	// Le is the expected response length: 0 means no Le field, 1..256 are
	// sent as one byte (256 as 00, "as much as you have").
	Le int
}

// Application selection names (EMV Book 1 §12.2, Contactless Book B §3.3):
// Select([]byte(emv.PPSE), false).
const (
	PSE  = "1PAY.SYS.DDF01" // contact Payment System Environment
	PPSE = "2PAY.SYS.DDF01" // contactless Proximity PSE
)

// Select builds SELECT by DF name (EMV Book 1 §11.3): the first or only
// occurrence, or with next the next occurrence of a partial AID.
func Select(name []byte, next bool) Command {
	p2 := byte(0x00)
	if next {
		p2 = 0x02
	}
	return Command{CLA: CLAInterindustry, INS: INSSelect, P1: 0x04, P2: p2, Data: name, Le: 256}
}

// GetProcessingOptions builds GET PROCESSING OPTIONS (EMV Book 3 §6.5.8)
// with the PDOL-related data wrapped in the Command Template (tag 83); an
// empty pdolData sends 83 00.
func GetProcessingOptions(pdolData []byte) Command {
	return Command{CLA: CLAProprietary, INS: INSGetProcessingOptions, P1: 0x00, P2: 0x00,
		Data: tlv.AppendTLV(make([]byte, 0, len(pdolData)+3), TagCommandTemplate, pdolData), Le: 256}
}

// ReadRecord builds READ RECORD (EMV Book 3 §6.5.11) for record 1..255 of
// short file 1..30.
func ReadRecord(sfi, record int) (Command, error) {
	if sfi < 1 || sfi > 30 {
		return Command{}, fmt.Errorf("%w: READ RECORD SFI %d outside 1..30", ErrAPDU, sfi)
	}
	if record < 1 || record > 255 {
		return Command{}, fmt.Errorf("%w: READ RECORD record %d outside 1..255", ErrAPDU, record)
	}
	return Command{CLA: CLAInterindustry, INS: INSReadRecord, P1: byte(record), P2: byte(sfi<<3 | 0x04), Le: 256}, nil
}

// GetData builds GET DATA (EMV Book 3 §6.5.7) for a one- or two-byte tag
// such as 9F36 (ATC), 9F13 (last online ATC), 9F17 (PIN try counter) or 9F4F
// (log format).
func GetData(tag tlv.Tag) (Command, error) {
	if tag > 0xFFFF {
		return Command{}, fmt.Errorf("%w: GET DATA tag %v longer than 2 bytes", ErrAPDU, tag)
	}
	return Command{CLA: CLAProprietary, INS: INSGetData, P1: byte(tag >> 8), P2: byte(tag), Le: 256}, nil
}

// GenerateAC builds GENERATE APPLICATION CRYPTOGRAM (EMV Book 3 §6.5.5):
// the cryptogram type asked for in b8-b7 of P1 and, with cda, b5 set to ask
// for a CDA signature. cdolData is the CDOL1- or CDOL2-related data.
func GenerateAC(t CryptogramType, cda bool, cdolData []byte) Command {
	p1 := byte(t) & 0xC0
	if cda {
		p1 |= 0x10
	}
	return Command{CLA: CLAProprietary, INS: INSGenerateAC, P1: p1, P2: 0x00, Data: cdolData, Le: 256}
}

// VERIFY P2 qualifiers (EMV Book 3 Table 23).
const (
	VerifyPlaintextPIN  = 0x80
	VerifyEncipheredPIN = 0x88
)

// VerifyPlaintext builds VERIFY with an 8-byte plaintext offline PIN block
// (EMV Book 3 §6.5.12: control nibble 2, PIN length, PIN digits, F filler,
// the same layout as ISO 9564 format 2; package pinblock builds it).
func VerifyPlaintext(block [8]byte) Command {
	return Command{CLA: CLAInterindustry, INS: INSVerify, P1: 0x00, P2: VerifyPlaintextPIN, Data: block[:]}
}

// VerifyEnciphered builds VERIFY with a PIN block enciphered under the ICC
// (PIN encipherment) public key (EMV Book 2 §7.1), as long as that key's
// modulus.
func VerifyEnciphered(enciphered []byte) Command {
	return Command{CLA: CLAInterindustry, INS: INSVerify, P1: 0x00, P2: VerifyEncipheredPIN, Data: enciphered}
}

// InternalAuthenticate builds INTERNAL AUTHENTICATE (EMV Book 3 §6.5.9)
// with the DDOL-related data, for DDA.
func InternalAuthenticate(ddolData []byte) Command {
	return Command{CLA: CLAInterindustry, INS: INSInternalAuthenticate, P1: 0x00, P2: 0x00, Data: ddolData, Le: 256}
}

// GetChallenge builds GET CHALLENGE (EMV Book 3 §6.5.6): the card returns
// an 8-byte unpredictable number for enciphered PIN.
func GetChallenge() Command {
	return Command{CLA: CLAInterindustry, INS: INSGetChallenge, P1: 0x00, P2: 0x00, Le: 256}
}

// ExternalAuthenticate builds EXTERNAL AUTHENTICATE (EMV Book 3 §6.5.4)
// with the Issuer Authentication Data (tag 91) of the issuer's response.
func ExternalAuthenticate(issuerAuthData []byte) Command {
	return Command{CLA: CLAInterindustry, INS: INSExternalAuthenticate, P1: 0x00, P2: 0x00, Data: issuerAuthData}
}

// GetResponse builds GET RESPONSE for the T=0 protocol after a 61xx status.
func GetResponse(le int) Command {
	return Command{CLA: CLAInterindustry, INS: INSGetResponse, P1: 0x00, P2: 0x00, Le: le}
}

// Append encodes the command as a short APDU (ISO/IEC 7816-4 §5.1 cases 1-4).
func (c Command) Append(dst []byte) ([]byte, error) {
	if len(c.Data) > 255 {
		return dst, fmt.Errorf("%w: %s data is %d bytes, a short APDU takes 255", ErrAPDU, c.Name(), len(c.Data))
	}
	if c.Le < 0 || c.Le > 256 {
		return dst, fmt.Errorf("%w: %s Le %d outside 0..256", ErrAPDU, c.Name(), c.Le)
	}
	dst = append(dst, c.CLA, c.INS, c.P1, c.P2)
	if len(c.Data) > 0 {
		dst = append(dst, byte(len(c.Data)))
		dst = append(dst, c.Data...)
	}
	if c.Le > 0 {
		dst = append(dst, byte(c.Le)) // 256 wraps to 00
	}
	return dst, nil
}

// Bytes encodes the command in a new slice.
func (c Command) Bytes() ([]byte, error) { return c.Append(make([]byte, 0, 6+len(c.Data))) }

// Name is the command's name from its instruction byte.
func (c Command) Name() string {
	switch c.INS {
	case INSSelect:
		return "SELECT"
	case INSGetProcessingOptions:
		return "GET PROCESSING OPTIONS"
	case INSReadRecord:
		return "READ RECORD"
	case INSGetData:
		return "GET DATA"
	case INSGenerateAC:
		return "GENERATE AC"
	case INSVerify:
		return "VERIFY"
	case INSInternalAuthenticate:
		return "INTERNAL AUTHENTICATE"
	case INSGetChallenge:
		return "GET CHALLENGE"
	case INSExternalAuthenticate:
		return "EXTERNAL AUTHENTICATE"
	case INSGetResponse:
		return "GET RESPONSE"
	case INSApplicationBlock:
		return "APPLICATION BLOCK"
	case INSApplicationUnblock:
		return "APPLICATION UNBLOCK"
	case INSCardBlock:
		return "CARD BLOCK"
	case INSPINChangeUnblock:
		return "PIN CHANGE/UNBLOCK"
	case INSPutData, INSUpdateRecord:
		return "PUT DATA/UPDATE RECORD"
	}
	return "INS " + hexString([]byte{c.INS})
}

// String shows the header and data length, never the data: a VERIFY
// carries a PIN block.
func (c Command) String() string {
	s := c.Name() + " " + hexString([]byte{c.CLA, c.INS, c.P1, c.P2})
	if len(c.Data) > 0 {
		s += " Lc=" + strconv.Itoa(len(c.Data))
	}
	if c.Le > 0 {
		s += " Le=" + strconv.Itoa(c.Le)
	}
	return s
}

// Response is a response APDU split into its data and status word.
type Response struct {
	Data []byte // aliases the buffer given to ParseResponse
	SW   StatusWord
}

// ParseResponse splits a response APDU: the last two bytes are SW1 SW2.
func ParseResponse(b []byte) (Response, error) {
	if len(b) < 2 {
		return Response{}, fmt.Errorf("%w: response of %d bytes has no status word", ErrAPDU, len(b))
	}
	n := len(b) - 2
	return Response{Data: b[:n:n], SW: StatusWord(uint16(b[n])<<8 | uint16(b[n+1]))}, nil
}

// OK reports whether the status word is 9000.
func (r Response) OK() bool { return r.SW == SWOK }

// Err returns nil for 9000 and a *StatusError for every other word.
func (r Response) Err() error {
	if r.SW == SWOK {
		return nil
	}
	return &StatusError{SW: r.SW}
}

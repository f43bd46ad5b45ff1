package emv

import "strings"

// CryptogramType is the kind of application cryptogram a GENERATE AC asks
// for or returns (EMV Book 3 Table 12 and Table 14).
type CryptogramType byte

// The cryptogram types, as coded in b8-b7 of the CID and of the GENERATE AC
// reference control parameter.
const (
	AAC  CryptogramType = 0x00 // Application Authentication Cryptogram: decline
	TC   CryptogramType = 0x40 // Transaction Certificate: approve offline
	ARQC CryptogramType = 0x80 // Authorisation Request Cryptogram: go online
	AAR  CryptogramType = 0xC0 // RFU since EMV 4.1 (was Application Authorisation Referral)
)

func (c CryptogramType) String() string {
	switch c & 0xC0 {
	case AAC:
		return "AAC"
	case TC:
		return "TC"
	case ARQC:
		return "ARQC"
	default:
		return "AAR (RFU)"
	}
}

// CID is the Cryptogram Information Data (tag 9F27, EMV Book 3 Table 14).
type CID byte

// ParseCID reads a 1-byte tag 9F27 value.
func ParseCID(b []byte) (CID, error) {
	if err := fixed("CID (9F27)", b, 1); err != nil {
		return 0, err
	}
	return CID(b[0]), nil
}

// Type is the cryptogram type in b8-b7.
func (c CID) Type() CryptogramType { return CryptogramType(c & 0xC0) }

// AdviceRequired reports b4.
func (c CID) AdviceRequired() bool { return c&0x08 != 0 }

// Reason is the reason/advice code in b3-b1.
func (c CID) Reason() byte { return byte(c & 0x07) }

// PaymentSystem returns b6-b5, the payment-system-specific cryptogram bits.
func (c CID) PaymentSystem() byte { return byte(c>>4) & 0x03 }

// Describe returns the meaning of each field.
func (c CID) Describe() []string {
	out := []string{c.Type().String()}
	if p := c.PaymentSystem(); p != 0 {
		out = append(out, "payment system-specific cryptogram bits "+string('0'+rune(p>>1))+string('0'+rune(p&1)))
	}
	if c.AdviceRequired() {
		out = append(out, "Advice required")
	}
	switch c.Reason() {
	case 0:
	case 1:
		out = append(out, "Service not allowed")
	case 2:
		out = append(out, "PIN Try Limit exceeded")
	case 3:
		out = append(out, "Issuer authentication failed")
	default:
		out = append(out, "RFU reason code")
	}
	return out
}

// String returns the described fields joined by ", ".
func (c CID) String() string { return strings.Join(c.Describe(), ", ") }

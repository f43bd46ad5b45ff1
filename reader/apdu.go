package reader

import "fmt"

// Case is the ISO 7816-3 §12.1.3 case of a command APDU: whether it carries
// command data (Lc) and whether it expects response data (Le).
type Case uint8

// APDU cases.
const (
	Case1 Case = iota + 1 // header only
	Case2                 // header, Le
	Case3                 // header, Lc, data
	Case4                 // header, Lc, data, Le
)

// Command is a parsed command APDU. Data aliases the slice it was parsed
// from. Le is the number of bytes expected, 1-256 for short APDUs (an Le byte
// of 00 means 256) and up to 65536 for extended ones; 0 when absent.
type Command struct {
	CLA, INS, P1, P2 byte
	Data             []byte
	Le               int
	Case             Case
	Extended         bool
}

// ParseCommand splits a command APDU by ISO 7816-3 §12.1.3: short APDUs have
// a 1-byte Lc/Le, extended ones a 00 byte followed by 2-byte lengths. Any
// other length is ErrBadAPDU.
func ParseCommand(apdu []byte) (Command, error) {
	var c Command
	if len(apdu) < 4 {
		return c, fmt.Errorf("%w: %d bytes, the header alone is 4", ErrBadAPDU, len(apdu))
	}
	c.CLA, c.INS, c.P1, c.P2 = apdu[0], apdu[1], apdu[2], apdu[3]
	body := apdu[4:]
	switch {
	case len(body) == 0:
		c.Case = Case1
		return c, nil
	case len(body) == 1:
		c.Case, c.Le = Case2, shortLe(body[0])
		return c, nil
	case body[0] != 0:
		lc := int(body[0])
		switch len(body) {
		case 1 + lc:
			c.Case, c.Data = Case3, body[1:]
			return c, nil
		case 2 + lc:
			c.Case, c.Data, c.Le = Case4, body[1:1+lc], shortLe(body[1+lc])
			return c, nil
		}
		return c, fmt.Errorf("%w: Lc %d at offset 4 but %d bytes follow", ErrBadAPDU, lc, len(body)-1)
	}
	// body[0] == 0 and more bytes follow: extended length (ISO 7816-3 §12.1.3).
	c.Extended = true
	if len(body) < 3 {
		return c, fmt.Errorf("%w: extended length at offset 5 is truncated", ErrBadAPDU)
	}
	n := int(body[1])<<8 | int(body[2])
	if len(body) == 3 {
		c.Case, c.Le = Case2, extendedLe(n)
		return c, nil
	}
	if n == 0 {
		return c, fmt.Errorf("%w: extended Lc of 0 at offset 5", ErrBadAPDU)
	}
	switch len(body) {
	case 3 + n:
		c.Case, c.Data = Case3, body[3:]
		return c, nil
	case 5 + n:
		c.Case, c.Data = Case4, body[3:3+n]
		c.Le = extendedLe(int(body[3+n])<<8 | int(body[4+n]))
		return c, nil
	}
	return c, fmt.Errorf("%w: extended Lc %d at offset 5 but %d bytes follow", ErrBadAPDU, n, len(body)-3)
}

func shortLe(b byte) int {
	if b == 0 {
		return 256
	}
	return int(b)
}

func extendedLe(n int) int {
	if n == 0 {
		return 65536
	}
	return n
}

// Append appends the command in short form (extended form when Extended is
// set or a length does not fit a byte) to dst.
func (c Command) Append(dst []byte) []byte {
	dst = append(dst, c.CLA, c.INS, c.P1, c.P2)
	ext := c.Extended || len(c.Data) > 255 || c.Le > 256
	if ext {
		if len(c.Data) > 0 {
			dst = append(dst, 0, byte(len(c.Data)>>8), byte(len(c.Data)))
			dst = append(dst, c.Data...)
		}
		if c.Le > 0 {
			if len(c.Data) == 0 {
				dst = append(dst, 0)
			}
			dst = append(dst, byte(c.Le>>8), byte(c.Le)) // 65536 wraps to 00 00
		}
		return dst
	}
	if len(c.Data) > 0 {
		dst = append(dst, byte(len(c.Data)))
		dst = append(dst, c.Data...)
	}
	if c.Le > 0 {
		dst = append(dst, byte(c.Le)) // 256 wraps to 00
	}
	return dst
}

// SW returns the status word (SW1 SW2) at the end of a response APDU, and
// false when the response is shorter than two bytes.
func SW(resp []byte) (uint16, bool) {
	if len(resp) < 2 {
		return 0, false
	}
	return uint16(resp[len(resp)-2])<<8 | uint16(resp[len(resp)-1]), true
}

// The status and instruction bytes the T=0 rules act on (ISO/IEC 7816-3
// §10.3.4, 7816-4 §5.1.3, EMV Book 1 §9.3.1). Package reader imports
// nothing of possdk's (DESIGN.md), so it names them here; package emv
// exports the same values for everything above the transport
// (emv.SW1BytesAvailable, emv.INSGetResponse, emv.SWOK ...), and
// TestTransportConstantsMatchEMV keeps the two in step.
const (
	claInterindustry    = 0x00   // CLA of GET RESPONSE
	insGetResponse      = 0xC0   // GET RESPONSE
	sw1BytesAvailable   = 0x61   // 61xx: xx more bytes, fetch with GET RESPONSE
	sw1WrongLe          = 0x6C   // 6Cxx: resend with Le xx
	sw1WarningUnchanged = 0x62   // 62xx: warning, non-volatile memory unchanged
	sw1WarningChanged   = 0x63   // 63xx: warning, non-volatile memory changed
	swOK                = 0x9000 // normal processing
)

package qr

import "fmt"

// CRC returns the CRC-16/CCITT-FALSE of b: polynomial 0x1021, initial value
// 0xFFFF, no reflection, no final XOR. EMV QRCPS-MPM (data object 63) names it
// as ISO/IEC 13239 with polynomial '1021' and initial value 'FFFF'; the
// checksum covers every data object up to and including "6304", as UTF-8
// bytes.
func CRC(b []byte) uint16 { return crcUpdate(0xFFFF, b) }

// crcString is CRC for a string, without converting it to []byte.
func crcString(s string) uint16 { return crcUpdate(0xFFFF, s) }

// crcUpdate folds b into crc eight bytes at a time (slicing-by-8), then
// byte by byte.
func crcUpdate[T string | []byte](crc uint16, b T) uint16 {
	t := &crcTables
	for len(b) >= 8 {
		crc = t[7][byte(crc>>8)^b[0]] ^ t[6][byte(crc)^b[1]] ^
			t[5][b[2]] ^ t[4][b[3]] ^ t[3][b[4]] ^ t[2][b[5]] ^ t[1][b[6]] ^ t[0][b[7]]
		b = b[8:]
	}
	for i := 0; i < len(b); i++ {
		crc = crc<<8 ^ t[0][byte(crc>>8)^b[i]]
	}
	return crc
}

const hexUpper = "0123456789ABCDEF"

// appendCRC appends the four upper-case hexadecimal digits of crc.
func appendCRC(dst []byte, crc uint16) []byte {
	return append(dst, hexUpper[crc>>12], hexUpper[crc>>8&0xF], hexUpper[crc>>4&0xF], hexUpper[crc&0xF])
}

// parseCRC reads four hexadecimal digits, either case.
func parseCRC(s string) (uint16, bool) {
	if len(s) != 4 {
		return 0, false
	}
	var v uint16
	for i := 0; i < 4; i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		default:
			return 0, false
		}
		v = v<<4 | uint16(c)
	}
	return v, true
}

// VerifyCRC checks the CRC of a merchant-presented payload on its own,
// without decoding the data objects: the payload must end in "6304" plus
// four hexadecimal digits equal to the CRC of everything before them.
// The error wraps ErrCRCMissing or ErrCRC.
func VerifyCRC(payload string) error {
	n := len(payload)
	if n < 8 || payload[n-8:n-4] != "6304" {
		return fmt.Errorf("%w: payload does not end with ID 63, length 04 and four digits", ErrCRCMissing)
	}
	got, ok := parseCRC(payload[n-4:])
	if !ok {
		return fmt.Errorf("%w: value %q at byte offset %d is not four hexadecimal digits", ErrCRC, payload[n-4:], n-4)
	}
	if want := crcString(payload[:n-4]); got != want {
		return fmt.Errorf("%w: payload says %04X, computed %04X", ErrCRC, got, want)
	}
	return nil
}

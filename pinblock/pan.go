package pinblock

import "fmt"

// ISO/IEC 7812-1: a PAN has at most 19 digits.
const maxPANLen = 19

// checkPAN verifies that pan is min to 19 decimal digits. The error names
// the position of a bad character, never the character.
func checkPAN(pan string, min int) error {
	if len(pan) < min || len(pan) > maxPANLen {
		return fmt.Errorf("%w: %d digits, want %d to %d", ErrPAN, len(pan), min, maxPANLen)
	}
	for i := 0; i < len(pan); i++ {
		if c := pan[i]; c < '0' || c > '9' {
			return fmt.Errorf("%w: character %d is not a decimal digit", ErrPAN, i+1)
		}
	}
	return nil
}

// panField0 is the account number field of formats 0 and 3 (ISO 9564-1:2017
// §9.3.2): four zero nibbles, then the 12 rightmost PAN digits excluding the
// check digit, right-justified and left-padded with zeros when the PAN is
// shorter. A PAN needs at least two digits: one account digit and the check
// digit.
func panField0(pan string) (uint64, error) {
	if err := checkPAN(pan, 2); err != nil {
		return 0, err
	}
	body := pan[:len(pan)-1] // drop the check digit
	if len(body) > 12 {
		body = body[len(body)-12:]
	}
	var v uint64
	for i := 0; i < len(body); i++ {
		v = v<<4 | uint64(body[i]-'0')
	}
	return v, nil
}

// panField4 writes the 16-byte PAN field of format 4 (ISO 9564-1:2017 §9.4.2)
// to dst: nibble M = PAN length - 12 (0 when the PAN is shorter than 12
// digits, which are then left-padded with zeros to 12), the PAN, then zero
// nibbles. Any PAN of 1 to 19 digits is accepted.
func panField4(dst *[16]byte, pan string) error {
	if err := checkPAN(pan, 1); err != nil {
		return err
	}
	*dst = [16]byte{}
	m := len(pan) - 12
	pad := 0
	if m < 0 {
		pad, m = -m, 0
	}
	setNibble(dst[:], 0, byte(m))
	for i := 0; i < len(pan); i++ {
		setNibble(dst[:], 1+pad+i, pan[i]-'0')
	}
	return nil
}

func setNibble(b []byte, i int, v byte) {
	if i&1 == 0 {
		b[i>>1] = b[i>>1]&0x0F | v<<4
	} else {
		b[i>>1] = b[i>>1]&0xF0 | v&0x0F
	}
}

func nibble(b []byte, i int) byte {
	if i&1 == 0 {
		return b[i>>1] >> 4
	}
	return b[i>>1] & 0x0F
}

package pinblock

import "strconv"

// Format is an ISO 9564-1 PIN block format.
type Format uint8

// The PIN block formats of ISO 9564-1:2017.
const (
	// Format0 (ANSI X9.8, VISA-1, ECI-1): PIN field XOR the 12 rightmost
	// PAN digits before the check digit; fill F. 8 bytes, TDES.
	Format0 Format = 0
	// Format1: PIN and a random transaction field, no PAN. For use where no
	// PAN is available. 8 bytes, TDES.
	Format1 Format = 1
	// Format2: PIN, fill F, no PAN. Only between a terminal and an IC card
	// (EMV offline PIN, PIN change), never online. 8 bytes.
	Format2 Format = 2
	// Format3: as Format0 with random fill digits A to F. 8 bytes, TDES.
	Format3 Format = 3
	// Format4: 16-byte PIN field (fill A, 64 random bits) and a separate
	// PAN field, enciphered E(K, E(K, PIN field) XOR PAN field). AES.
	Format4 Format = 4
)

// String returns "ISO-0" to "ISO-4", or "Format(n)" for an unknown value.
func (f Format) String() string {
	if f.valid() {
		return "ISO-" + strconv.Itoa(int(f))
	}
	return "Format(" + strconv.Itoa(int(f)) + ")"
}

func (f Format) valid() bool { return f <= Format4 }

// Size is the length in bytes of a clear and of an enciphered block of the
// format: 8 for formats 0 to 3, 16 for format 4, 0 for an unknown format.
func (f Format) Size() int {
	switch {
	case f == Format4:
		return 16
	case f.valid():
		return 8
	}
	return 0
}

// BindsPAN reports whether a block of the format can only be decoded with
// the cardholder's PAN (formats 0, 3 and 4).
func (f Format) BindsPAN() bool { return f == Format0 || f == Format3 || f == Format4 }

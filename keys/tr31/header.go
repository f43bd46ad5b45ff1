package tr31

import (
	"fmt"
	"strconv"
)

// Version is the key block version ID, the first header byte: it names the
// method that protects the key.
type Version byte

// Key block versions of ASC X9 TR-31:2018 and ANSI X9.143.
const (
	// VersionA is the 2005 key variant binding method (TDES KBPK);
	// deprecated, kept for reading old blocks.
	VersionA Version = 'A'
	// VersionB is the key derivation binding method with a TDES KBPK
	// (CMAC-derived keys, 8-byte MAC).
	VersionB Version = 'B'
	// VersionC is the 2010 key variant binding method (TDES KBPK); the
	// same construction as A.
	VersionC Version = 'C'
	// VersionD is the key derivation binding method with an AES KBPK
	// (16-byte MAC). Use it for every AES KBPK.
	VersionD Version = 'D'
)

func (v Version) known() bool {
	return v == VersionA || v == VersionB || v == VersionC || v == VersionD
}

// blockSize is the cipher block size of the version's KBPK algorithm.
func (v Version) blockSize() int {
	if v == VersionD {
		return 16
	}
	return 8
}

// macLen is the length of the binary MAC the version appends.
func (v Version) macLen() int {
	switch v {
	case VersionA, VersionC:
		return 4
	case VersionB:
		return 8
	}
	return 16
}

// String returns the version letter.
func (v Version) String() string {
	if v >= 0x20 && v < 0x7F {
		return string(rune(v))
	}
	return fmt.Sprintf("Version(%#02x)", byte(v))
}

// headerLen is the fixed part of the header (TR-31:2018 A.5.1).
const headerLen = 16

// Header is the clear, MAC-protected part of a key block: the fixed 16
// bytes of TR-31:2018 A.5 (version, usage, algorithm, mode of use, key
// version, exportability, key context) and the optional blocks. The key
// block length and the optional block count are computed, not stored.
type Header struct {
	Version       Version
	Usage         string // key usage, 2 characters: "P0" PIN encryption, "B0" BDK, "K0" KEK, "M3" X9.19 MAC ...
	Algorithm     byte   // 'T' TDES, 'A' AES, 'D' DES, 'H' HMAC, 'R' RSA, 'E' ECC ...
	ModeOfUse     byte   // 'E' encrypt, 'D' decrypt, 'B' both, 'X' derive, 'N' none, 'C' MAC both, 'G' generate, 'V' verify ...
	KeyVersion    string // 2 characters; "00" when unused (Wrap's default for "")
	Exportability byte   // 'E' exportable, 'N' non-exportable, 'S' sensitive
	KeyContext    byte   // X9.143 byte 14; '0' (TR-31:2018 reserves bytes 14-15 as "00"); Wrap's default for 0
	Reserved      byte   // byte 15; '0', Wrap's default for 0
	Blocks        []OptionalBlock
}

// OptionalBlock is one optional header block (TR-31:2018 A.5.6): a
// two-character ID ("KS" key set ID, "KC" check value, "KP" KBPK check
// value, "TS" time stamp, "PB" padding, "10".."99" proprietary) and
// printable ASCII data.
type OptionalBlock struct {
	ID   string
	Data string
}

// Block returns the data of the first optional block with the given ID.
func (h *Header) Block(id string) (string, bool) {
	for _, b := range h.Blocks {
		if b.ID == id {
			return b.Data, true
		}
	}
	return "", false
}

func printable(c byte) bool { return c >= 0x20 && c < 0x7F }

// parseHeader parses the header at the start of s and returns it with its
// length in bytes (fixed part and optional blocks) and the key block
// length field.
func parseHeader(s string) (*Header, int, int, error) {
	if len(s) < headerLen {
		return nil, 0, 0, fmt.Errorf("%w: %d bytes, a header alone is %d", ErrLength, len(s), headerLen)
	}
	for i := 0; i < headerLen; i++ {
		if !printable(s[i]) {
			return nil, 0, 0, fmt.Errorf("%w: non-printable byte %#02x at offset %d", ErrFormat, s[i], i)
		}
	}
	h := &Header{
		Version:       Version(s[0]),
		Usage:         s[5:7],
		Algorithm:     s[7],
		ModeOfUse:     s[8],
		KeyVersion:    s[9:11],
		Exportability: s[11],
		KeyContext:    s[14],
		Reserved:      s[15],
	}
	if !h.Version.known() {
		return nil, 0, 0, fmt.Errorf("%w: %q at offset 0 (known: A, B, C, D)", ErrVersion, s[0])
	}
	total, err := decimal(s[1:5], 1)
	if err != nil {
		return nil, 0, 0, err
	}
	count, err := decimal(s[12:14], 12)
	if err != nil {
		return nil, 0, 0, err
	}
	off := headerLen
	for n := 0; n < count; n++ {
		b, next, err := parseOptionalBlock(s, off)
		if err != nil {
			return nil, 0, 0, err
		}
		h.Blocks = append(h.Blocks, b)
		off = next
	}
	return h, off, total, nil
}

// parseOptionalBlock reads the optional block at off: ID, 2 hex digits of
// length (the whole block), or "00", a 2-hex-digit length of the length in
// bytes, and the length in that many bytes' worth of hex digits (the
// extended form for blocks over 255 bytes, e.g. "KS0002010A...").
func parseOptionalBlock(s string, off int) (OptionalBlock, int, error) {
	if len(s)-off < 4 {
		return OptionalBlock{}, 0, fmt.Errorf("%w: optional block at offset %d truncated", ErrLength, off)
	}
	id := s[off : off+2]
	for i := 0; i < 2; i++ {
		if c := id[i]; !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return OptionalBlock{}, 0, fmt.Errorf("%w: optional block ID %q at offset %d", ErrFormat, id, off)
		}
	}
	n, err := hexNumber(s[off+2:off+4], off+2)
	if err != nil {
		return OptionalBlock{}, 0, err
	}
	data := off + 4
	if n == 0 {
		if len(s)-off < 6 {
			return OptionalBlock{}, 0, fmt.Errorf("%w: optional block %s at offset %d truncated", ErrLength, id, off)
		}
		ll, err := hexNumber(s[off+4:off+6], off+4)
		if err != nil {
			return OptionalBlock{}, 0, err
		}
		if ll == 0 || ll > 2 {
			return OptionalBlock{}, 0, fmt.Errorf("%w: optional block %s at offset %d: length of length %d bytes", ErrFormat, id, off, ll)
		}
		if len(s)-off < 6+2*ll {
			return OptionalBlock{}, 0, fmt.Errorf("%w: optional block %s at offset %d truncated", ErrLength, id, off)
		}
		if n, err = hexNumber(s[off+6:off+6+2*ll], off+6); err != nil {
			return OptionalBlock{}, 0, err
		}
		data = off + 6 + 2*ll
	}
	end := off + n
	if n < data-off || end > len(s) {
		return OptionalBlock{}, 0, fmt.Errorf("%w: optional block %s at offset %d claims %d bytes, %d left", ErrLength, id, off, n, len(s)-off)
	}
	for i := data; i < end; i++ {
		if !printable(s[i]) {
			return OptionalBlock{}, 0, fmt.Errorf("%w: optional block %s: non-printable byte at offset %d", ErrFormat, id, i)
		}
	}
	return OptionalBlock{ID: id, Data: s[data:end]}, end, nil
}

func decimal(s string, off int) (int, error) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("%w: %q at offset %d is not a decimal digit", ErrFormat, s[i], off+i)
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, nil
}

func hexNumber(s string, off int) (int, error) {
	n := 0
	for i := 0; i < len(s); i++ {
		v, ok := hexDigit(s[i])
		if !ok {
			return 0, fmt.Errorf("%w: %q at offset %d is not a hex digit", ErrFormat, s[i], off+i)
		}
		n = n<<4 | int(v)
	}
	return n, nil
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}

// appendHeader encodes h with the given total key block length, adding a
// "PB" padding block when the optional blocks do not end on a block-size
// boundary (TR-31:2018 A.5.6).
func (h *Header) appendHeader(dst []byte, total int, blocks []OptionalBlock) []byte {
	dst = append(dst, byte(h.Version))
	dst = append(dst, fmt.Sprintf("%04d", total)...)
	dst = append(dst, h.Usage...)
	dst = append(dst, h.Algorithm, h.ModeOfUse)
	dst = append(dst, h.KeyVersion...)
	dst = append(dst, h.Exportability)
	dst = append(dst, fmt.Sprintf("%02d", len(blocks))...)
	dst = append(dst, h.KeyContext, h.Reserved)
	for _, b := range blocks {
		dst = appendOptionalBlock(dst, b)
	}
	return dst
}

func optionalBlockLen(b OptionalBlock) int {
	if n := 4 + len(b.Data); n <= 0xFF {
		return n
	}
	return 10 + len(b.Data) // "00", "02", 4 hex digits
}

func appendOptionalBlock(dst []byte, b OptionalBlock) []byte {
	dst = append(dst, b.ID...)
	if n := optionalBlockLen(b); n <= 0xFF {
		dst = append(dst, fmt.Sprintf("%02X", n)...)
	} else {
		dst = append(dst, "0002"...)
		dst = append(dst, fmt.Sprintf("%04X", n)...)
	}
	return append(dst, b.Data...)
}

// layout fills h's defaults, validates it for wrapping and returns the
// optional blocks to encode (h.Blocks plus a padding block if needed) and
// the header length.
func (h *Header) layout() ([]OptionalBlock, int, error) {
	if h.KeyVersion == "" {
		h.KeyVersion = "00"
	}
	if h.KeyContext == 0 {
		h.KeyContext = '0'
	}
	if h.Reserved == 0 {
		h.Reserved = '0'
	}
	if !h.Version.known() {
		return nil, 0, fmt.Errorf("%w: %s", ErrVersion, h.Version)
	}
	if len(h.Usage) != 2 || len(h.KeyVersion) != 2 {
		return nil, 0, fmt.Errorf("%w: usage %q and key version %q must be 2 characters", ErrFormat, h.Usage, h.KeyVersion)
	}
	fixed := string([]byte{h.Algorithm, h.ModeOfUse, h.Exportability, h.KeyContext, h.Reserved}) + h.Usage + h.KeyVersion
	for i := 0; i < len(fixed); i++ {
		if !printable(fixed[i]) {
			return nil, 0, fmt.Errorf("%w: header field byte %#02x is not printable ASCII", ErrFormat, fixed[i])
		}
	}
	blocks := h.Blocks
	n := headerLen
	for i, b := range blocks {
		if len(b.ID) != 2 {
			return nil, 0, fmt.Errorf("%w: optional block %d ID %q must be 2 characters", ErrFormat, i, b.ID)
		}
		if len(b.Data) > 0xFFFF-10 {
			return nil, 0, fmt.Errorf("%w: optional block %s is %d bytes", ErrFormat, b.ID, len(b.Data))
		}
		for j := 0; j < len(b.Data); j++ {
			if !printable(b.Data[j]) {
				return nil, 0, fmt.Errorf("%w: optional block %s data byte %d is not printable ASCII", ErrFormat, b.ID, j)
			}
		}
		if b.ID == "PB" && i != len(blocks)-1 {
			return nil, 0, fmt.Errorf("%w: padding block PB must be last", ErrFormat)
		}
		n += optionalBlockLen(b)
	}
	if bs := h.Version.blockSize(); n%bs != 0 {
		if len(blocks) > 0 && blocks[len(blocks)-1].ID == "PB" {
			return nil, 0, fmt.Errorf("%w: header of %d bytes with padding block PB is not a multiple of %d", ErrFormat, n, bs)
		}
		pad := (bs - (n+4)%bs) % bs
		pb := OptionalBlock{ID: "PB", Data: padChars[:pad]}
		blocks = append(append([]OptionalBlock(nil), blocks...), pb)
		n += 4 + pad
	}
	if len(blocks) > 99 {
		return nil, 0, fmt.Errorf("%w: %d optional blocks, at most 99", ErrFormat, len(blocks))
	}
	return blocks, n, nil
}

// padChars fills a padding block: printable and deterministic (the header
// is not secret, so its padding need not be random).
const padChars = "0000000000000000"

// String renders the fixed header fields, e.g. "D P0 A E 00 E".
func (h Header) String() string {
	s := fmt.Sprintf("%s %s %c %c %s %c", h.Version, h.Usage, h.Algorithm, h.ModeOfUse, h.KeyVersion, h.Exportability)
	for _, b := range h.Blocks {
		s += " " + b.ID + "=" + strconv.Quote(b.Data)
	}
	return s
}

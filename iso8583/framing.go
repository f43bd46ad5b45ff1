package iso8583

import (
	"encoding/binary"
	"fmt"
	"io"
)

// TPDU is the 5-byte transport protocol data unit that precedes a CUP POS
// message: an ID (0x60 on CUP links) and two 2-byte addresses, written as
// BCD digits. Values are kept as the raw bytes, so 0x1012 prints as "1012"
// and an acquirer's non-BCD address survives a round trip.
type TPDU struct {
	ID          uint8
	Destination uint16
	Source      uint16
}

// TPDULen is the size of a TPDU on the wire.
const TPDULen = 5

// Reply returns the TPDU for the answer to t: destination and source
// swapped, as the host does (and as jPOS NACChannel does).
func (t TPDU) Reply() TPDU {
	return TPDU{ID: t.ID, Destination: t.Source, Source: t.Destination}
}

// Append appends the 5 wire bytes of t to dst.
func (t TPDU) Append(dst []byte) []byte {
	dst = append(dst, t.ID)
	dst = binary.BigEndian.AppendUint16(dst, t.Destination)
	return binary.BigEndian.AppendUint16(dst, t.Source)
}

// ParseTPDU reads a TPDU from the first 5 bytes of b.
func ParseTPDU(b []byte) (TPDU, error) {
	if len(b) < TPDULen {
		return TPDU{}, fmt.Errorf("%w: TPDU needs %d bytes, have %d", ErrFrame, TPDULen, len(b))
	}
	return TPDU{ID: b[0], Destination: binary.BigEndian.Uint16(b[1:]), Source: binary.BigEndian.Uint16(b[3:])}, nil
}

func (t TPDU) String() string {
	return fmt.Sprintf("%02X%04X%04X", t.ID, t.Destination, t.Source)
}

// Header is the 6-byte CUP message header (报文头), 12 BCD digits: the
// application type (应用类别, 0x60, 0x61 for some IC-card dialects), the
// software version (软件总版本号, 0x22 or 0x31 for the unified CUP POS
// spec), the terminal status nibble, the processing-requirement nibble (a
// host uses it to ask for parameter or key downloads) and the 6-digit
// software sub-version. As with TPDU, values are the raw BCD bytes.
type Header struct {
	AppType     uint8
	Version     uint8
	Status      uint8 // 4 bits
	Requirement uint8 // 4 bits
	SubVersion  uint32
}

// HeaderLen is the size of a CUP header on the wire.
const HeaderLen = 6

// Append appends the 6 wire bytes of h to dst.
func (h Header) Append(dst []byte) []byte {
	return append(dst, h.AppType, h.Version, h.Status<<4|h.Requirement&0xF,
		byte(h.SubVersion>>16), byte(h.SubVersion>>8), byte(h.SubVersion))
}

// ParseHeader reads a Header from the first 6 bytes of b.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderLen {
		return Header{}, fmt.Errorf("%w: header needs %d bytes, have %d", ErrFrame, HeaderLen, len(b))
	}
	return Header{
		AppType: b[0], Version: b[1], Status: b[2] >> 4, Requirement: b[2] & 0xF,
		SubVersion: uint32(b[3])<<16 | uint32(b[4])<<8 | uint32(b[5]),
	}, nil
}

func (h Header) String() string {
	return fmt.Sprintf("%02X%02X%X%X%06X", h.AppType, h.Version, h.Status&0xF, h.Requirement&0xF, h.SubVersion)
}

// Envelope is what travels in front of the MTI: the TPDU and the header.
type Envelope struct {
	TPDU   TPDU
	Header Header
}

// Reply returns the envelope for the answer: TPDU addresses swapped, the
// header kept (a host may then set Header.Requirement).
func (e Envelope) Reply() Envelope { return Envelope{TPDU: e.TPDU.Reply(), Header: e.Header} }

// Framing says which parts precede the MTI on a link. The zero value is the
// CUP POS framing: 2-byte big-endian length, TPDU, 6-byte header. Some
// acquirers omit the header, and host-to-host links often omit both.
type Framing struct {
	NoTPDU   bool
	NoHeader bool
}

// MaxFrame is the largest frame the 2-byte length prefix can describe.
const MaxFrame = 0xFFFF

// Overhead is the number of bytes the framing adds before the MTI,
// not counting the 2-byte length.
func (f Framing) Overhead() int {
	n := 0
	if !f.NoTPDU {
		n += TPDULen
	}
	if !f.NoHeader {
		n += HeaderLen
	}
	return n
}

// Append appends a whole frame to dst: the 2-byte length (counting TPDU,
// header and body, not itself), then the envelope parts the framing uses,
// then body.
func (f Framing) Append(dst []byte, env Envelope, body []byte) ([]byte, error) {
	n := f.Overhead() + len(body)
	if n > MaxFrame {
		return dst, fmt.Errorf("%w: %d bytes exceed the 2-byte length prefix", ErrFrame, n)
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(n))
	if !f.NoTPDU {
		dst = env.TPDU.Append(dst)
	}
	if !f.NoHeader {
		dst = env.Header.Append(dst)
	}
	return append(dst, body...), nil
}

// Split takes a whole frame (2-byte length included) apart into its
// envelope and the message body. The body aliases frame.
func (f Framing) Split(frame []byte) (Envelope, []byte, error) {
	var env Envelope
	if len(frame) < 2 {
		return env, nil, fmt.Errorf("%w: %d bytes, no length prefix", ErrFrame, len(frame))
	}
	n := int(binary.BigEndian.Uint16(frame))
	if n != len(frame)-2 {
		return env, nil, fmt.Errorf("%w: length prefix says %d bytes, frame has %d", ErrFrame, n, len(frame)-2)
	}
	rest := frame[2:]
	if len(rest) < f.Overhead() {
		return env, nil, fmt.Errorf("%w: %d bytes cannot hold TPDU and header (%d)", ErrFrame, len(rest), f.Overhead())
	}
	if !f.NoTPDU {
		env.TPDU, _ = ParseTPDU(rest)
		rest = rest[TPDULen:]
	}
	if !f.NoHeader {
		env.Header, _ = ParseHeader(rest)
		rest = rest[HeaderLen:]
	}
	return env, rest, nil
}

// ReadFrame reads one length-prefixed frame from r into buf (grown as
// needed) and returns it, 2-byte length included, ready for Split or
// Codec.Unpack. A frame longer than max bytes (after the prefix) is refused
// before it is read, so a peer cannot make the reader allocate 64 KiB per
// message; max <= 0 means MaxFrame.
func ReadFrame(r io.Reader, buf []byte, max int) ([]byte, error) {
	if max <= 0 || max > MaxFrame {
		max = MaxFrame
	}
	buf = append(buf[:0], 0, 0)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint16(buf))
	if n > max {
		return nil, fmt.Errorf("%w: frame of %d bytes exceeds the limit %d", ErrFrame, n, max)
	}
	if cap(buf) < 2+n {
		nb := make([]byte, 2, 2+n)
		copy(nb, buf)
		buf = nb
	}
	buf = buf[:2+n]
	if _, err := io.ReadFull(r, buf[2:]); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return buf, nil
}

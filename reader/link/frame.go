package link

import (
	"errors"
	"fmt"
)

// Control characters (ASCII, ISO 646).
const (
	STX = 0x02 // start of text: opens a frame
	ETX = 0x03 // end of text: closes the data
	ACK = 0x06 // frame received intact
	NAK = 0x15 // frame damaged: send it again
)

// MaxPayload is the most a 2-byte length can announce.
const MaxPayload = 0xFFFF

// overhead is STX, LEN (2), ETX and LRC.
const overhead = 5

// Sentinel errors of the frame codec and the link.
var (
	ErrIncomplete    = errors.New("link: incomplete frame")
	ErrBadFrame      = errors.New("link: malformed frame")
	ErrBadLRC        = errors.New("link: LRC mismatch")
	ErrFrameTooLarge = errors.New("link: frame larger than the maximum")
	ErrNoAck         = errors.New("link: frame not acknowledged")
	ErrPeerGone      = errors.New("link: peer gone")
	ErrClosed        = errors.New("link: closed")
)

// AppendFrame appends the frame for payload to dst:
//
//	STX | LEN (2 bytes, big-endian, payload length) | payload | ETX | LRC
//
// where LRC is the XOR of every byte after STX up to and including ETX, the
// usual "STX + explicit length" ECR framing (reader_notes §4.1).
func AppendFrame(dst, payload []byte) ([]byte, error) {
	if len(payload) > MaxPayload {
		return dst, fmt.Errorf("%w: %d-byte payload, a 2-byte length allows %d", ErrFrameTooLarge, len(payload), MaxPayload)
	}
	start := len(dst)
	dst = append(dst, STX, byte(len(payload)>>8), byte(len(payload)))
	dst = append(dst, payload...)
	dst = append(dst, ETX)
	return append(dst, lrc(dst[start+1:])), nil
}

func lrc(b []byte) byte {
	var x byte
	for _, c := range b {
		x ^= c
	}
	return x
}

// DecodeFrame decodes the frame at the start of b (b[0] must be STX) whose
// payload is at most max bytes (0 means MaxPayload). It returns the payload
// (aliasing b) and the frame's length. ErrIncomplete means more bytes are
// needed; the other errors name the offset of the fault.
func DecodeFrame(b []byte, max int) (payload []byte, n int, err error) {
	if max <= 0 || max > MaxPayload {
		max = MaxPayload
	}
	if len(b) == 0 {
		return nil, 0, ErrIncomplete
	}
	if b[0] != STX {
		return nil, 0, fmt.Errorf("%w: byte %02X at offset 0, want STX", ErrBadFrame, b[0])
	}
	if len(b) < 3 {
		return nil, 0, ErrIncomplete
	}
	size := int(b[1])<<8 | int(b[2])
	if size > max {
		return nil, 0, fmt.Errorf("%w: length %d at offset 1, maximum %d", ErrFrameTooLarge, size, max)
	}
	n = size + overhead
	if len(b) < n {
		return nil, 0, ErrIncomplete
	}
	if b[n-2] != ETX {
		return nil, 0, fmt.Errorf("%w: byte %02X at offset %d, want ETX", ErrBadFrame, b[n-2], n-2)
	}
	if got, want := b[n-1], lrc(b[1:n-1]); got != want {
		return nil, 0, fmt.Errorf("%w: LRC %02X at offset %d, computed %02X", ErrBadLRC, got, n-1, want)
	}
	return b[3 : n-2], n, nil
}

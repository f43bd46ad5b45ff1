//go:build !386 && !arm && !mips && !mipsle

package moovx

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"

	moov "github.com/moov-io/iso8583"
	moverr "github.com/moov-io/iso8583/errors"

	"github.com/possdk/pos/iso8583"
)

// Framer is a MessageReader and MessageWriter for
// github.com/moov-io/iso8583-connection (connection.SetMessageReader,
// SetMessageWriter): it writes and reads the codec's framing — 2-byte
// length, TPDU and header on CUP links — and computes and verifies the MAC
// with the codec's MAC.
//
// A message to write that has field 64 or 128 set (to anything) is MACed
// (the MAC field is chosen per message, see iso8583.Codec.PackMessage).
// A frame read whose MAC does not verify, or that does not unpack, is
// dropped with an error that iso8583-connection treats as an unpack error
// (the connection stays up, the request waiting for it times out — on a
// POS link that means a reversal) and that never carries the frame.
type Framer struct {
	// Codec packs and unpacks (its spec, framing and MAC). Required.
	Codec *iso8583.Codec
	// Spec is the moov spec of the messages exchanged (normally
	// Spec(Codec.Spec())). Required.
	Spec *moov.MessageSpec
	// Envelope is written in front of every message (TPDU and header).
	Envelope iso8583.Envelope
	// MaxFrame refuses longer inbound frames (0: iso8583.MaxFrame).
	MaxFrame int

	mu   sync.Mutex
	last iso8583.Envelope
}

// WriteMessage packs msg with the codec and writes the whole frame.
func (f *Framer) WriteMessage(w io.Writer, msg *moov.Message) error {
	m, err := FromMoov(msg)
	if err != nil {
		return err
	}
	body, err := f.Codec.PackMessage(m)
	if err != nil {
		return err
	}
	frame, err := f.Codec.Frame(f.Envelope, body)
	if err != nil {
		return err
	}
	_, err = w.Write(frame)
	return err
}

// ReadMessage reads one frame, verifies its MAC if it carries one, and
// returns it as a moov message of Spec. LastEnvelope may be called at any
// time, also while ReadMessage waits for a frame.
func (f *Framer) ReadMessage(r io.Reader) (*moov.Message, error) {
	// A fresh buffer per frame: the message handed on may share it.
	frame, err := iso8583.ReadFrame(r, nil, f.MaxFrame)
	if err != nil {
		// A bad length prefix (iso8583.ErrFrame) or a broken stream cannot
		// be resynchronised: not an UnpackError, so the connection closes.
		return nil, err
	}
	env, body, err := f.Codec.Unframe(frame)
	if err != nil {
		return nil, &moverr.UnpackError{Err: err}
	}
	m, err := f.Codec.UnpackMessage(body)
	if err != nil {
		return nil, &moverr.UnpackError{Err: err}
	}
	mm, err := ToMoov(m, f.Spec)
	if err != nil {
		return nil, &moverr.UnpackError{Err: err}
	}
	f.mu.Lock()
	f.last = env
	f.mu.Unlock()
	return mm, nil
}

// LastEnvelope returns the TPDU and header of the last frame read.
func (f *Framer) LastEnvelope() iso8583.Envelope {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

// RequestID is an iso8583-connection RequestIDGenerator
// (connection.SetRequestIDGenerator) that matches a response to its
// request by terminal ID (field 41, trailing spaces removed), STAN (field
// 11, as a number) and the request's MTI (a response's third digit made
// even), as iso8583/link does: the connection's default, field 11 alone,
// lets one terminal's response answer another's request on a shared link,
// and a late 0210 answer the 0400 that reverses it.
type RequestID struct{}

// GenerateRequestID returns "MTI TID/STAN" for msg.
func (RequestID) GenerateRequestID(msg *moov.Message) (string, error) {
	if msg == nil {
		return "", fmt.Errorf("moovx: request ID of a nil message")
	}
	mti, err := msg.GetMTI()
	if err != nil || len(mti) != 4 || mti[2] < '0' || mti[2] > '9' {
		return "", fmt.Errorf("moovx: request ID: MTI %q", mti)
	}
	if (mti[2]-'0')%2 == 1 {
		mti = mti[:2] + string(mti[2]-1) + mti[3:]
	}
	s, err := msg.GetString(11)
	if err != nil || s == "" {
		return "", fmt.Errorf("moovx: request ID: no STAN (field 11)")
	}
	stan, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return "", fmt.Errorf("moovx: request ID: STAN is not numeric")
	}
	tid, err := msg.GetString(41)
	if err != nil || tid == "" {
		return "", fmt.Errorf("moovx: request ID: no terminal ID (field 41)")
	}
	return mti + " " + strings.TrimRight(tid, " ") + "/" + strconv.FormatUint(stan, 10), nil
}

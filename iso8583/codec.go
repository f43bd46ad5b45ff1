package iso8583

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"

	moov "github.com/moov-io/iso8583"
	moverr "github.com/moov-io/iso8583/errors"
	"github.com/moov-io/iso8583/field"
)

// MACSize is the size of field 64 (and 128).
const MACSize = 8

// A MAC computes the field-64 value over a MAC block: the packed message
// from the MTI up to the end of the last field before the MAC, with the MAC
// bit already set in the bitmap, excluding length, TPDU and header (CUP POS
// spec; NewMAC builds one from a keys.Key).
type MAC interface {
	MAC(mab []byte) ([MACSize]byte, error)
}

// MACFunc adapts a function to the MAC interface.
type MACFunc func(mab []byte) ([MACSize]byte, error)

// MAC calls f.
func (f MACFunc) MAC(mab []byte) ([MACSize]byte, error) { return f(mab) }

// Codec packs and unpacks the messages of one dialect on one link: a moov
// spec, the framing around it, and the MAC for field 64. A Codec never
// changes after construction, so one value may serve many goroutines; when
// a sign-in delivers a new MAK, derive a new Codec with WithMAC.
type Codec struct {
	spec     *moov.MessageSpec
	framing  Framing
	mac      MAC
	macField int
	single   bool      // the spec has no secondary bitmap: bit 1 must be clear
	flat     *flatSpec // non-nil: transactions pack without a moov Message
}

// NewCodec returns a Codec for spec (nil selects CUPSpec) and framing.
// It has no MAC until WithMAC supplies one. The codec reads spec's field
// table now: adjust a spec before passing it, not after.
func NewCodec(spec *moov.MessageSpec, framing Framing) *Codec {
	if spec == nil {
		spec = CUPSpec()
	}
	c := &Codec{spec: spec, framing: framing, macField: 64}
	if _, ok := spec.Fields[128]; ok {
		c.macField = 128
	}
	if bm, ok := spec.Fields[1].(*field.Bitmap); ok && bm.Spec().DisableAutoExpand {
		c.single = true
	}
	if c.macField == 64 {
		c.flat = newFlatSpec(spec)
	}
	return c
}

// WithMAC returns a copy of c that computes and verifies field 64 with m.
func (c *Codec) WithMAC(m MAC) *Codec {
	d := *c
	d.mac = m
	return &d
}

// Spec returns the codec's message spec.
func (c *Codec) Spec() *moov.MessageSpec { return c.spec }

// Framing returns the codec's framing.
func (c *Codec) Framing() Framing { return c.framing }

// NewMessage returns an empty moov message of the codec's spec.
func (c *Codec) NewMessage() *moov.Message { return moov.NewMessage(c.spec) }

// PackMessage packs m into a message body (MTI onward, no framing). If m
// has the MAC field set (to anything), the codec's MAC is computed over the
// packed bytes before it and written into it, and m's MAC field is updated.
func (c *Codec) PackMessage(m *moov.Message) ([]byte, error) {
	withMAC := m.GetField(c.macField) != nil
	if withMAC {
		if c.mac == nil {
			return nil, fmt.Errorf("%w: field %d present but no MAC key configured", ErrMAC, c.macField)
		}
		var zero [MACSize]byte
		if err := m.BinaryField(c.macField, zero[:]); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrPack, err)
		}
	}
	body, err := m.Pack()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPack, err)
	}
	if withMAC {
		sum, err := c.seal(body)
		if err != nil {
			return nil, err
		}
		if err := m.BinaryField(c.macField, sum[:]); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrPack, err)
		}
	}
	return body, nil
}

// seal computes the MAC of a packed body whose MAC field is present and
// writes it into the body. The MAC field is the last one the spec
// defines, so it is the last 8 bytes; the MAB is everything before it.
func (c *Codec) seal(body []byte) ([MACSize]byte, error) {
	sum, err := c.mac.MAC(body[:len(body)-MACSize])
	if err != nil {
		return sum, fmt.Errorf("%w: %w", ErrMAC, err)
	}
	copy(body[len(body)-MACSize:], sum[:])
	return sum, nil
}

// UnpackMessage unpacks a message body. When the MAC field is present it
// is verified in constant time with the codec's MAC; a mismatch, or a MAC
// field with no MAC configured, is ErrMAC. Messages without a MAC field
// unpack without a check: whether one was required is the caller's (or
// the Transaction layer's) decision.
func (c *Codec) UnpackMessage(body []byte) (*moov.Message, error) {
	return c.unpackMessage(body, nil)
}

// unpackMessage unpacks body and verifies its MAC field, if present, with
// the MAC macFor returns for the message's terminal ID, or with c's MAC
// when macFor is nil.
func (c *Codec) unpackMessage(body []byte, macFor func(terminalID string) (MAC, error)) (*moov.Message, error) {
	m := moov.NewMessage(c.spec)
	if err := c.unpackInto(m, body); err != nil {
		return nil, err
	}
	mac := c.mac
	if macFor != nil {
		tid, err := m.GetString(41)
		if err != nil {
			return nil, fmt.Errorf("%w: field 41: %w", ErrUnpack, err)
		}
		tid = strings.TrimRight(tid, " ")
		if mac, err = macFor(tid); err != nil {
			return nil, fmt.Errorf("%w: no MAC key for terminal %q: %w", ErrMAC, tid, err)
		}
	}
	if m.GetField(c.macField) == nil {
		return m, nil
	}
	if err := c.verify(m, body, mac); err != nil {
		return nil, err
	}
	return m, nil
}

func (c *Codec) unpackInto(m *moov.Message, body []byte) (err error) {
	// moov-io is trusted not to panic on bad input (FuzzUnpack checks);
	// this guard turns any future regression into an error rather than a
	// crashed terminal.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: unpacker panic: %v", ErrUnpack, r)
		}
	}()
	if err := m.Unpack(body); err != nil {
		var ue *moverr.UnpackError
		if errors.As(err, &ue) {
			// Report the field, never the raw message (it holds card data).
			return fmt.Errorf("%w: field %s: %w", ErrUnpack, ue.FieldID, ue.Err)
		}
		return fmt.Errorf("%w: %w", ErrUnpack, err)
	}
	if c.single && m.Bitmap().IsSet(1) {
		return fmt.Errorf("%w: bitmap bit 1 set but the spec has no secondary bitmap", ErrUnpack)
	}
	return nil
}

func (c *Codec) verify(m *moov.Message, body []byte, mac MAC) error {
	got, _ := m.GetBytes(c.macField)
	return verifyMAC(mac, got, body, c.macField)
}

// verifyMAC checks the MAC field value got of body with mac.
func verifyMAC(mac MAC, got, body []byte, macField int) error {
	if mac == nil {
		return fmt.Errorf("%w: field %d present but no MAC key configured", ErrMAC, macField)
	}
	n := len(body) - MACSize
	// The MAC field is the spec's last, so it must be the last 8 bytes;
	// anything else means bytes trail the message.
	if n < 0 || subtle.ConstantTimeCompare(got, body[n:]) != 1 {
		return fmt.Errorf("%w: field %d is not the last %d bytes (data trails the message)", ErrUnpack, macField, MACSize)
	}
	want, err := mac.MAC(body[:n])
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMAC, err)
	}
	if subtle.ConstantTimeCompare(got, want[:]) != 1 {
		return ErrMAC
	}
	return nil
}

// Frame wraps a packed body in the codec's framing: length, TPDU, header.
func (c *Codec) Frame(env Envelope, body []byte) ([]byte, error) {
	return c.framing.Append(make([]byte, 0, 2+c.framing.Overhead()+len(body)), env, body)
}

// Unframe splits a whole frame (length prefix included) into envelope and
// body.
func (c *Codec) Unframe(frame []byte) (Envelope, []byte, error) {
	return c.framing.Split(frame)
}

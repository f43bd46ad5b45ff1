package iso8583

import (
	"crypto/subtle"
	"fmt"
	"strings"
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

// A MACVerifier is a MAC that checks a received MAC itself (an HSM's
// verify operation, which never hands out the expected value) instead of
// the codec computing the MAC and comparing. A mismatch must wrap ErrMAC or
// be reported as one.
type MACVerifier interface {
	MAC
	VerifyMAC(mab, mac []byte) error
}

// MACFunc adapts a function to the MAC interface.
type MACFunc func(mab []byte) ([MACSize]byte, error)

// MAC calls f.
func (f MACFunc) MAC(mab []byte) ([MACSize]byte, error) { return f(mab) }

// Codec packs and unpacks the messages of one dialect on one link: a
// spec, the framing around it, and the MAC. A Codec never changes after
// construction, so one value may serve many goroutines; when a sign-in
// delivers a new MAK, derive a new Codec with WithMAC.
//
// The MAC field is chosen per message: field 64 in a message with one
// bitmap, field 128 in one with a secondary bitmap (ISO 8583:1987: the MAC
// is the last data element).
type Codec struct {
	spec    *Spec
	c       *compiledSpec
	framing Framing
	mac     MAC
	err     error // the spec does not compile: every call fails with it
}

// NewCodec returns a Codec for spec (nil selects CUPSpec) and framing.
// It has no MAC until WithMAC supplies one. The codec reads spec's field
// table now: adjust a spec before passing it, never after. A spec that
// cannot be used (a field without encoder, no MTI) makes every call of
// the codec fail with an error wrapping ErrPack.
func NewCodec(spec *Spec, framing Framing) *Codec {
	if spec == nil {
		spec = CUPSpec()
	}
	c, err := spec.compile()
	return &Codec{spec: spec, c: c, framing: framing, err: err}
}

// WithMAC returns a copy of c that computes and verifies the MAC with m.
func (c *Codec) WithMAC(m MAC) *Codec {
	d := *c
	d.mac = m
	return &d
}

// Spec returns the codec's spec. It must not be modified.
func (c *Codec) Spec() *Spec { return c.spec }

// Framing returns the codec's framing.
func (c *Codec) Framing() Framing { return c.framing }

// PackMessage packs m into a message body (MTI onward, no framing). If m
// has field 64 or 128 set (to anything), the codec's MAC is computed and
// written into the message's MAC field (MACField: 128 when m carries a
// secondary bitmap, else 64) — the other of the two is dropped — and m
// is updated with the MAC.
func (c *Codec) PackMessage(m *Message) ([]byte, error) {
	if c.err != nil {
		return nil, c.err
	}
	v := &m.v
	withMAC := v.isSet[64] || v.isSet[128]
	if withMAC {
		if c.mac == nil {
			return nil, fmt.Errorf("%w: MAC field present but no MAC key configured", ErrMAC)
		}
		v.str[64], v.bin[64], v.isSet[64] = "", nil, false
		v.str[128], v.bin[128], v.isSet[128] = "", nil, false
		f := v.macField()
		v.bin[f], v.isSet[f] = make([]byte, MACSize), true
	}
	body, err := c.c.pack(make([]byte, 0, 512), v)
	if err != nil {
		return nil, err
	}
	if withMAC {
		sum, err := c.seal(body)
		if err != nil {
			return nil, err
		}
		copy(v.bin[v.macField()], sum[:])
	}
	return body, nil
}

// seal computes the MAC of a packed body whose MAC field is present and
// writes it into the body. The MAC field is the last one the message
// carries, so it is the last 8 bytes; the MAB is everything before it.
func (c *Codec) seal(body []byte) ([MACSize]byte, error) {
	sum, err := c.mac.MAC(body[:len(body)-MACSize])
	if err != nil {
		return sum, fmt.Errorf("%w: %w", ErrMAC, err)
	}
	copy(body[len(body)-MACSize:], sum[:])
	return sum, nil
}

// UnpackMessage unpacks a message body. When the message's MAC field (64,
// or 128 with a secondary bitmap) is present it is verified in constant
// time with the codec's MAC; a mismatch, or a MAC field with no MAC
// configured, is ErrMAC. Messages without a MAC field unpack without a
// check: whether one was required is the caller's (or the Transaction
// layer's) decision.
func (c *Codec) UnpackMessage(body []byte) (*Message, error) {
	m := &Message{}
	if err := c.unpack(&m.v, body, nil); err != nil {
		return nil, err
	}
	return m, nil
}

// unpack unpacks body into v and verifies its MAC field, if present, with
// the MAC macFor returns for the message's terminal ID, or with c's MAC
// when macFor is nil.
func (c *Codec) unpack(v *fieldValues, body []byte, macFor func(terminalID string) (MAC, error)) error {
	if c.err != nil {
		return c.err
	}
	if err := c.c.unpack(v, body); err != nil {
		return err
	}
	mac := c.mac
	if macFor != nil {
		tid, err := c.c.getString(v, 41)
		if err != nil {
			return fmt.Errorf("%w: field 41: %w", ErrUnpack, err)
		}
		tid = strings.TrimRight(tid, " ")
		if mac, err = macFor(tid); err != nil {
			return fmt.Errorf("%w: no MAC key for terminal %q: %w", ErrMAC, tid, err)
		}
	}
	if f := v.macField(); v.isSet[f] {
		return verifyMAC(mac, v.bin[f], body, f)
	}
	return nil
}

// verifyMAC checks the MAC field value got of body with mac.
func verifyMAC(mac MAC, got, body []byte, macField int) error {
	if mac == nil {
		return fmt.Errorf("%w: field %d present but no MAC key configured", ErrMAC, macField)
	}
	n := len(body) - MACSize
	// The MAC field is the message's last, so it must be the last 8
	// bytes; anything else means bytes trail the message.
	if n < 0 || subtle.ConstantTimeCompare(got, body[n:]) != 1 {
		return fmt.Errorf("%w: field %d is not the last %d bytes (data trails the message)", ErrUnpack, macField, MACSize)
	}
	if v, ok := mac.(MACVerifier); ok {
		if err := v.VerifyMAC(body[:n], got); err != nil {
			return fmt.Errorf("%w (field %d): %w", ErrMAC, macField, err)
		}
		return nil
	}
	want, err := mac.MAC(body[:n])
	if err != nil {
		return fmt.Errorf("%w: %w", ErrMAC, err)
	}
	if subtle.ConstantTimeCompare(got, want[:]) != 1 {
		return fmt.Errorf("%w (field %d)", ErrMAC, macField)
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

// UnpackUnverified unpacks a message body without verifying its MAC:
// for tools, logs and captures (DescribeFrame, isodecode), never for
// deciding anything about the money.
func (c *Codec) UnpackUnverified(body []byte) (*Message, error) {
	if c.err != nil {
		return nil, c.err
	}
	m := &Message{}
	if err := c.c.unpack(&m.v, body); err != nil {
		return nil, err
	}
	return m, nil
}

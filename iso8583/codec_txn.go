package iso8583

import (
	"fmt"
)

// PackTransaction checks t against its kind and packs it into a message
// body (MTI onward), computing field 64 when the kind requires a MAC.
func (c *Codec) PackTransaction(t *Transaction) ([]byte, error) {
	if c.err != nil {
		return nil, c.err
	}
	d := t.withDefaults()
	if err := d.checkMTI(); err != nil {
		return nil, err
	}
	withMAC := d.macExpected()
	var v fieldValues
	if err := d.fill(&v, withMAC, c.c.ksn); err != nil {
		return nil, err
	}
	if err := d.checkRequired(&v); err != nil {
		return nil, err
	}
	if withMAC && c.mac == nil {
		return nil, fmt.Errorf("%w: field %d present but no MAC key configured", ErrMAC, v.macField())
	}
	body, err := c.c.pack(make([]byte, 0, 512), &v)
	if err != nil {
		return nil, err
	}
	if withMAC {
		if _, err := c.seal(body); err != nil {
			return nil, err
		}
	}
	return body, nil
}

// Pack packs t and wraps it in the codec's framing: the whole frame, ready
// to write to the connection.
func (c *Codec) Pack(env Envelope, t *Transaction) ([]byte, error) {
	body, err := c.PackTransaction(t)
	if err != nil {
		return nil, err
	}
	return c.Frame(env, body)
}

// UnpackTransaction unpacks a message body into a Transaction, verifying
// its MAC. A request whose kind requires a MAC, or an approved response
// to one, without its MAC field is ErrMAC.
func (c *Codec) UnpackTransaction(body []byte) (*Transaction, error) {
	return c.unpackTransaction(body, nil)
}

// UnpackTransactionFor is UnpackTransaction for a host serving many
// terminals, each with its own MAK: it unpacks body once, calls macFor
// with the terminal ID from field 41 (trailing spaces removed), and
// verifies the MAC with the MAC macFor returns instead of the codec's.
// macFor is called for every message that unpacks, with or without a
// MAC, so it is also the place to look up the terminal's other state; an
// error from it is returned wrapped in ErrMAC (errors.Is finds both), and
// a nil MAC fails any message that carries a MAC field.
//
// This replaces scanning fields 11 and 41 before unpacking, which cost as
// much as the unpack itself.
func (c *Codec) UnpackTransactionFor(body []byte, macFor func(terminalID string) (MAC, error)) (*Transaction, error) {
	if macFor == nil {
		return nil, fmt.Errorf("%w: UnpackTransactionFor without a MAC lookup", ErrMAC)
	}
	return c.unpackTransaction(body, macFor)
}

func (c *Codec) unpackTransaction(body []byte, macFor func(string) (MAC, error)) (*Transaction, error) {
	var v fieldValues
	if err := c.unpack(&v, body, macFor); err != nil {
		return nil, err
	}
	t, err := fromValues(c.c, &v)
	if err != nil {
		return nil, err
	}
	f := v.macField()
	if t.macExpected() && !v.isSet[f] {
		return nil, fmt.Errorf("%w: %s %s without field %d", ErrMAC, t.Kind, t.MTI, f)
	}
	t.MACVerified = v.isSet[f]
	return t, nil
}

// Unpack takes a whole frame (as ReadFrame returns it) apart: envelope and
// verified transaction.
func (c *Codec) Unpack(frame []byte) (Envelope, *Transaction, error) {
	env, body, err := c.Unframe(frame)
	if err != nil {
		return env, nil, err
	}
	t, err := c.UnpackTransaction(body)
	return env, t, err
}

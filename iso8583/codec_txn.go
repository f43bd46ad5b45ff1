package iso8583

import (
	"fmt"
	"strings"
)

// PackTransaction checks t against its kind and packs it into a message
// body (MTI onward), computing field 64 when the kind requires a MAC.
func (c *Codec) PackTransaction(t *Transaction) ([]byte, error) {
	d := t.withDefaults()
	if err := d.checkMTI(); err != nil {
		return nil, err
	}
	withMAC := d.macExpected()
	var v fieldValues
	if err := d.fill(&v, withMAC); err != nil {
		return nil, err
	}
	if err := d.checkRequired(v.present); err != nil {
		return nil, err
	}
	if c.flat == nil {
		m, err := v.message(c.spec)
		if err != nil {
			return nil, err
		}
		return c.PackMessage(m)
	}
	if withMAC && c.mac == nil {
		return nil, fmt.Errorf("%w: field %d present but no MAC key configured", ErrMAC, c.macField)
	}
	body, err := c.flat.pack(&v)
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
// field 64. A request whose kind requires a MAC, or an approved response
// to one, without field 64 is ErrMAC.
func (c *Codec) UnpackTransaction(body []byte) (*Transaction, error) {
	return c.unpackTransaction(body, nil)
}

// UnpackTransactionFor is UnpackTransaction for a host serving many
// terminals, each with its own MAK: it unpacks body once, calls macFor
// with the terminal ID from field 41 (trailing spaces removed), and
// verifies field 64 with the MAC macFor returns instead of the codec's.
// macFor is called for every message that unpacks, with or without field
// 64, so it is also the place to look up the terminal's other state; an
// error from it is returned wrapped in ErrMAC (errors.Is finds both), and
// a nil MAC fails any message that carries field 64.
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
	if c.flat != nil {
		return c.unpackFlat(body, macFor)
	}
	m, err := c.unpackMessage(body, macFor)
	if err != nil {
		return nil, err
	}
	t, err := fromMessage(m)
	if err != nil {
		return nil, err
	}
	if t.macExpected() && m.GetField(c.macField) == nil {
		return nil, fmt.Errorf("%w: %s %s without field %d", ErrMAC, t.Kind, t.MTI, c.macField)
	}
	t.MACVerified = m.GetField(c.macField) != nil
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

// unpackFlat is unpackTransaction without a moov Message, for flat specs.
func (c *Codec) unpackFlat(body []byte, macFor func(string) (MAC, error)) (*Transaction, error) {
	f := c.flat
	var v fieldValues
	if err := f.unpack(&v, body); err != nil {
		return nil, err
	}
	mac := c.mac
	if macFor != nil {
		tid, err := f.getString(&v, 41)
		if err != nil {
			return nil, fmt.Errorf("%w: field 41: %w", ErrUnpack, err)
		}
		tid = strings.TrimRight(tid, " ")
		if mac, err = macFor(tid); err != nil {
			return nil, fmt.Errorf("%w: no MAC key for terminal %q: %w", ErrMAC, tid, err)
		}
	}
	if v.isSet[64] {
		if err := verifyMAC(mac, f.getBytes(&v, 64), body, c.macField); err != nil {
			return nil, err
		}
	}
	t, err := fromFields(
		func(id int) (string, error) { return f.getString(&v, id) },
		func(id int) []byte { return f.getBytes(&v, id) })
	if err != nil {
		return nil, err
	}
	if t.macExpected() && !v.isSet[64] {
		return nil, fmt.Errorf("%w: %s %s without field %d", ErrMAC, t.Kind, t.MTI, c.macField)
	}
	t.MACVerified = v.isSet[64]
	return t, nil
}

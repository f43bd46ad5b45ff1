package qr

import (
	"encoding/base64"
	"fmt"

	"github.com/possdk/pos/tlv"
)

// AppendTLV appends c as BER-TLV: 85 (PayloadFormat, "CPV01" when empty), each
// application template, then the common data template, elements in their
// order. A transparent template element (63, 64) holds encoded TLV, which
// is checked. Minimal lengths are written, so a decoded payload that used
// minimal lengths encodes back byte for byte.
func (c *CPM) AppendTLV(dst []byte) ([]byte, error) {
	if len(c.Apps) == 0 {
		return dst, fmt.Errorf("%w: no application template (61)", ErrMissing)
	}
	format := c.PayloadFormat
	if format == "" {
		format = CPMFormatIndicator
	}
	start := len(dst)
	b := tlv.NewBuilder(dst)
	b.Add(TagPayloadFormat, []byte(format))
	for i := range c.Apps {
		b.AddConstructed(TagApplication, func(b *tlv.Builder) { addElements(b, c.Apps[i].Elements) })
	}
	if c.Common != nil {
		b.AddConstructed(TagCommonData, func(b *tlv.Builder) { addElements(b, c.Common.Elements) })
	}
	out, err := b.Bytes()
	if err != nil {
		return dst[:start], fmt.Errorf("%w: %w", ErrTLV, err)
	}
	return out, nil
}

func addElements(b *tlv.Builder, elems []Element) {
	for _, e := range elems {
		if e.Tag.Constructed() {
			b.AddConstructed(e.Tag, func(b *tlv.Builder) { b.AddRaw(e.Value) })
			continue
		}
		b.Add(e.Tag, e.Value)
	}
}

// Append appends c as base64 text (standard alphabet, padded), the form a
// wallet puts in its QR code.
func (c *CPM) Append(dst []byte) ([]byte, error) {
	raw, err := c.AppendTLV(nil)
	if err != nil {
		return dst, err
	}
	return base64.StdEncoding.AppendEncode(dst, raw), nil
}

// Encode returns c as base64 text.
func (c *CPM) Encode() (string, error) {
	b, err := c.Append(nil)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

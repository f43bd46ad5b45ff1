package qr

import (
	"encoding/base64"
	"fmt"

	"github.com/possdk/pos/tlv"
)

// Consumer-presented mode (EMV QRCPS-CPM v1.1): the wallet shows base64
// text of BER-TLV data objects encoded by EMV Book 3 rules:
//
//	85 Payload Format Indicator "CPV01"   mandatory, first
//	61 Application Template               one or more
//	   4F ADF name (AID), 50 label, 57 track 2 equivalent, 5A PAN,
//	   5F20, 5F2D, 5F50, 9F08, 9F19, 9F24, 9F25 ...
//	   63 Application Specific Transparent Template (9F26, 9F27, 9F10, 9F36, 82 ...)
//	62 Common Data Template                optional, once
//	   the same tags, and 64 Common Data Transparent Template
//
// There is no CRC: the application cryptogram protects the data.

// CPM tags.
const (
	TagPayloadFormat   tlv.Tag = 0x85
	TagApplication     tlv.Tag = 0x61
	TagCommonData      tlv.Tag = 0x62
	TagAppTransparent  tlv.Tag = 0x63
	TagCommonTransp    tlv.Tag = 0x64
	TagAID             tlv.Tag = 0x4F
	TagLabel           tlv.Tag = 0x50
	TagTrack2          tlv.Tag = 0x57
	TagPAN             tlv.Tag = 0x5A
	TagCardholderName  tlv.Tag = 0x5F20
	TagLanguage        tlv.Tag = 0x5F2D
	TagIssuerURL       tlv.Tag = 0x5F50
	TagAppVersion      tlv.Tag = 0x9F08
	TagTokenRequestor  tlv.Tag = 0x9F19
	TagPAR             tlv.Tag = 0x9F24
	TagLast4           tlv.Tag = 0x9F25
	CPMFormatIndicator         = "CPV01"
)

// Element is one data object of a CPM template: its tag and raw value. A
// transparent template (63 or 64) is kept as one Element whose value is its
// encoded content. Printing an Element masks PAN and track data.
type Element struct {
	Tag   tlv.Tag
	Value []byte
}

// Template is an Application Template (61) or the Common Data Template
// (62): its elements in payload order.
type Template struct {
	Elements []Element
}

// Get returns the value of tag in the template itself or, failing that,
// inside its transparent template (63 or 64).
func (t *Template) Get(tag tlv.Tag) ([]byte, bool) {
	for _, e := range t.Elements {
		if e.Tag == tag {
			return e.Value, true
		}
	}
	if tr, ok := t.transparent(); ok {
		// Decode validated the transparent template's content.
		if v, ok, err := tlv.Find(tr, tag); err == nil && ok {
			return v, true
		}
	}
	return nil, false
}

func (t *Template) transparent() ([]byte, bool) {
	for _, e := range t.Elements {
		if e.Tag == TagAppTransparent || e.Tag == TagCommonTransp {
			return e.Value, true
		}
	}
	return nil, false
}

// CPM is a decoded consumer-presented payload. It can be reused: Decode
// into the same value allocates nothing once its buffers have grown.
// Element values point into an internal buffer that the next Decode
// overwrites. Printing a CPM (or logging it with slog) masks PAN and track
// data.
type CPM struct {
	PayloadFormat string     // 85: "CPV01"
	Apps          []Template // 61 templates, in payload order
	Common        *Template  // 62, nil when absent

	raw    []byte
	pool   []Element
	common Template
}

// ParseCPM decodes a base64 CPM payload; see CPM.Decode.
func ParseCPM(s string) (*CPM, error) {
	c := new(CPM)
	if err := c.Decode(s); err != nil {
		return nil, err
	}
	return c, nil
}

// Decode parses base64 text (standard alphabet, padding optional) into c
// and checks it: well-formed BER-TLV (no padding bytes, no indefinite
// lengths), 85 = "CPV01" first, at least one 61, at most one 62, only those
// three at the top level, a tag at most once per template, 63 only in 61
// and 64 only in 62, an AID (4F) in every 61, and a PAN (5A) or track 2
// equivalent (57) for every application, in its template or the common one.
// Errors wrap ErrBase64, ErrTLV (and the tlv error), ErrCPM, ErrDuplicate
// or ErrMissing and name the byte offset in the decoded data.
func (c *CPM) Decode(s string) error {
	c.PayloadFormat, c.Apps, c.Common, c.pool = "", c.Apps[:0], nil, c.pool[:0]
	enc := base64.StdEncoding
	if len(s)%4 != 0 {
		enc = base64.RawStdEncoding
	}
	n := enc.DecodedLen(len(s))
	if cap(c.raw) < n {
		c.raw = make([]byte, n)
	}
	raw := c.raw[:n]
	n, err := enc.Decode(raw, []byte(s))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBase64, err)
	}
	raw = raw[:n]
	if n == 0 {
		return fmt.Errorf("%w: empty payload", ErrCPM)
	}
	if err := tlv.Validate(raw, tlv.NoZeroPadding); err != nil {
		return fmt.Errorf("%w: %w", ErrTLV, err)
	}
	type span struct{ start, end int }
	var apps [maxCPMApps]span
	var common span
	napps, hasCommon := 0, false
	sc := tlv.NewScanner(raw, tlv.NoZeroPadding)
	for i := 0; sc.Next(); i++ {
		switch tag := sc.Tag(); {
		case i == 0 && tag != TagPayloadFormat:
			return fmt.Errorf("%w: first data object is %s at offset %d, want 85 (payload format indicator)", ErrCPM, tag, sc.Offset())
		case tag == TagPayloadFormat:
			if i != 0 {
				return fmt.Errorf("%w: 85 again at offset %d", ErrDuplicate, sc.Offset())
			}
			if string(sc.Value()) != CPMFormatIndicator {
				return fmt.Errorf("%w: payload format indicator %q at offset %d, want %q", ErrCPM, sc.Value(), sc.Offset(), CPMFormatIndicator)
			}
			c.PayloadFormat = CPMFormatIndicator
		case tag == TagApplication:
			if hasCommon {
				return fmt.Errorf("%w: application template at offset %d after the common data template", ErrCPM, sc.Offset())
			}
			if napps == maxCPMApps {
				return fmt.Errorf("%w: more than %d application templates", ErrCPM, maxCPMApps)
			}
			start := len(c.pool)
			if err := c.decodeTemplate(sc.Descend(), tag, sc.Offset()); err != nil {
				return err
			}
			apps[napps] = span{start, len(c.pool)}
			napps++
		case tag == TagCommonData:
			if hasCommon {
				return fmt.Errorf("%w: 62 again at offset %d", ErrDuplicate, sc.Offset())
			}
			start := len(c.pool)
			if err := c.decodeTemplate(sc.Descend(), tag, sc.Offset()); err != nil {
				return err
			}
			common, hasCommon = span{start, len(c.pool)}, true
		default:
			return fmt.Errorf("%w: tag %s at offset %d is not allowed at the top level (85, 61, 62)", ErrCPM, tag, sc.Offset())
		}
	}
	if napps == 0 {
		return fmt.Errorf("%w: no application template (61)", ErrMissing)
	}
	for _, a := range apps[:napps] {
		c.Apps = append(c.Apps, Template{Elements: c.pool[a.start:a.end:a.end]})
	}
	if hasCommon {
		c.common = Template{Elements: c.pool[common.start:common.end:common.end]}
		c.Common = &c.common
	}
	for i := range c.Apps {
		if _, ok := c.Apps[i].Get(TagAID); !ok {
			return fmt.Errorf("%w: application %d has no AID (4F)", ErrMissing, i+1)
		}
		_, pan := c.Lookup(i, TagPAN)
		_, t2 := c.Lookup(i, TagTrack2)
		if !pan && !t2 {
			return fmt.Errorf("%w: application %d has neither a PAN (5A) nor track 2 equivalent data (57)", ErrMissing, i+1)
		}
	}
	return nil
}

// maxCPMApps bounds the application templates one payload may carry.
const maxCPMApps = 16

// decodeTemplate appends the elements of a 61 or 62 template to c.pool.
func (c *CPM) decodeTemplate(sc tlv.Scanner, tmpl tlv.Tag, off int) error {
	start := len(c.pool)
	allowed := TagAppTransparent
	if tmpl == TagCommonData {
		allowed = TagCommonTransp
	}
	for sc.Next() {
		tag := sc.Tag()
		for _, e := range c.pool[start:] {
			if e.Tag == tag {
				return fmt.Errorf("%w: tag %s again at offset %d in template %s at offset %d", ErrDuplicate, tag, sc.Offset(), tmpl, off)
			}
		}
		if sc.Constructed() {
			if tag != allowed {
				return fmt.Errorf("%w: constructed tag %s at offset %d in template %s (only %s is allowed there)", ErrCPM, tag, sc.Offset(), tmpl, allowed)
			}
			if err := noDuplicates(sc.Descend(), tag); err != nil {
				return err
			}
		}
		c.pool = append(c.pool, Element{Tag: tag, Value: sc.Value()})
	}
	return sc.Err() // nil: Validate walked this already
}

// noDuplicates checks one level of a transparent template.
func noDuplicates(sc tlv.Scanner, tmpl tlv.Tag) error {
	var seen [32]tlv.Tag
	n := 0
	for sc.Next() {
		for _, t := range seen[:min(n, len(seen))] {
			if t == sc.Tag() {
				return fmt.Errorf("%w: tag %s again at offset %d in template %s", ErrDuplicate, sc.Tag(), sc.Offset(), tmpl)
			}
		}
		if n < len(seen) {
			seen[n] = sc.Tag()
		}
		n++
	}
	return sc.Err()
}

// Lookup returns tag's value for application i: from its 61 template (or
// its 63), else from the common data template (or its 64), as the spec
// lets data shared by all applications sit in 62.
func (c *CPM) Lookup(i int, tag tlv.Tag) ([]byte, bool) {
	if i < 0 || i >= len(c.Apps) {
		return nil, false
	}
	if v, ok := c.Apps[i].Get(tag); ok {
		return v, true
	}
	if c.Common != nil {
		return c.Common.Get(tag)
	}
	return nil, false
}

// AID returns application i's ADF name (4F).
func (c *CPM) AID(i int) []byte {
	v, _ := c.Lookup(i, TagAID)
	return v
}

// Label returns application i's label (50).
func (c *CPM) Label(i int) string {
	v, _ := c.Lookup(i, TagLabel)
	return string(v)
}

// PAN returns application i's PAN (5A, or the PAN part of 57 when 5A is
// absent). The value masks itself when printed.
func (c *CPM) PAN(i int) PAN {
	if v, ok := c.Lookup(i, TagPAN); ok {
		return PAN{digits: bcdDigits(v)}
	}
	if t2, ok := c.Lookup(i, TagTrack2); ok {
		d := bcdDigits(t2)
		for k := 0; k < len(d); k++ {
			if d[k] == 'D' {
				return PAN{digits: d[:k]}
			}
		}
	}
	return PAN{}
}

// Track2 returns application i's track 2 equivalent data (57), masked
// when printed.
func (c *CPM) Track2(i int) Track2 {
	v, _ := c.Lookup(i, TagTrack2)
	return Track2{data: v}
}

// AppendICCData appends the chip data a terminal forwards in its
// authorisation request (ISO 8583 field 55) for application i: the content
// of its 63 template, then that of the common 64, as BER-TLV. A tag found
// in both is taken from 63 only.
func (c *CPM) AppendICCData(dst []byte, i int) []byte {
	if i < 0 || i >= len(c.Apps) {
		return dst
	}
	app, _ := c.Apps[i].transparent()
	dst = append(dst, app...)
	if c.Common == nil {
		return dst
	}
	common, _ := c.Common.transparent()
	sc := tlv.NewScanner(common)
	for sc.Next() {
		if _, dup, _ := tlv.Find(app, sc.Tag()); !dup {
			dst = append(dst, sc.Raw()...)
		}
	}
	return dst
}

// bcdDigits renders packed BCD (cn) as digits and upper-case hex letters,
// dropping trailing F padding.
func bcdDigits(b []byte) string {
	d := make([]byte, 0, 2*len(b))
	for _, x := range b {
		d = append(d, hexUpper[x>>4], hexUpper[x&0x0F])
	}
	for len(d) > 0 && d[len(d)-1] == 'F' {
		d = d[:len(d)-1]
	}
	return string(d)
}

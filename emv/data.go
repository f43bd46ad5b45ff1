package emv

import (
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"

	"github.com/possdk/pos/tlv"
)

// Data is the set of data objects a kernel or host has for one transaction,
// keyed by tag: card responses merged with AddTLV, terminal values set
// directly. It is not safe for concurrent writes.
type Data map[tlv.Tag][]byte

// AddTLV adds every primitive object of b (constructed templates are
// walked, not stored). Values are copied, so b may be reused. The first
// value of a tag wins and the tags seen again are returned: EMV Book 3
// §10.2 makes a repeated card data object an error the kernel decides on.
func (d Data) AddTLV(b []byte) (duplicates []tlv.Tag, err error) {
	var walk func(s tlv.Scanner) error
	walk = func(s tlv.Scanner) error {
		for s.Next() {
			if s.Constructed() {
				if err := walk(s.Descend()); err != nil {
					return err
				}
				continue
			}
			if _, ok := d[s.Tag()]; ok {
				duplicates = append(duplicates, s.Tag())
				continue
			}
			d[s.Tag()] = append([]byte(nil), s.Value()...)
		}
		return s.Err()
	}
	return duplicates, walk(tlv.NewScanner(b))
}

// Source returns a value source for tlv.DOL.Append that formats values by
// their dictionary format (n right-justified, cn F-padded, others
// left-justified; EMV Book 3 §5.4). Tags not in the dictionary are binary.
func (d Data) Source(s Scheme) func(tlv.Tag) ([]byte, tlv.Format, bool) {
	return func(t tlv.Tag) ([]byte, tlv.Format, bool) {
		v, ok := d[t]
		if !ok {
			return nil, tlv.FormatBinary, false
		}
		e, _ := LookupScheme(t, s)
		return v, e.Format, true
	}
}

// FillDOL appends the DOL-related data for dol (PDOL, CDOL1/2, DDOL,
// TDOL) from d: what GET PROCESSING OPTIONS, GENERATE AC and INTERNAL
// AUTHENTICATE send.
func (d Data) FillDOL(dst []byte, dol tlv.DOL, s Scheme) []byte {
	return dol.Append(dst, d.Source(s))
}

// FillDOLBytes parses a DOL as the card sent it (9F38, 8C ...) and fills it.
func (d Data) FillDOLBytes(dst []byte, dol []byte, s Scheme) ([]byte, error) {
	l, err := tlv.ParseDOL(dol)
	if err != nil {
		return dst, fmt.Errorf("emv: DOL: %w", err)
	}
	return d.FillDOL(dst, l, s), nil
}

// String lists the tags held and their lengths, never values: a Data holds
// PANs, track data and cryptograms.
func (d Data) String() string {
	tags := make([]tlv.Tag, 0, len(d))
	for t := range d {
		tags = append(tags, t)
	}
	slices.Sort(tags)
	var b strings.Builder
	fmt.Fprintf(&b, "emv.Data{%d tags:", len(d))
	for _, t := range tags {
		fmt.Fprintf(&b, " %s(%d)", t, len(d[t]))
	}
	b.WriteString("}")
	return b.String()
}

// Format prints String for every verb, so no verb prints values.
func (d Data) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, d.String()) }

// LogValue logs String.
func (d Data) LogValue() slog.Value { return slog.StringValue(d.String()) }

// MarshalText gives String to encoding/json and encoding/xml, so card data
// (5A, 57, 5F20…) never leaves as JSON.
func (d Data) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

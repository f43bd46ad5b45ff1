package qr

import (
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"

	"github.com/possdk/pos/tlv"
)

// PAN is a primary account number read from a CPM payload. It prints
// masked (first 6 and last 4 digits, PCI DSS 3.4) through String, every fmt
// verb and slog; Digits gives the full number to code that needs it.
type PAN struct{ digits string }

// Digits returns the full PAN. Do not log it.
func (p PAN) Digits() string { return p.digits }

// IsZero reports whether there is no PAN.
func (p PAN) IsZero() bool { return p.digits == "" }

// String returns the masked PAN: "476173******0010".
func (p PAN) String() string { return maskDigits(p.digits) }

// Format masks for every verb, %#v and %x included.
func (p PAN) Format(f fmt.State, _ rune) { fmt.Fprint(f, p.String()) }

// LogValue masks for slog.
func (p PAN) LogValue() slog.Value { return slog.StringValue(p.String()) }

func maskDigits(d string) string {
	if len(d) < 11 {
		return strings.Repeat("*", len(d))
	}
	return d[:6] + strings.Repeat("*", len(d)-10) + d[len(d)-4:]
}

// Track2 is track 2 equivalent data (tag 57). It never prints: String,
// fmt and slog show only its length and the masked PAN.
type Track2 struct{ data []byte }

// Bytes returns the raw track 2 equivalent data. Do not log it.
func (t Track2) Bytes() []byte { return t.data }

// String returns "track2(19 bytes, PAN 476173******0010)".
func (t Track2) String() string {
	if len(t.data) == 0 {
		return "track2(none)"
	}
	pan := bcdDigits(t.data)
	if i := strings.IndexByte(pan, 'D'); i >= 0 {
		pan = pan[:i]
	}
	return fmt.Sprintf("track2(%d bytes, PAN %s)", len(t.data), maskDigits(pan))
}

// Format masks for every verb.
func (t Track2) Format(f fmt.State, _ rune) { fmt.Fprint(f, t.String()) }

// LogValue masks for slog.
func (t Track2) LogValue() slog.Value { return slog.StringValue(t.String()) }

// Cardholder-data tags a CPM application template may carry besides the
// CPM tags (EMV Book 3 Annex A; 9F6B is Mastercard's Track 2 Data). qr
// imports only tlv, so it names them here; a test checks them against
// package emv's constants.
const (
	tagTrack1Data             tlv.Tag = 0x56
	tagTrack2Data             tlv.Tag = 0x9F6B
	tagTrack1Discretionary    tlv.Tag = 0x9F1F
	tagTrack2Discretionary    tlv.Tag = 0x9F20
	tagCardholderNameExtended tlv.Tag = 0x9F0B
)

// sensitiveTag reports tags whose values are cardholder data that must not
// print: PAN, track 1/2 data and their equivalents, cardholder name.
func sensitiveTag(t tlv.Tag) bool {
	switch t {
	case TagPAN, TagTrack2, tagTrack1Data, tagTrack2Data, tagTrack1Discretionary, tagTrack2Discretionary, TagCardholderName, tagCardholderNameExtended:
		return true
	}
	return false
}

// String renders the element as "5A=476173******0010", or tag=hex for
// other tags; PAN and track data are masked.
func (e Element) String() string {
	switch {
	case e.Tag == TagPAN:
		return e.Tag.String() + "=" + maskDigits(bcdDigits(e.Value))
	case e.Tag == TagTrack2:
		return e.Tag.String() + "=" + Track2{data: e.Value}.String()
	case sensitiveTag(e.Tag):
		return fmt.Sprintf("%s=<%d bytes masked>", e.Tag, len(e.Value))
	}
	return e.Tag.String() + "=" + strings.ToUpper(hex.EncodeToString(e.Value))
}

// Format masks for every verb.
func (e Element) Format(f fmt.State, _ rune) { fmt.Fprint(f, e.String()) }

// LogValue masks for slog.
func (e Element) LogValue() slog.Value { return slog.StringValue(e.String()) }

// String lists the elements, masked.
func (t Template) String() string {
	parts := make([]string, len(t.Elements))
	for i, e := range t.Elements {
		parts[i] = e.String()
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// Format masks for every verb.
func (t Template) Format(f fmt.State, _ rune) { fmt.Fprint(f, t.String()) }

// LogValue masks for slog.
func (t Template) LogValue() slog.Value { return slog.StringValue(t.String()) }

// String summarises the payload, masked: "CPV01 61[...] 61[...] 62[...]".
func (c CPM) String() string {
	var b strings.Builder
	b.WriteString(c.PayloadFormat)
	for i := range c.Apps {
		b.WriteString(" 61")
		b.WriteString(c.Apps[i].String())
	}
	if c.Common != nil {
		b.WriteString(" 62")
		b.WriteString(c.Common.String())
	}
	return b.String()
}

// Format masks for every verb, so %+v does not reach the raw buffer.
func (c CPM) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }

// LogValue masks for slog.
func (c CPM) LogValue() slog.Value { return slog.StringValue(c.String()) }

// MarshalText gives String to encoding/json and encoding/xml: the PAN
// masked, track 2 equivalent data as its length.
func (e Element) MarshalText() ([]byte, error) { return []byte(e.String()), nil }

// MarshalText gives String to encoding/json and encoding/xml.
func (t Template) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// MarshalText gives String to encoding/json and encoding/xml: a payload
// never leaves as JSON with its card data.
func (c CPM) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// MarshalText gives the masked PAN to encoding/json and encoding/xml.
func (p PAN) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// MarshalText gives String to encoding/json and encoding/xml.
func (t Track2) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// String summarises what was scanned with the payment code masked and a
// CPM as its masked summary.
func (s Scanned) String() string {
	switch {
	case !s.Code.IsZero():
		return "qr.Scanned{" + s.Kind.String() + " " + s.Code.String() + "}"
	case s.CPM != nil:
		return "qr.Scanned{" + s.Kind.String() + " " + s.CPM.String() + "}"
	case s.URL != "":
		return "qr.Scanned{" + s.Kind.String() + " " + s.URL + "}"
	}
	return "qr.Scanned{" + s.Kind.String() + "}"
}

// Format prints String for every verb: under a verb that does not suit
// it, fmt would print the code's characters raw.
func (s Scanned) Format(f fmt.State, _ rune) { fmt.Fprint(f, s.String()) }

// LogValue logs String.
func (s Scanned) LogValue() slog.Value { return slog.StringValue(s.String()) }

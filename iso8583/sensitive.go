package iso8583

import (
	"fmt"
	"io"
	"log/slog"
	"strconv"
)

// PAN is a primary account number. Every way of printing it (String, any
// fmt verb, slog) shows the first 6 and last 4 digits only (PCI DSS 3.4);
// use string(p) for the digits themselves.
type PAN string

// String returns the masked PAN.
func (p PAN) String() string { return maskPAN(string(p)) }

// Format prints the masked PAN for every verb.
func (p PAN) Format(f fmt.State, _ rune) { io.WriteString(f, p.String()) }

// LogValue logs the masked PAN.
func (p PAN) LogValue() slog.Value { return slog.StringValue(p.String()) }

func maskPAN(s string) string {
	if len(s) < 13 {
		// Too short to show 10 digits and still hide the middle.
		return fmt.Sprintf("[%d digits]", len(s))
	}
	b := []byte(s)
	for i := 6; i < len(b)-4; i++ {
		b[i] = '*'
	}
	return string(b)
}

// Track is magnetic-stripe track data (fields 35, 36): '=' separates the
// PAN from the rest. It never prints, not even masked.
type Track string

// String hides the track data.
func (t Track) String() string { return "[track data, " + strconv.Itoa(len(t)) + " chars]" }

// Format hides the track data for every verb.
func (t Track) Format(f fmt.State, _ rune) { io.WriteString(f, t.String()) }

// LogValue hides the track data.
func (t Track) LogValue() slog.Value { return slog.StringValue(t.String()) }

// PINBlock is an encrypted PIN block (field 52). It never prints.
type PINBlock []byte

// String hides the PIN block.
func (p PINBlock) String() string { return "[PIN block]" }

// Format hides the PIN block for every verb.
func (p PINBlock) Format(f fmt.State, _ rune) { io.WriteString(f, p.String()) }

// LogValue hides the PIN block.
func (p PINBlock) LogValue() slog.Value { return slog.StringValue(p.String()) }

// Hidden is binary data that may hold key material or card data (field 62
// working keys, field 55 ICC data with tags 57 and 5A). It prints as its
// length only.
type Hidden []byte

// String hides the bytes.
func (h Hidden) String() string { return "[" + strconv.Itoa(len(h)) + " bytes hidden]" }

// Format hides the bytes for every verb.
func (h Hidden) Format(f fmt.State, _ rune) { io.WriteString(f, h.String()) }

// LogValue hides the bytes.
func (h Hidden) LogValue() slog.Value { return slog.StringValue(h.String()) }

// MarshalText gives the masked PAN to encoding/json and encoding/xml. A
// store that must keep the digits writes them explicitly (see
// Transaction.MarshalStorage); decoding a JSON string into a PAN needs no
// method.
func (p PAN) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// MarshalText hides the track data from encoding/json and encoding/xml.
func (t Track) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// MarshalText hides the PIN block from encoding/json and encoding/xml.
func (p PINBlock) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// MarshalText gives encoding/json and encoding/xml the length only.
func (h Hidden) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

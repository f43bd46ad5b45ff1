package hsm

import (
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
)

// The request types carry a PAN, PIN blocks, track data: every way of
// printing them (String, each fmt verb, slog, JSON, XML) masks the PAN
// (first 6 and last 4 digits, PCI DSS 3.4) and shows the PIN blocks and
// track data as their lengths only. Key blocks print as their header and
// check value (KeyBlock.String).

func maskPAN(s string) string {
	if len(s) < 13 {
		return "[" + strconv.Itoa(len(s)) + " digits]"
	}
	return s[:6] + strings.Repeat("*", len(s)-10) + s[len(s)-4:]
}

func blockLen(b []byte) string { return strconv.Itoa(len(b)) + "-byte block" }

// String summarises the request without card data.
func (r ARQCRequest) String() string {
	return fmt.Sprintf("hsm.ARQCRequest{IMK %v, PAN %s, PSN %q, ARQC %X}", r.IMK, maskPAN(r.PAN), r.PSN, r.ARQC)
}

// Format prints String for every verb.
func (r ARQCRequest) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// LogValue logs String.
func (r ARQCRequest) LogValue() slog.Value { return slog.StringValue(r.String()) }

// MarshalText gives String to encoding/json and encoding/xml.
func (r ARQCRequest) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// String summarises the request without card data.
func (r CardValueRequest) String() string {
	return fmt.Sprintf("hsm.CardValueRequest{%d, key %v, PAN %s, track %d bytes}", r.Kind, r.Key, maskPAN(r.PAN), len(r.Track))
}

// Format prints String for every verb.
func (r CardValueRequest) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// LogValue logs String.
func (r CardValueRequest) LogValue() slog.Value { return slog.StringValue(r.String()) }

// MarshalText gives String to encoding/json and encoding/xml.
func (r CardValueRequest) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// String names the key and the block's length, never the block.
func (r PINBlockRef) String() string {
	return fmt.Sprintf("hsm.PINBlockRef{key %v, format %v, %s}", r.Key.Key, r.Key.Format, blockLen(r.Block))
}

// Format prints String for every verb.
func (r PINBlockRef) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// LogValue logs String.
func (r PINBlockRef) LogValue() slog.Value { return slog.StringValue(r.String()) }

// MarshalText gives String to encoding/json and encoding/xml.
func (r PINBlockRef) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// String summarises the translation without the PAN or the block.
func (r PINTranslation) String() string {
	return fmt.Sprintf("hsm.PINTranslation{from %v format %v, to %v format %v, PAN %s, %s}",
		r.From.Key, r.From.Format, r.To.Key, r.To.Format, maskPAN(r.PAN), blockLen(r.Block))
}

// Format prints String for every verb.
func (r PINTranslation) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// LogValue logs String.
func (r PINTranslation) LogValue() slog.Value { return slog.StringValue(r.String()) }

// MarshalText gives String to encoding/json and encoding/xml.
func (r PINTranslation) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// String summarises the verification without the PAN, the block, the PVV
// or the offset.
func (r PINVerification) String() string {
	return fmt.Sprintf("hsm.PINVerification{method %d, key %v, PAN %s, %s}", r.Method, r.PIN.Key, maskPAN(r.PAN), blockLen(r.Block))
}

// Format prints String for every verb.
func (r PINVerification) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// LogValue logs String.
func (r PINVerification) LogValue() slog.Value { return slog.StringValue(r.String()) }

// MarshalText gives String to encoding/json and encoding/xml.
func (r PINVerification) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// String summarises the script request without the PAN or PIN blocks.
func (r ScriptRequest) String() string {
	return fmt.Sprintf("hsm.ScriptRequest{%02X %02X %02X %02X, PAN %s, PSN %q, %d data bytes, new PIN %v}",
		r.CLA, r.INS, r.P1, r.P2, maskPAN(r.PAN), r.PSN, len(r.Data), r.NewPIN != nil)
}

// Format prints String for every verb.
func (r ScriptRequest) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// LogValue logs String.
func (r ScriptRequest) LogValue() slog.Value { return slog.StringValue(r.String()) }

// MarshalText gives String to encoding/json and encoding/xml.
func (r ScriptRequest) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// String shows the key blocks' headers and check values and field 62's
// length. (Field 62 and the blocks are enciphered — under the TMK and the
// LMK — and JSON keeps them for storage; printing shows neither.)
func (w WorkingKeys) String() string {
	return fmt.Sprintf("hsm.WorkingKeys{mode %v, PIN %v, MAC %v, data %v, field 62 %d bytes}", w.Mode, w.PIN, w.MAC, w.Data, len(w.Field62))
}

// Format prints String for every verb.
func (w WorkingKeys) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, w.String()) }

// LogValue logs String.
func (w WorkingKeys) LogValue() slog.Value { return slog.StringValue(w.String()) }

// Format prints the LMK's check value only: fmt cannot call the key's own
// methods through an unexported field, and %s of a Software held in a
// struct would otherwise print the key's fields.
func (s *Software) Format(f fmt.State, _ rune) {
	if s == nil {
		_, _ = io.WriteString(f, "hsm.Software(nil)")
		return
	}
	_, _ = io.WriteString(f, "hsm.Software{LMK KCV "+s.lmkKCV+"}")
}

// LogValue logs Format's summary.
func (s *Software) LogValue() slog.Value { return slog.StringValue(fmt.Sprint(s)) }

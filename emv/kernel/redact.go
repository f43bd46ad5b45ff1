package kernel

import (
	"fmt"
	"io"
	"log/slog"
)

// String shows the answer with field 55 (issuer authentication data and
// scripts, which may carry an enciphered PIN change) as its length.
func (r OnlineResponse) String() string {
	return fmt.Sprintf("kernel.OnlineResponse{approved %v, ARC %q, auth code %q, field 55 of %d bytes}",
		r.Approved, r.ARC[:], r.AuthCode, len(r.Field55))
}

// Format prints String for every verb.
func (r OnlineResponse) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, r.String()) }

// LogValue logs String.
func (r OnlineResponse) LogValue() slog.Value { return slog.StringValue(r.String()) }

// MarshalText gives String to encoding/json and encoding/xml.
func (r OnlineResponse) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

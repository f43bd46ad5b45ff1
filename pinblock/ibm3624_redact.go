package pinblock

import (
	"fmt"
	"io"
	"log/slog"
)

// String shows the PVK (its check value) only: the validation data is
// often PAN digits, and the decimalization table is a security parameter.
func (p IBM3624) String() string {
	if p.PVK == nil {
		return "pinblock.IBM3624{no PVK}"
	}
	return "pinblock.IBM3624{PVK " + p.PVK.String() + "}"
}

// Format prints String for every verb.
func (p IBM3624) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, p.String()) }

// LogValue logs String.
func (p IBM3624) LogValue() slog.Value { return slog.StringValue(p.String()) }

// MarshalText gives String to encoding/json and encoding/xml.
func (p IBM3624) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

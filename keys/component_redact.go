package keys

import (
	"fmt"
	"io"
	"log/slog"
	"strconv"
)

// A Component is clear key material: every way of printing it (String,
// each fmt verb, slog, JSON, XML) shows its length and check value only.
// Custodians read the bytes from Bytes.

// String shows the component's length and check value, never its bytes.
func (c Component) String() string {
	s := "keys.Component(" + strconv.Itoa(len(c.Bytes)) + " bytes"
	if len(c.CheckValue) > 0 {
		s += fmt.Sprintf(", KCV %X", c.CheckValue)
	}
	return s + ")"
}

// Format writes String for every verb.
func (c Component) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, c.String()) }

// LogValue logs String.
func (c Component) LogValue() slog.Value { return slog.StringValue(c.String()) }

// MarshalText gives String to encoding/json and encoding/xml: a component
// never leaves as JSON or XML.
func (c Component) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

package sim

import (
	"fmt"
	"io"
	"log/slog"
)

// Format prints the card's profile name only. A Card holds its profile
// (PAN, PIN, issuer master keys) in unexported fields, whose own methods
// fmt cannot call: without this, %v of a *Card printed them all.
func (c *Card) Format(f fmt.State, _ rune) {
	if c == nil {
		_, _ = io.WriteString(f, "sim.Card(nil)")
		return
	}
	_, _ = io.WriteString(f, "sim.Card{"+c.profile.Name+"}")
}

// LogValue logs Format's summary.
func (c *Card) LogValue() slog.Value { return slog.StringValue(fmt.Sprint(c)) }

// MarshalText gives Format's summary to encoding/json and encoding/xml.
func (c *Card) MarshalText() ([]byte, error) { return []byte(fmt.Sprint(c)), nil }

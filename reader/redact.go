package reader

import (
	"fmt"
	"io"
	"log/slog"
)

// Format prints the protocol only. A Transport holds the Card it talks to
// (a software card holds a PAN, a PIN and keys), and fmt prints what an
// interface in an unexported field holds, without its methods, under a
// verb that does not suit it (%s).
func (t Transport) Format(f fmt.State, _ rune) {
	_, _ = io.WriteString(f, "reader.Transport{"+t.proto.String()+"}")
}

// LogValue logs Format's summary.
func (t Transport) LogValue() slog.Value { return slog.StringValue(fmt.Sprint(t)) }

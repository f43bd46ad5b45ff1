package link

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
)

// Card, Request and Entry hold card data, PIN blocks and journal payloads
// (which carry PANs). They print, log and marshal masked under every verb:
// the PAN as first 6 / last 4, track, ICC and PIN data as their length only.

// String summarises the card without card data.
func (cd Card) String() string {
	s := "link.Card{PAN " + cd.PAN.String()
	if cd.Track2 != "" {
		s += ", track 2 " + cd.Track2.String()
	}
	if cd.Track3 != "" {
		s += ", track 3 " + cd.Track3.String()
	}
	if len(cd.ICC) > 0 {
		s += ", ICC data " + strconv.Itoa(len(cd.ICC)) + " bytes"
	}
	return s + ", entry " + cd.EntryMode + "}"
}

// Format prints String for every verb.
func (cd Card) Format(f fmt.State, _ rune) { io.WriteString(f, cd.String()) }

// LogValue logs String.
func (cd Card) LogValue() slog.Value { return slog.StringValue(cd.String()) }

// MarshalJSON marshals String: card data never leaves as JSON.
func (cd Card) MarshalJSON() ([]byte, error) { return json.Marshal(cd.String()) }

// String summarises the request: its transaction (masked by iso8583) and
// whether a PIN block came with it.
func (r Request) String() string {
	s := "link.Request{"
	if r.Txn != nil {
		s += r.Txn.String()
	}
	if len(r.PIN) > 0 {
		s += ", PIN block present"
	}
	return s + "}"
}

// Format prints String for every verb.
func (r Request) Format(f fmt.State, _ rune) { io.WriteString(f, r.String()) }

// LogValue logs String.
func (r Request) LogValue() slog.Value { return slog.StringValue(r.String()) }

// MarshalJSON marshals String.
func (r Request) MarshalJSON() ([]byte, error) { return json.Marshal(r.String()) }

// String shows the entry's ID and payload length, never the payload.
func (e Entry) String() string {
	return fmt.Sprintf("link.Entry{ID %016x, %d bytes}", e.ID, len(e.Payload))
}

// Format prints String for every verb.
func (e Entry) Format(f fmt.State, _ rune) { io.WriteString(f, e.String()) }

// LogValue logs String.
func (e Entry) LogValue() slog.Value { return slog.StringValue(e.String()) }

// MarshalJSON marshals String.
func (e Entry) MarshalJSON() ([]byte, error) { return json.Marshal(e.String()) }

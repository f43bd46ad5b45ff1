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

// MarshalText gives String to encoding/xml (and any other text encoder).
func (cd Card) MarshalText() ([]byte, error) { return []byte(cd.String()), nil }

// MarshalText gives String to encoding/xml.
func (r Request) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// MarshalText gives String to encoding/xml.
func (e Entry) MarshalText() ([]byte, error) { return []byte(e.String()), nil }

// String summarises the exchange: both transactions masked (iso8583's
// String), no track, PIN block or ICC data.
func (r Result) String() string {
	s := "link.Result{"
	if r.Request != nil {
		s += "request " + r.Request.String()
	}
	if r.Response != nil {
		s += ", response " + r.Response.String()
	}
	return s + "}"
}

// Format prints String for every verb.
func (r Result) Format(f fmt.State, _ rune) { io.WriteString(f, r.String()) }

// LogValue logs String.
func (r Result) LogValue() slog.Value { return slog.StringValue(r.String()) }

// MarshalText gives String to encoding/json and encoding/xml. A store
// that must keep the exchange writes each transaction's MarshalStorage.
func (r Result) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// String shows the issuer's answer with field 55 as its length.
func (r IssuerResult) String() string {
	return fmt.Sprintf("link.IssuerResult{RC %s, auth code %q, balance %q, ICC %d bytes}", r.RC, r.AuthCode, r.Balance, len(r.ICC))
}

// Format prints String for every verb.
func (r IssuerResult) Format(f fmt.State, _ rune) { io.WriteString(f, r.String()) }

// LogValue logs String.
func (r IssuerResult) LogValue() slog.Value { return slog.StringValue(r.String()) }

// MarshalText gives String to encoding/json and encoding/xml.
func (r IssuerResult) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// The host, its key store and the simulated issuer hold keys (the card
// key, the ZPK, TMKs) and PINs; they hold locks too, so they are used by
// pointer, and their pointer methods print a summary only. Printing one
// with %v while debugging shows no key.

// Format prints the host's ID only.
func (h *Host) Format(f fmt.State, _ rune) {
	if h == nil {
		io.WriteString(f, "link.Host(nil)")
		return
	}
	io.WriteString(f, "link.Host{ID "+strconv.Quote(h.owner)+"}")
}

// LogValue logs the host's ID only.
func (h *Host) LogValue() slog.Value { return slog.StringValue(fmt.Sprint(h)) }

// Format prints the configuration's ID only: it holds the card key (and
// keys and key stores that print their own summaries).
func (c HostConfig) Format(f fmt.State, _ rune) {
	io.WriteString(f, "link.HostConfig{ID "+strconv.Quote(c.ID)+"}")
}

// LogValue logs Format's summary.
func (c HostConfig) LogValue() slog.Value { return slog.StringValue(fmt.Sprint(c)) }

// MarshalJSON marshals Format's summary.
func (c HostConfig) MarshalJSON() ([]byte, error) { return json.Marshal(fmt.Sprint(c)) }

// Format prints the number of terminals only.
func (s *MemoryKeyStore) Format(f fmt.State, _ rune) {
	if s == nil {
		io.WriteString(f, "link.MemoryKeyStore(nil)")
		return
	}
	fmt.Fprintf(f, "link.MemoryKeyStore{%d terminals}", s.terminals())
}

// LogValue logs Format's summary.
func (s *MemoryKeyStore) LogValue() slog.Value { return slog.StringValue(fmt.Sprint(s)) }

// Format prints the number of cards with a PIN only.
func (s *SimIssuer) Format(f fmt.State, _ rune) {
	if s == nil {
		io.WriteString(f, "link.SimIssuer(nil)")
		return
	}
	fmt.Fprintf(f, "link.SimIssuer{%d cards with a PIN}", len(s.PINs))
}

// LogValue logs Format's summary.
func (s *SimIssuer) LogValue() slog.Value { return slog.StringValue(fmt.Sprint(s)) }

// MarshalJSON marshals Format's summary.
func (s *SimIssuer) MarshalJSON() ([]byte, error) { return json.Marshal(fmt.Sprint(s)) }

// MarshalJSON marshals Format's summary.
func (h *Host) MarshalJSON() ([]byte, error) { return json.Marshal(fmt.Sprint(h)) }

// Alarm and Answer carry masked types only, but fmt does not call the
// methods of what a pointer inside a struct points to when the verb does
// not suit it (%s of a struct{A *Alarm} prints the raw fields): they
// format themselves.

// String shows the alarm with the PAN masked.
func (a Alarm) String() string {
	return fmt.Sprintf("link.Alarm{terminal %q, PAN %s, amount %d, %s}", a.Terminal, a.PAN.String(), a.Amount, a.Reason)
}

// Format prints String for every verb.
func (a Alarm) Format(f fmt.State, _ rune) { io.WriteString(f, a.String()) }

// String shows the answer with fields 55 and 62 as their lengths.
func (a Answer) String() string {
	return fmt.Sprintf("link.Answer{RC %s, auth code %q, RRN %q, issuer data %s, keys %s}",
		a.RC, a.AuthCode, a.RRN, a.IssuerData.String(), a.Keys.String())
}

// Format prints String for every verb.
func (a Answer) Format(f fmt.State, _ rune) { io.WriteString(f, a.String()) }

// LogValue logs String.
func (a Answer) LogValue() slog.Value { return slog.StringValue(a.String()) }

// Format prints the terminal ID only: a Client holds the TMK and the
// working keys, and fmt prints what pointers in unexported fields point to
// under a verb that does not suit them (%s of a struct holding one).
func (c *Client) Format(f fmt.State, _ rune) {
	if c == nil {
		io.WriteString(f, "link.Client(nil)")
		return
	}
	io.WriteString(f, "link.Client{terminal "+strconv.Quote(c.cfg.Terminal.TerminalID)+"}")
}

// LogValue logs Format's summary.
func (c *Client) LogValue() slog.Value { return slog.StringValue(fmt.Sprint(c)) }

// String summarises the record: its key, kind, state, amount, the masked
// card and the answer (fields 55 and 62 as lengths).
func (r HostTxn) String() string {
	return fmt.Sprintf("link.HostTxn{%s/%d/%06d %s, %v, state %v, amount %d, card %s, approved %v, %v}",
		r.Key.TID, r.Key.Batch, r.Key.STAN, r.Key.MTI, r.Kind, r.State, r.Amount, r.CardMasked, r.Approved, r.Answer)
}

// Format prints String for every verb (fmt would print the answer's
// hidden fields raw under a verb that does not suit a pointer to it).
func (r HostTxn) Format(f fmt.State, _ rune) { io.WriteString(f, r.String()) }

// Format prints the number of records only.
func (s *MemoryStore) Format(f fmt.State, _ rune) {
	if s == nil {
		io.WriteString(f, "link.MemoryStore(nil)")
		return
	}
	fmt.Fprintf(f, "link.MemoryStore{%d records}", s.Len())
}

// Format prints the limits, never the cards it counts (by PAN).
func (l *Limits) Format(f fmt.State, _ rune) {
	if l == nil {
		io.WriteString(f, "link.Limits(nil)")
		return
	}
	fmt.Fprintf(f, "link.Limits{card %d fen / %d debits, terminal %d fen / %d debits, alarm at %d, window %v}",
		l.CardAmount, l.CardCount, l.TerminalAmount, l.TerminalCount, l.AlarmAmount, l.Window)
}

// LogValue logs Format's summary.
func (l *Limits) LogValue() slog.Value { return slog.StringValue(fmt.Sprint(l)) }

// Format prints the number of terminals only (their key blocks print as
// header and check value through hsm.KeyBlock, but fmt calls no methods
// inside an unexported map).
func (s *MemoryTerminalKeyStore) Format(f fmt.State, _ rune) {
	if s == nil {
		io.WriteString(f, "link.MemoryTerminalKeyStore(nil)")
		return
	}
	fmt.Fprintf(f, "link.MemoryTerminalKeyStore{%d terminals}", s.terminals())
}

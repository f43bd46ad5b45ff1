package iso8583

import "encoding/json"

// MarshalStorage is the JSON of t with every field in full — the PAN's
// digits, track data, PIN block and the bytes of fields 55 and 62 — for
// a store that must keep them (a terminal's reversal journal needs the
// PAN). json.Marshal(t) masks all of those instead (PAN, Track, PINBlock
// and Hidden marshal as their masked String), so a transaction logged or
// exported as JSON shows no card data. What MarshalStorage writes is card
// data: seal it before it reaches a disk (PCI DSS 3.4), and drop the
// sensitive authentication data (tracks, PIN block) first where the rules
// forbid keeping it. UnmarshalStorage (or json.Unmarshal) reads it back.
func (t *Transaction) MarshalStorage() ([]byte, error) {
	type plain Transaction
	// The outer fields, at a shallower depth, take the place of the
	// embedded ones of the same name in encoding/json.
	return json.Marshal(struct {
		*plain
		PAN      string
		Track2   string
		Track3   string
		PINBlock []byte
		ICC      []byte
		Field62  []byte
	}{(*plain)(t), string(t.PAN), string(t.Track2), string(t.Track3), t.PINBlock, t.ICC, t.Field62})
}

// UnmarshalStorage reads what MarshalStorage wrote.
func (t *Transaction) UnmarshalStorage(b []byte) error { return json.Unmarshal(b, t) }

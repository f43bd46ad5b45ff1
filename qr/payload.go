package qr

import (
	"fmt"
	"iter"
	"unicode/utf8"
)

// Payload is a decoded merchant-presented (MPM) payload: the root data
// objects in payload order, raw values kept, templates split into Sub.
// Encoding Objects again (Append) gives back the original text byte for
// byte when its CRC was upper-case hex.
//
// A Payload can be reused: Decode into the same value again and it does not
// allocate once its slices have grown. Values are substrings of the decoded
// text.
type Payload struct {
	// Objects are the root data objects, including ID 63 (CRC) last.
	Objects []Object
	pool    []Object // backing store for every Sub
}

// Parse decodes a merchant-presented payload and checks its CRC.
// See Payload.Decode.
func Parse(s string) (*Payload, error) {
	p := new(Payload)
	if err := p.Decode(s); err != nil {
		return nil, err
	}
	return p, nil
}

// Decode parses s into p, replacing its contents. It checks the structure:
// two-digit IDs and lengths, lengths of 01-99 characters (runes), valid
// UTF-8, at most 512 characters, no ID twice at one level, nested data
// objects well-formed in every template ID (26-51, 62, 64, 80-99), and ID 63
// last with four hexadecimal digits. Errors wrap ErrSyntax, ErrLength,
// ErrTooLong, ErrDuplicate or ErrCRCMissing and name the byte offset.
//
// Then it checks the CRC. A mismatch returns an error wrapping ErrCRC, but p
// is fully decoded, so a caller that must accept a damaged code (to show it,
// or to log it) still can. Decode does not judge content; that is Validate.
func (p *Payload) Decode(s string) error {
	p.Objects, p.pool = p.Objects[:0], p.pool[:0]
	if s == "" {
		return fmt.Errorf("%w: empty payload", ErrSyntax)
	}
	ascii := isASCII(s)
	if n := len(s); n > maxPayloadChars {
		if !ascii {
			n = utf8.RuneCountInString(s)
		}
		if n > maxPayloadChars {
			return fmt.Errorf("%w: %d characters", ErrTooLong, n)
		}
	}
	var seen idSet
	sc := Scanner{s: s, ascii: ascii}
	for sc.Next() {
		id := sc.ID()
		if seen.add(id) {
			return fmt.Errorf("%w: ID %s again at offset %d", ErrDuplicate, id, sc.Offset())
		}
		if n := len(p.Objects); n > 0 && p.Objects[n-1].ID == IDCRC {
			return fmt.Errorf("%w: ID %s at offset %d follows the CRC", ErrCRCMissing, id, sc.Offset())
		}
		o := Object{ID: id, Value: sc.Value()}
		if id.IsTemplate() {
			start := len(p.pool)
			if err := p.decodeTemplate(id, sc.Value(), sc.Offset()+objectHeaderLen, ascii); err != nil {
				return err
			}
			o.Sub = p.pool[start:len(p.pool)] // length only: fixed below
		}
		p.Objects = append(p.Objects, o)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	// The pool may have moved while growing: templates' children sit in it
	// in root order, so point each Sub into its final array.
	k := 0
	for i := range p.Objects {
		if n := len(p.Objects[i].Sub); n > 0 {
			p.Objects[i].Sub = p.pool[k : k+n : k+n]
			k += n
		}
	}
	last := p.Objects[len(p.Objects)-1]
	if last.ID != IDCRC {
		return fmt.Errorf("%w: the last data object is ID %s", ErrCRCMissing, last.ID)
	}
	if len(last.Value) != 4 {
		return fmt.Errorf("%w: ID 63 has length %d, want 04", ErrCRCMissing, utf8.RuneCountInString(last.Value))
	}
	got, ok := parseCRC(last.Value)
	if !ok {
		return fmt.Errorf("%w: value %q at offset %d is not four hexadecimal digits", ErrCRC, last.Value, len(s)-4)
	}
	if want := crcString(s[:len(s)-4]); got != want {
		return fmt.Errorf("%w: payload says %04X, computed %04X", ErrCRC, got, want)
	}
	return nil
}

// decodeTemplate appends the nested objects of template id to p.pool.
func (p *Payload) decodeTemplate(id ID, v string, base int, ascii bool) error {
	var seen idSet
	sc := Scanner{s: v, base: base, ascii: ascii}
	for sc.Next() {
		if seen.add(sc.ID()) {
			return fmt.Errorf("%w: ID %s.%s again at offset %d", ErrDuplicate, id, sc.ID(), sc.Offset())
		}
		p.pool = append(p.pool, Object{ID: sc.ID(), Value: sc.Value()})
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("template %s: %w", id, err)
	}
	return nil
}

// idSet is a set of IDs 00-99.
type idSet [2]uint64

// add inserts id and reports whether it was already present.
func (s *idSet) add(id ID) bool {
	w, b := id/64, uint64(1)<<(id%64)
	had := s[w]&b != 0
	s[w] |= b
	return had
}

// Get returns the root data object with the given ID.
func (p *Payload) Get(id ID) (Object, bool) {
	for _, o := range p.Objects {
		if o.ID == id {
			return o, true
		}
	}
	return Object{}, false
}

// Value returns the value of a root data object, or "" when it is absent.
func (p *Payload) Value(id ID) string {
	o, _ := p.Get(id)
	return o.Value
}

// Sub returns the value of a nested object (for example Sub(62, 5), the
// reference label), or "" when absent.
func (p *Payload) Sub(id, sub ID) string {
	o, _ := p.Get(id)
	s, _ := o.Get(sub)
	return s.Value
}

// Accounts yields the merchant account information objects (IDs 02-51) in
// payload order.
func (p *Payload) Accounts() iter.Seq[Object] {
	return func(yield func(Object) bool) {
		for _, o := range p.Objects {
			if o.ID.IsAccount() && !yield(o) {
				return
			}
		}
	}
}

// Account returns the first merchant account template (26-51) or
// unreserved template (80-99) whose Globally Unique Identifier equals gui,
// ignoring ASCII case (Pix codes carry both "br.gov.bcb.pix" and
// "BR.GOV.BCB.PIX").
func (p *Payload) Account(gui string) (Object, bool) {
	for _, o := range p.Objects {
		if (o.ID >= emvcoFirstTemplateMAI && o.ID <= emvcoLastMAI || o.ID >= emvcoFirstUnreservedID) && equalFold(o.GUI(), gui) {
			return o, true
		}
	}
	return Object{}, false
}

// Append encodes p.Objects onto dst with a fresh CRC; see Append.
func (p *Payload) Append(dst []byte) ([]byte, error) { return Append(dst, p.Objects) }

// String encodes p.Objects with a fresh CRC, or returns "" if they cannot be
// encoded.
func (p *Payload) String() string {
	b, err := p.Append(nil)
	if err != nil {
		return ""
	}
	return string(b)
}

// equalFold compares ASCII strings ignoring case, without allocating.
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

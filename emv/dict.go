package emv

import (
	"slices"
	"sync"

	"github.com/possdk/pos/tlv"
)

// Source says who provides a data object's value (EMV Book 3 Annex A).
type Source uint8

// Data object sources.
const (
	SourceICC      Source = iota + 1 // the card
	SourceTerminal                   // the terminal or its kernel
	SourceIssuer                     // the issuer, through the authorisation response
)

func (s Source) String() string {
	switch s {
	case SourceICC:
		return "ICC"
	case SourceTerminal:
		return "Terminal"
	case SourceIssuer:
		return "Issuer"
	}
	return "unknown"
}

// Charset refines tlv.FormatText into the EMV character sets (Book 3 §4.3).
type Charset uint8

// Character sets of text data elements; CharsetNone for the other formats.
const (
	CharsetNone Charset = iota
	CharsetA            // a: alphabetic
	CharsetAN           // an: alphanumeric
	CharsetANS          // ans: alphanumeric and special (ISO/IEC 8859 common set)
)

// Sensitivity says how a value must be masked when shown.
type Sensitivity uint8

// Sensitivity classes. Describe masks every class but SensitivityNone unless
// it is asked for full values.
const (
	SensitivityNone   Sensitivity = iota
	SensitivityPAN                // show the first 6 and last 4 digits
	SensitivityTrack              // track data: show the masked PAN only
	SensitivityName               // cardholder name: hide entirely
	SensitivitySecret             // PIN data, discretionary track data, ID numbers: hide entirely
)

// Scheme says whose specification defines a data object. Tags in the
// contactless and proprietary ranges mean different things to different
// schemes (9F6E is Mastercard Third Party Data and Visa Form Factor
// Indicator); the dictionary has one entry per scheme.
type Scheme uint8

// Schemes, in lookup preference order for tags with several meanings.
const (
	SchemeEMV        Scheme = iota // EMV Books 1-4 and contactless Books A/B
	SchemeMastercard               // M/Chip and Kernel 2 (EMV Contactless Book C-2)
	SchemeVisa                     // VIS/VCPS and Kernel 3 (Book C-3)
	SchemeUnionPay                 // PBOC 3.0 (JR/T 0025), UnionPay QuickPass, CUP terminal parameters
	SchemeAmex                     // Expresspay, Kernel 4 (Book C-4)
)

func (s Scheme) String() string {
	switch s {
	case SchemeEMV:
		return "EMV"
	case SchemeMastercard:
		return "Mastercard"
	case SchemeVisa:
		return "Visa"
	case SchemeUnionPay:
		return "UnionPay"
	case SchemeAmex:
		return "Amex"
	}
	return "unknown"
}

// SchemeOfAID guesses the scheme from an AID's RID (its first 5 bytes):
// A000000003 Visa, A000000004 Mastercard, A000000333 UnionPay, A000000025
// Amex. Others (and short AIDs) are SchemeEMV.
func SchemeOfAID(aid []byte) Scheme {
	if len(aid) < 5 || aid[0] != 0xA0 || aid[1] != 0 || aid[2] != 0 {
		return SchemeEMV
	}
	switch {
	case aid[3] == 0x00 && aid[4] == 0x03:
		return SchemeVisa
	case aid[3] == 0x00 && aid[4] == 0x04:
		return SchemeMastercard
	case aid[3] == 0x03 && aid[4] == 0x33:
		return SchemeUnionPay
	case aid[3] == 0x00 && aid[4] == 0x25:
		return SchemeAmex
	}
	return SchemeEMV
}

// Entry describes one data object in the dictionary.
type Entry struct {
	Tag    tlv.Tag
	Name   string
	Format tlv.Format // how DOL processing pads the value
	// Charset refines FormatText (a, an, ans).
	Charset Charset
	// MinLen and MaxLen bound the value's length in bytes.
	MinLen, MaxLen int
	Source         Source
	// Template is the template the object usually appears in (70, 77, A5,
	// BF0C, 61, 71/72), 0 when it stands alone or is terminal data.
	Template  tlv.Tag
	Sensitive Sensitivity
	Scheme    Scheme
}

// FormatName is the format as EMV writes it: b, n, cn, a, an or ans.
func (e Entry) FormatName() string {
	if e.Format == tlv.FormatText {
		switch e.Charset {
		case CharsetA:
			return "a"
		case CharsetAN:
			return "an"
		}
		return "ans"
	}
	return e.Format.String()
}

// spec is a table shorthand for Format plus Charset.
type spec uint8

const (
	sB spec = iota
	sN
	sCN
	sA
	sAN
	sANS
)

// row is one line of the dictionary tables (dict_*.go).
type row struct {
	tag      tlv.Tag
	spec     spec
	min, max uint16
	src      Source
	tmpl     tlv.Tag
	sens     Sensitivity
	name     string
}

func (r row) entry(s Scheme) Entry {
	e := Entry{Tag: r.tag, Name: r.name, MinLen: int(r.min), MaxLen: int(r.max),
		Source: r.src, Template: r.tmpl, Sensitive: r.sens, Scheme: s}
	switch r.spec {
	case sN:
		e.Format = tlv.FormatNumeric
	case sCN:
		e.Format = tlv.FormatCompressedNumeric
	case sA:
		e.Format, e.Charset = tlv.FormatText, CharsetA
	case sAN:
		e.Format, e.Charset = tlv.FormatText, CharsetAN
	case sANS:
		e.Format, e.Charset = tlv.FormatText, CharsetANS
	default:
		e.Format = tlv.FormatBinary
	}
	return e
}

// dictionary merges the per-scheme tables once, sorted by tag then scheme.
// It is never written after it is built.
var dictionary = sync.OnceValue(func() []Entry {
	tables := []struct {
		s    Scheme
		rows []row
	}{
		{SchemeEMV, emvRows},
		{SchemeEMV, kernelRows},
		{SchemeMastercard, mastercardRows},
		{SchemeVisa, visaRows},
		{SchemeUnionPay, unionPayRows},
		{SchemeAmex, amexRows},
	}
	var out []Entry
	for _, t := range tables {
		for _, r := range t.rows {
			out = append(out, r.entry(t.s))
		}
	}
	slices.SortStableFunc(out, func(a, b Entry) int {
		if a.Tag != b.Tag {
			if a.Tag < b.Tag {
				return -1
			}
			return 1
		}
		return int(a.Scheme) - int(b.Scheme)
	})
	return out
})

// entriesOf returns the entries for tag, EMV first then by scheme.
func entriesOf(t tlv.Tag) []Entry {
	d := dictionary()
	i, _ := slices.BinarySearchFunc(d, t, func(e Entry, t tlv.Tag) int {
		switch {
		case e.Tag < t:
			return -1
		case e.Tag > t:
			return 1
		}
		return 0
	})
	j := i
	for j < len(d) && d[j].Tag == t {
		j++
	}
	return d[i:j:j]
}

// Lookup returns the dictionary entry for a tag: the EMV meaning when there
// is one, else the first scheme's.
func Lookup(t tlv.Tag) (Entry, bool) {
	es := entriesOf(t)
	if len(es) == 0 {
		return Entry{}, false
	}
	return es[0], true
}

// LookupScheme returns the entry for a tag as the given scheme defines it,
// falling back to Lookup when the scheme has no entry of its own.
func LookupScheme(t tlv.Tag, s Scheme) (Entry, bool) {
	es := entriesOf(t)
	for _, e := range es {
		if e.Scheme == s {
			return e, true
		}
	}
	if len(es) == 0 {
		return Entry{}, false
	}
	return es[0], true
}

// Entries returns a copy of the whole dictionary, sorted by tag then scheme.
func Entries() []Entry { return slices.Clone(dictionary()) }

// Name returns a tag's name, or "" for a tag not in the dictionary.
func Name(t tlv.Tag) string {
	e, _ := Lookup(t)
	return e.Name
}

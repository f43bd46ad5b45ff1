//go:build !386 && !arm && !mips && !mipsle

package moovx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"

	"github.com/possdk/pos/iso8583"
)

// The JSON spec format of moov-io/iso8583 (specs.ImportJSON), with one
// extension key, "x-possdk", that moov ignores: where this package's
// encoding has no exact moov name (F-padded PAN, packed track data with
// '=' as D, GBK text), "enc" names the nearest moov encoding and x-possdk
// the exact one, so moov's tools read the spec and ImportJSON restores it
// exactly.
//
//	x-possdk   enc     what moov does with it
//	PAN:F      LBCD    decodes the F pad; packs a 0 pad
//	PAN:0      LBCD    exact
//	Track:F/0  LBCD    cannot decode '=' (D) or TDK-encrypted nibbles
//	GBK        ASCII   refuses bytes above 0x7F (Chinese text)
//	GBK:fixed  ASCII   the same, space-padded fixed field

type jsonSpec struct {
	Name   string     `json:"name"`
	Fields jsonFields `json:"fields"`
}

type jsonPadding struct {
	Type string `json:"type"`
	Pad  string `json:"pad"`
}

type jsonField struct {
	Type              string       `json:"type"`
	Length            int          `json:"length"`
	Description       string       `json:"description"`
	Enc               string       `json:"enc"`
	Prefix            string       `json:"prefix"`
	Padding           *jsonPadding `json:"padding,omitempty"`
	DisableAutoExpand bool         `json:"disableAutoExpand,omitempty"`
	Possdk            string       `json:"x-possdk,omitempty"`
}

// jsonFields marshals in field-number order, as moov's exporter does.
type jsonFields map[string]*jsonField

func (f jsonFields) MarshalJSON() ([]byte, error) {
	ids := make([]int, 0, len(f))
	for k := range f {
		n, err := strconv.Atoi(k)
		if err != nil {
			return nil, err
		}
		ids = append(ids, n)
	}
	sort.Ints(ids)
	var b bytes.Buffer
	b.WriteByte('{')
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		k := strconv.Itoa(id)
		v, err := json.Marshal(f[k])
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "%q:%s", k, v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// encName returns the moov encoding name of e and, where moov's is not
// exact, the x-possdk name.
func encName(f *iso8583.FieldSpec) (enc, x string, err error) {
	switch f.Packer {
	case nil:
	case iso8583.GBKPacker(false):
		return "ASCII", "GBK", nil
	case iso8583.GBKPacker(true):
		return "ASCII", "GBK:fixed", nil
	default:
		return "", "", fmt.Errorf("%w: field packer %T", ErrUnsupported, f.Packer)
	}
	switch f.Enc {
	case iso8583.BCDEncoder():
		return "BCD", "", nil
	case iso8583.LBCDEncoder():
		return "LBCD", "", nil
	case iso8583.ASCIIEncoder():
		return "ASCII", "", nil
	case iso8583.BinaryEncoder():
		return "Binary", "", nil
	case iso8583.PANEncoder(0xF):
		return "LBCD", "PAN:F", nil
	case iso8583.PANEncoder(0):
		return "LBCD", "PAN:0", nil
	case iso8583.TrackEncoder(0xF):
		return "LBCD", "Track:F", nil
	case iso8583.TrackEncoder(0):
		return "LBCD", "Track:0", nil
	}
	return "", "", fmt.Errorf("%w: encoder %T", ErrUnsupported, f.Enc)
}

// ExportJSON writes s in moov's JSON spec format (see the table above for
// the x-possdk key). moov's specs.ImportJSON loads the result.
func ExportJSON(s *iso8583.Spec) ([]byte, error) {
	out := jsonSpec{Name: s.Name, Fields: jsonFields{
		"1": {Type: "Bitmap", Length: 8, Description: "Bitmap", Enc: "Binary", Prefix: "Binary.Fixed", DisableAutoExpand: !s.SecondaryBitmap},
	}}
	for id, f := range s.Fields {
		enc, x, err := encName(f)
		if err != nil {
			return nil, fmt.Errorf("field %d: %w", id, err)
		}
		jf := &jsonField{Type: "String", Length: f.Length, Description: f.Description, Enc: enc, Prefix: f.Pref.Inspect(), Possdk: x}
		switch {
		case f.Type == iso8583.FieldBinary:
			jf.Type = "Binary"
		case f.Type == iso8583.FieldNumeric && id != 0:
			jf.Type, jf.Padding = "Numeric", &jsonPadding{Type: "Left", Pad: "0"}
		}
		out.Fields[strconv.Itoa(id)] = jf
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "\t")
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

var encoders = map[string]iso8583.Encoder{
	"BCD": iso8583.BCDEncoder(), "LBCD": iso8583.LBCDEncoder(), "ASCII": iso8583.ASCIIEncoder(), "Binary": iso8583.BinaryEncoder(),
	"PAN:F": iso8583.PANEncoder(0xF), "PAN:0": iso8583.PANEncoder(0), "Track:F": iso8583.TrackEncoder(0xF), "Track:0": iso8583.TrackEncoder(0),
}

func prefixer(name string) (iso8583.Prefixer, bool) {
	var fam iso8583.Prefixers
	kind := ""
	switch {
	case len(name) > 4 && name[:4] == "BCD.":
		fam, kind = iso8583.BCDPrefixers(), name[4:]
	case len(name) > 6 && name[:6] == "ASCII.":
		fam, kind = iso8583.ASCIIPrefixers(), name[6:]
	case name == "Binary.Fixed":
		return iso8583.BinaryFixed(), true
	default:
		return nil, false
	}
	p := map[string]iso8583.Prefixer{"Fixed": fam.Fixed, "L": fam.L, "LL": fam.LL, "LLL": fam.LLL, "LLLL": fam.LLLL}[kind]
	return p, p != nil
}

// ImportJSON reads a spec in moov's JSON format (as ExportJSON writes it,
// or written by hand with moov's names) into an iso8583.Spec. It supports
// the binary bitmap, String, Numeric and Binary fields, the BCD, LBCD,
// ASCII and Binary encodings and the BCD, ASCII and Binary.Fixed prefixes;
// anything else is ErrUnsupported, naming the field.
func ImportJSON(data []byte) (*iso8583.Spec, error) {
	var in jsonSpec
	if err := json.Unmarshal(data, &in); err != nil {
		return nil, fmt.Errorf("moovx: spec JSON: %w", err)
	}
	s := &iso8583.Spec{Name: in.Name, Fields: map[int]*iso8583.FieldSpec{}}
	for k, jf := range in.Fields {
		id, err := strconv.Atoi(k)
		if err != nil || id < 0 || id > 128 || jf == nil {
			return nil, fmt.Errorf("%w: field key %q", ErrUnsupported, k)
		}
		if id == 1 {
			if jf.Type != "Bitmap" || jf.Enc != "Binary" || jf.Length != 8 {
				return nil, fmt.Errorf("%w: bitmap %s/%s length %d (binary 8-byte bitmaps only)", ErrUnsupported, jf.Type, jf.Enc, jf.Length)
			}
			s.SecondaryBitmap = !jf.DisableAutoExpand
			continue
		}
		f := &iso8583.FieldSpec{Length: jf.Length, Description: jf.Description}
		switch jf.Type {
		case "String":
		case "Numeric":
			f.Type = iso8583.FieldNumeric
		case "Binary":
			f.Type = iso8583.FieldBinary
		default:
			return nil, fmt.Errorf("%w: field %d type %q", ErrUnsupported, id, jf.Type)
		}
		var ok bool
		if f.Pref, ok = prefixer(jf.Prefix); !ok {
			return nil, fmt.Errorf("%w: field %d prefix %q", ErrUnsupported, id, jf.Prefix)
		}
		name := jf.Enc
		switch jf.Possdk {
		case "":
		case "GBK", "GBK:fixed":
			f.Packer = iso8583.GBKPacker(jf.Possdk == "GBK:fixed")
		default:
			name = jf.Possdk
		}
		if f.Enc, ok = encoders[name]; !ok {
			return nil, fmt.Errorf("%w: field %d encoding %q", ErrUnsupported, id, name)
		}
		s.Fields[id] = f
	}
	return s, nil
}

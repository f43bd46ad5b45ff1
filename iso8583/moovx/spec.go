//go:build !386 && !arm && !mips && !mipsle

package moovx

import (
	"fmt"
	"strings"

	moov "github.com/moov-io/iso8583"
	"github.com/moov-io/iso8583/encoding"
	"github.com/moov-io/iso8583/field"
	"github.com/moov-io/iso8583/padding"
	"github.com/moov-io/iso8583/prefix"

	"github.com/possdk/pos/iso8583"
)

// ErrUnsupported reports a spec, field or encoding this package cannot
// convert.
var ErrUnsupported = fmt.Errorf("moovx: unsupported")

// Spec returns a moov MessageSpec that packs and unpacks exactly as s
// does: the same encoders and length prefixes (this package's types
// implement moov's interfaces), GBK text through a field Packer and
// Unpacker, fixed-length numeric fields as moov Numeric fields padded
// with '0' (so a tagged int64 marshals into them), and a binary bitmap
// that expands to a secondary bitmap only if s allows one.
//
// moov's own specs.ExportJSON cannot name this package's encoders (it
// panics on them): use ExportJSON.
func Spec(s *iso8583.Spec) (*moov.MessageSpec, error) {
	fields := map[int]field.Field{
		1: field.NewBitmap(&field.Spec{Length: 8, Description: "Bitmap", Enc: encoding.Binary,
			Pref: prefix.Binary.Fixed, DisableAutoExpand: !s.SecondaryBitmap}),
	}
	for id, f := range s.Fields {
		if f == nil || (f.Packer == nil && (f.Enc == nil || f.Pref == nil)) {
			return nil, fmt.Errorf("%w: field %d has no encoder", ErrUnsupported, id)
		}
		fs := &field.Spec{Length: f.Length, Description: f.Description, Enc: f.Enc, Pref: f.Pref}
		if f.Packer != nil {
			a := packer{f.Packer}
			fs.Packer, fs.Unpacker = a, a
			if fs.Enc == nil {
				fs.Enc = encoding.ASCII
			}
		}
		switch {
		case f.Type == iso8583.FieldBinary:
			fields[id] = field.NewBinary(fs)
		case f.Type == iso8583.FieldNumeric && id != 0:
			fs.Pad = padding.Left('0')
			fields[id] = field.NewNumeric(fs)
		default:
			fields[id] = field.NewString(fs)
		}
	}
	return &moov.MessageSpec{Name: s.Name, Fields: fields}, nil
}

// packer adapts an iso8583.Packer (GBK text) to moov's field.Packer and
// field.Unpacker.
type packer struct{ p iso8583.Packer }

func fieldSpecOf(s *field.Spec) *iso8583.FieldSpec {
	return &iso8583.FieldSpec{Length: s.Length, Description: s.Description, Enc: s.Enc, Pref: s.Pref}
}

func (a packer) Pack(value []byte, s *field.Spec) ([]byte, error) {
	return a.p.Pack(value, fieldSpecOf(s))
}

func (a packer) Unpack(data []byte, s *field.Spec) ([]byte, int, error) {
	return a.p.Unpack(data, fieldSpecOf(s))
}

// isFixed reports whether a prefix is a fixed-length one ("X.Fixed").
func isFixed(p interface{ Inspect() string }) bool {
	return p != nil && strings.HasSuffix(p.Inspect(), ".Fixed")
}

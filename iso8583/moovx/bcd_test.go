//go:build !386 && !arm && !mips && !mipsle

package moovx

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	moov "github.com/moov-io/iso8583"
	"github.com/moov-io/iso8583/encoding"
	"github.com/moov-io/iso8583/field"
	"github.com/moov-io/iso8583/prefix"

	"github.com/possdk/pos/iso8583"
)

// withMoovBCD swaps package iso8583's BCD encoders and prefixes in a moov
// spec for moov's own (encoding.BCD, encoding.LBCD, prefix.BCD): the
// reference the equivalence tests compare against.
func withMoovBCD(spec *moov.MessageSpec) *moov.MessageSpec {
	for _, f := range spec.Fields {
		s := f.Spec()
		switch s.Enc {
		case iso8583.BCDEncoder():
			s.Enc = encoding.BCD
		case iso8583.LBCDEncoder():
			s.Enc = encoding.LBCD
		}
		if s.Pref != nil {
			if p, ok := map[string]prefix.Prefixer{"BCD.L": prefix.BCD.L, "BCD.LL": prefix.BCD.LL,
				"BCD.LLL": prefix.BCD.LLL, "BCD.LLLL": prefix.BCD.LLLL}[s.Pref.Inspect()]; ok {
				s.Pref = p
			}
		}
	}
	return spec
}

func ourErr(err error) bool {
	return errors.Is(err, iso8583.ErrUnpack) || errors.Is(err, iso8583.ErrInvalidField) || errors.Is(err, iso8583.ErrPack)
}

// compareDecode checks ours against moov's on one input. Where moov
// succeeds with digits only, ours must return the same digits and length;
// where moov returns a NUL (a pad F it decoded into the value) or fails,
// ours must fail, with a sentinel.
func compareDecode(t *testing.T, ours, theirs encoding.Encoder, src []byte, length int) {
	t.Helper()
	want, wantRead, wantErr := theirs.Decode(src, length)
	got, gotRead, err := ours.Decode(src, length)
	if wantErr == nil && bytes.IndexByte(want, 0) < 0 {
		if err != nil || !bytes.Equal(got, want) || gotRead != wantRead {
			t.Fatalf("Decode(% X, %d): ours %q %d %v, moov %q %d", src, length, got, gotRead, err, want, wantRead)
		}
		return
	}
	if err == nil {
		t.Fatalf("Decode(% X, %d): ours %q, moov %q %v", src, length, got, want, wantErr)
	}
	if !ourErr(err) {
		t.Fatalf("Decode(% X, %d): error without sentinel: %v", src, length, err)
	}
}

func randomBCD(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	nib := func() byte { // mostly digits, some F (moov's filler) and other letters
		switch r.IntN(12) {
		case 0:
			return 0xF
		case 1:
			return byte(10 + r.IntN(6))
		}
		return byte(r.IntN(10))
	}
	for i := range b {
		b[i] = nib()<<4 | nib()
	}
	return b
}

// Package iso8583's BCD encoders and length prefixes against moov's.
func TestBCDMatchesMoov(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	pairs := []struct{ ours, theirs encoding.Encoder }{{iso8583.BCDEncoder(), encoding.BCD}, {iso8583.LBCDEncoder(), encoding.LBCD}}
	for range 20000 {
		for _, p := range pairs {
			s := make([]byte, r.IntN(40))
			for i := range s {
				s[i] = '0' + byte(r.IntN(10))
			}
			if len(s) > 0 && r.IntN(8) == 0 {
				s[r.IntN(len(s))] = byte(r.IntN(256))
			}
			want, wantErr := p.theirs.Encode(s)
			got, err := p.ours.Encode(s)
			if (err != nil) != (wantErr != nil) || !bytes.Equal(got, want) {
				t.Fatalf("Encode(%q): ours % X %v, moov % X %v", s, got, err, want, wantErr)
			}
			if err != nil && !ourErr(err) {
				t.Fatalf("Encode(%q): error without sentinel: %v", s, err)
			}
			src := randomBCD(r, r.IntN(12))
			compareDecode(t, p.ours, p.theirs, src, r.IntN(2*len(src)+3))
		}
	}
	ours, theirs := iso8583.BCDPrefixers(), prefix.BCD
	for _, p := range [][2]prefix.Prefixer{{ours.L, theirs.L}, {ours.LL, theirs.LL}, {ours.LLL, theirs.LLL}, {ours.LLLL, theirs.LLLL}} {
		if p[0].Inspect() != p[1].Inspect() {
			t.Errorf("Inspect %q, moov %q", p[0].Inspect(), p[1].Inspect())
		}
		for n := range 12000 {
			max := 1 + r.IntN(12000)
			want, wantErr := p[1].EncodeLength(max, n)
			got, err := p[0].EncodeLength(max, n)
			if (err != nil) != (wantErr != nil) || !bytes.Equal(got, want) {
				t.Fatalf("%s.EncodeLength(%d, %d): ours % X %v, moov % X %v", p[0].Inspect(), max, n, got, err, want, wantErr)
			}
			data := randomBCD(r, r.IntN(4))
			wn, wr, wantErr := p[1].DecodeLength(max, data)
			gn, gr, err := p[0].DecodeLength(max, data)
			if (err != nil) != (wantErr != nil) || gn != wn || gr != wr {
				t.Fatalf("%s.DecodeLength(%d, % X): ours %d %d %v, moov %d %d %v", p[0].Inspect(), max, data, gn, gr, err, wn, wr, wantErr)
			}
		}
	}
}

// The corpus frames unpack under moov's BCD encoders to the fields the
// codec reads, and moov re-packs them to the same bytes.
func TestCorpusUnderMoovBCD(t *testing.T) {
	for _, c := range loadCorpus(t) {
		spec := specFor(c)
		ref := withMoovBCD(mustSpec(t, spec))
		codec := iso8583.NewCodec(spec, iso8583.Framing{})
		_, body, _ := codec.Unframe(c.frame)
		want, err := codec.UnpackUnverified(body)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		mm := moov.NewMessage(ref)
		if err := mm.Unpack(body); err != nil {
			t.Fatalf("%s: moov's BCD: %v", c.name, err)
		}
		got, err := FromMoov(mm)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		sameMessage(t, got, want)
		if p, err := mm.Pack(); err != nil || !bytes.Equal(p, body) {
			t.Fatalf("%s: moov's BCD re-packs differently (%v)", c.name, err)
		}
		if _, ok := ref.Fields[4].(*field.Numeric); !ok {
			t.Fatalf("%s: field 4 is %T", c.name, ref.Fields[4])
		}
	}
}

// FuzzBCDAgainstMoov decodes arbitrary bytes with both alignments and compares with
// moov's encoders (compareDecode); whatever decodes re-encodes to the
// bytes it came from, up to the pad nibble of an odd count.
func FuzzBCDAgainstMoov(f *testing.F) {
	f.Add([]byte{0x12, 0x34}, 4)
	f.Add([]byte{0x01, 0x23}, 3)
	f.Add([]byte{0x12, 0x3F}, 3)
	f.Add([]byte{0xAB}, 2)
	f.Add([]byte{}, 0)
	f.Fuzz(func(t *testing.T, src []byte, length int) {
		if length > 4*len(src)+4 || length < -2 {
			length %= 4*len(src) + 4
		}
		pairs := []struct{ ours, theirs encoding.Encoder }{{iso8583.BCDEncoder(), encoding.BCD}, {iso8583.LBCDEncoder(), encoding.LBCD}}
		for _, p := range pairs {
			compareDecode(t, p.ours, p.theirs, src, length)
			got, read, err := p.ours.Decode(src, length)
			if err != nil {
				continue
			}
			again, err := p.ours.Encode(got)
			if err != nil || len(again) != read {
				t.Fatalf("re-encode of %q: % X %v", got, again, err)
			}
			mask := bytes.Repeat([]byte{0xFF}, read)
			if length%2 == 1 {
				if p.ours == iso8583.BCDEncoder() {
					mask[0] = 0x0F
				} else {
					mask[read-1] = 0xF0
				}
			}
			for i := range again {
				if again[i]&mask[i] != src[i]&mask[i] {
					t.Fatalf("re-encode of %q: % X from % X", got, again, src[:read])
				}
			}
		}
	})
}

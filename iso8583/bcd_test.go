package iso8583

import (
	"bytes"
	"math/rand/v2"
	"testing"

	moov "github.com/moov-io/iso8583"
	"github.com/moov-io/iso8583/encoding"
	"github.com/moov-io/iso8583/prefix"
)

// withMoovBCD swaps this package's BCD encoders and prefixes in spec for
// moov's own (encoding.BCD, encoding.LBCD, prefix.BCD): the reference the
// equivalence tests compare against, and the "raw moov" of the benchmarks.
func withMoovBCD(spec *moov.MessageSpec) *moov.MessageSpec {
	for _, f := range spec.Fields {
		s := f.Spec()
		switch e := s.Enc.(type) {
		case bcdEncoder:
			s.Enc = encoding.BCD
			if e.left {
				s.Enc = encoding.LBCD
			}
		}
		if p, ok := s.Pref.(bcdPrefixer); ok {
			s.Pref = []prefix.Prefixer{nil, prefix.BCD.L, prefix.BCD.LL, prefix.BCD.LLL,
				prefix.BCD.LLLL, prefix.BCD.LLLLL, prefix.BCD.LLLLLL}[p.digits]
		}
	}
	return spec
}

// Known answers from moov-io/iso8583 v0.26.1 encoding/bcd_test.go and
// encoding/lbcd_test.go (TestBCD, TestLBCD), which our encoders replace.
func TestBCDKnownAnswers(t *testing.T) {
	for _, c := range []struct {
		left   bool
		in     []byte
		length int
		want   string
		read   int
	}{
		{false, []byte{0x12, 0x34}, 4, "1234", 2},
		{false, []byte{0x01, 0x23}, 3, "123", 2},
		{false, []byte{0x12, 0x30}, 3, "230", 2},
		{false, []byte{0x21, 0x43, 0x55}, 4, "2143", 2},
		{false, []byte{0x21, 0x43, 0xff}, 4, "2143", 2},
		{true, []byte{0x12, 0x30}, 4, "1230", 2},
		{true, []byte{0x12, 0x30}, 3, "123", 2},
		{true, []byte{0x12, 0x3F}, 3, "123", 2},
	} {
		got, read, err := bcdEncoder{left: c.left}.Decode(c.in, c.length)
		if err != nil || string(got) != c.want || read != c.read {
			t.Errorf("left=%v Decode(% X, %d) = %q, %d, %v; want %q, %d", c.left, c.in, c.length, got, read, err, c.want, c.read)
		}
	}
	for _, c := range []struct {
		left bool
		in   string
		want []byte
	}{
		{false, "0110", []byte{0x01, 0x10}},
		{false, "123", []byte{0x01, 0x23}},
		{true, "123", []byte{0x12, 0x30}},
		{false, "", []byte{}},
	} {
		if got, err := (bcdEncoder{left: c.left}).Encode([]byte(c.in)); err != nil || !bytes.Equal(got, c.want) {
			t.Errorf("left=%v Encode(%q) = % X, %v; want % X", c.left, c.in, got, err, c.want)
		}
	}
	for _, c := range []struct {
		left   bool
		in     []byte
		length int
	}{
		{false, []byte{0x21, 0x43}, 6}, {false, nil, 6}, {false, []byte{0xAB, 0xCD}, 4},
		{true, []byte{0x12, 0x30}, 5}, {true, nil, 5}, {true, []byte{0xAB, 0xCD}, 4},
		{false, []byte{0x12, 0x3F}, 3}, {true, []byte{0x12, 0x3F}, 4}, {false, []byte{0x1F, 0x23}, 4},
		{false, []byte{1}, -1},
	} {
		if _, _, err := (bcdEncoder{left: c.left}).Decode(c.in, c.length); !isOurs(err) {
			t.Errorf("left=%v Decode(% X, %d): error %v, want a package error", c.left, c.in, c.length, err)
		}
	}
	for _, e := range []bcdEncoder{{}, {left: true}} {
		if _, err := e.Encode([]byte("12a")); !isOurs(err) {
			t.Errorf("Encode(12a): %v", err)
		}
	}
	// moov prefix/bcd_test.go TestBCDVarPrefixer_LHelpers.
	pf := BCDPrefixers()
	for _, c := range []struct {
		p        prefix.Prefixer
		max, n   int
		encoding []byte
	}{
		{pf.L, 5, 3, []byte{0x03}}, {pf.LL, 20, 2, []byte{0x02}}, {pf.LL, 20, 12, []byte{0x12}},
		{pf.LLL, 340, 2, []byte{0x00, 0x02}}, {pf.LLL, 340, 200, []byte{0x02, 0x00}}, {pf.LLLL, 9999, 1234, []byte{0x12, 0x34}},
	} {
		got, err := c.p.EncodeLength(c.max, c.n)
		if err != nil || !bytes.Equal(got, c.encoding) {
			t.Errorf("%s.EncodeLength(%d) = % X, %v", c.p.Inspect(), c.n, got, err)
		}
		n, read, err := c.p.DecodeLength(c.max, c.encoding)
		if err != nil || n != c.n || read != len(c.encoding) {
			t.Errorf("%s.DecodeLength(% X) = %d, %d, %v", c.p.Inspect(), c.encoding, n, read, err)
		}
	}
	if _, err := pf.LL.EncodeLength(999, 123); !isOurs(err) {
		t.Errorf("LL 123: %v", err)
	}
	if _, err := pf.LL.EncodeLength(20, 22); !isOurs(err) {
		t.Errorf("LL over max: %v", err)
	}
	if _, _, err := pf.LLL.DecodeLength(20, []byte{0x22}); !isOurs(err) {
		t.Errorf("LLL short: %v", err)
	}
}

func randomBCD(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		// Mostly valid nibbles, with F (moov's filler) and other letters.
		nib := func() byte {
			switch r.IntN(12) {
			case 0:
				return 0xF
			case 1:
				return byte(10 + r.IntN(6))
			}
			return byte(r.IntN(10))
		}
		b[i] = nib()<<4 | nib()
	}
	return b
}

// compareDecode checks ours against moov's on one input. Where moov
// succeeds with digits only, ours must return the same digits and length;
// where moov returns a NUL (a pad F it decoded into the value) or fails,
// ours must fail.
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
	if !isOurs(err) {
		t.Fatalf("Decode(% X, %d): error without sentinel: %v", src, length, err)
	}
}

func TestBCDMatchesMoov(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	pairs := []struct {
		ours, theirs encoding.Encoder
	}{{BCDEncoder(), encoding.BCD}, {LBCDEncoder(), encoding.LBCD}}
	for range 20000 {
		for _, p := range pairs {
			// Encode: digit strings, sometimes with a non-digit.
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
			if err != nil && !isOurs(err) {
				t.Fatalf("Encode(%q): error without sentinel: %v", s, err)
			}
			src := randomBCD(r, r.IntN(12))
			compareDecode(t, p.ours, p.theirs, src, r.IntN(2*len(src)+3))
		}
	}
	// Length prefixes: every length each prefix can write, and random bytes.
	ours, theirs := BCDPrefixers(), prefix.BCD
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

// TestBCDSpecsPackAsMoov packs and unpacks the same messages under the
// specs with our encoders and with moov's: the bytes must be identical.
func TestBCDSpecsPackAsMoov(t *testing.T) {
	msgs := map[string][]byte{}
	for name, frame := range loadSamples(t) {
		msgs[name] = frame[2+TPDULen+HeaderLen:]
	}
	c := NewCodec(nil, Framing{}).WithMAC(testMAC("k"))
	for name, tx := range map[string]*Transaction{"sale": testSale(), "signin": testTerm.SignIn(7, 172, 0)} {
		body, err := c.PackTransaction(tx)
		if err != nil {
			t.Fatal(err)
		}
		msgs[name] = body
	}
	ref := NewCodec(withMoovBCD(CUPSpec()), Framing{}).WithMAC(testMAC("k"))
	for name, body := range msgs {
		m, err := ref.UnpackMessage(body)
		if err != nil {
			t.Fatalf("%s: moov unpack: %v", name, err)
		}
		again, err := c.PackMessage(m)
		if err != nil || !bytes.Equal(again, body) {
			t.Errorf("%s: ours re-packs moov's message differently (%v)\n got %X\nwant %X", name, err, again, body)
		}
		ours, err := c.UnpackMessage(body)
		if err != nil {
			t.Fatalf("%s: our unpack: %v", name, err)
		}
		for id := range m.GetFields() {
			a, _ := m.GetBytes(id)
			b, _ := ours.GetBytes(id)
			if !bytes.Equal(a, b) {
				t.Errorf("%s: field %d: ours %q, moov %q", name, id, b, a)
			}
		}
	}
	// ISO 8583:1987 BCD: every numeric element class and both prefixes.
	iso, isoRef := NewCodec(ISO87BCDSpec(), Framing{NoTPDU: true, NoHeader: true}), NewCodec(withMoovBCD(ISO87BCDSpec()), Framing{NoTPDU: true, NoHeader: true})
	build := func(c *Codec) []byte {
		m := c.NewMessage()
		m.MTI("0200")
		for id, v := range map[int]string{2: "4761739001010119", 3: "000000", 4: "000000001000", 7: "1121055200",
			11: "000173", 22: "051", 27: "6", 32: "12345", 35: "4761739001010119=25122011758928889", 41: "TERM0001",
			70: "301", 90: "012345678901234567890123456789012345678901", 100: "123456"} {
			if err := m.Field(id, v); err != nil {
				t.Fatal(err)
			}
		}
		body, err := c.PackMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		return body
	}
	if a, b := build(iso), build(isoRef); !bytes.Equal(a, b) {
		t.Errorf("ISO 87 BCD packs differently\n got %X\nwant %X", a, b)
	}
}

// FuzzBCD decodes arbitrary bytes with both alignments and compares with
// moov's encoders (see compareDecode); whatever decodes must re-encode to
// the bytes it came from, up to the pad nibble.
func FuzzBCD(f *testing.F) {
	f.Add([]byte{0x12, 0x34}, 4)
	f.Add([]byte{0x01, 0x23}, 3)
	f.Add([]byte{0x12, 0x3F}, 3)
	f.Add([]byte{0xAB}, 2)
	f.Add([]byte{}, 0)
	f.Fuzz(func(t *testing.T, src []byte, length int) {
		if length > 4*len(src)+4 || length < -2 {
			length %= 4*len(src) + 4
		}
		pairs := []struct{ ours, theirs encoding.Encoder }{{BCDEncoder(), encoding.BCD}, {LBCDEncoder(), encoding.LBCD}}
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
			// Only the pad nibble of an odd count may differ.
			mask := bytes.Repeat([]byte{0xFF}, read)
			if length%2 == 1 {
				if p.ours == BCDEncoder() {
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

//go:build !386 && !arm && !mips && !mipsle

package moovx

import (
	"bytes"
	"errors"
	"testing"

	moov "github.com/moov-io/iso8583"
	"github.com/moov-io/iso8583/specs"

	"github.com/possdk/pos/iso8583"
)

func specFor(c corpusFrame) *iso8583.Spec {
	if c.pad0 {
		return iso8583.WithNibblePad(iso8583.CUPSpec(), 0)
	}
	return iso8583.CUPSpec()
}

// Every corpus frame: the codec's Message converted to moov packs to the
// same bytes, and moov's unpacking of those bytes converts back to the
// same fields.
func TestCorpusThroughMoov(t *testing.T) {
	for _, c := range loadCorpus(t) {
		t.Run(c.name, func(t *testing.T) {
			spec := specFor(c)
			codec := iso8583.NewCodec(spec, iso8583.Framing{})
			_, body, err := codec.Unframe(c.frame)
			if err != nil {
				t.Fatal(err)
			}
			m, err := codec.UnpackUnverified(body)
			if err != nil {
				t.Fatal(err)
			}
			roundTripMoov(t, spec, m, body)
		})
	}
}

// roundTripMoov checks moov against the codec both ways: m, converted to
// spec's moov MessageSpec, packs to body (what the codec packed), and body
// unpacked by moov converts back to the same fields. It returns moov's
// bytes.
func roundTripMoov(t *testing.T, spec *iso8583.Spec, m *iso8583.Message, body []byte) []byte {
	t.Helper()
	ms, err := Spec(spec)
	if err != nil {
		t.Fatal(err)
	}
	mm, err := ToMoov(m, ms)
	if err != nil {
		t.Fatal(err)
	}
	packed, err := mm.Pack()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(packed, body) {
		t.Fatalf("moov packs\n% X\nthe codec\n% X", packed, body)
	}
	back := moov.NewMessage(ms)
	if err := back.Unpack(body); err != nil {
		t.Fatal(err)
	}
	got, err := FromMoov(back)
	if err != nil {
		t.Fatal(err)
	}
	sameMessage(t, got, m)
	return packed
}

func sameMessage(t *testing.T, got, want *iso8583.Message) {
	t.Helper()
	if got.MTI() != want.MTI() {
		t.Fatalf("MTI %q, want %q", got.MTI(), want.MTI())
	}
	g, w := got.Fields(), want.Fields()
	if len(g) != len(w) {
		t.Fatalf("fields %v, want %v", g, w)
	}
	for i, id := range w {
		if g[i] != id || !bytes.Equal(got.Bytes(id), want.Bytes(id)) {
			t.Fatalf("field %d differs", id) // values are card data: not printed
		}
	}
}

// The ISO 8583:1987 specs, with a secondary bitmap and field 128 as the
// MAC: moov packs what the codec packs and reads it back.
func TestISO87ThroughMoov(t *testing.T) {
	for _, spec := range []*iso8583.Spec{iso8583.ISO87ASCIISpec(), iso8583.ISO87BCDSpec()} {
		t.Run(spec.Name, func(t *testing.T) {
			codec := iso8583.NewCodec(spec, iso8583.Framing{NoTPDU: true, NoHeader: true}).WithMAC(
				iso8583.MACFunc(func(mab []byte) ([iso8583.MACSize]byte, error) {
					return [iso8583.MACSize]byte{1, 2, 3, 4, 5, 6, 7, byte(len(mab))}, nil
				}))
			m := iso8583.NewMessage("0200")
			for id, v := range map[int]string{2: "4761739001010010", 3: "000000", 4: "000000012345", 7: "1205081500",
				11: "000173", 22: "051", 35: "4761739001010010=22122011143804400", 41: "TERM0001", 49: "840", 70: "301", 102: "12345678"} {
				if err := m.Set(id, v); err != nil {
					t.Fatal(id, err)
				}
			}
			m.SetBytes(52, []byte{1, 2, 3, 4, 5, 6, 7, 8})
			m.SetBytes(128, make([]byte, 8))
			body, err := codec.PackMessage(m)
			if err != nil {
				t.Fatal(err)
			}
			packed := roundTripMoov(t, spec, m, body)
			if _, err := codec.UnpackMessage(packed); err != nil {
				t.Fatalf("the codec refuses moov's bytes: %v", err)
			}
		})
	}
}

// A Transaction goes to moov and comes back equal.
func TestTransactionRoundTrip(t *testing.T) {
	sale := &iso8583.Transaction{
		Kind: iso8583.KindSale, PAN: "6222021234567890123", Amount: 12345, STAN: 173,
		Expiry: "2612", EntryMode: "051", CardSequence: "001", PINCaptureCode: "12",
		Track2:     "6222021234567890123=26122201234567",
		TerminalID: "50080001", MerchantID: "309310083985008",
		PINBlock: iso8583.PINBlock{1, 2, 3, 4, 5, 6, 7, 8},
		Security: &iso8583.SecurityControl{PINFormat: 2, Algorithm: 6},
		Field60:  &iso8583.Field60{Batch: 172, Capability: "5", ICCondition: "0"},
	}
	ms, err := Spec(iso8583.CUPSpec())
	if err != nil {
		t.Fatal(err)
	}
	mm, err := TransactionToMoov(sale, ms)
	if err != nil {
		t.Fatal(err)
	}
	if a, err := mm.GetField(4).String(); err != nil || a != "12345" {
		t.Fatalf("moov field 4 = %q %v", a, err)
	}
	got, err := TransactionFromMoov(mm)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := sale.Message()
	gm, _ := got.Message()
	sameMessage(t, gm, want)
	if got.Amount != 12345 || got.STAN != 173 || got.Kind != iso8583.KindSale {
		t.Fatalf("amount %d STAN %d kind %v", got.Amount, got.STAN, got.Kind)
	}
}

// moov's tagged-struct Marshal and Unmarshal work on the converted specs:
// an int64 amount and an int STAN go into the zero-padded numeric fields.
func TestTaggedStruct(t *testing.T) {
	type auth struct {
		MTI    string `iso8583:"0"`
		Proc   string `iso8583:"3"`
		Amount int64  `iso8583:"4"`
		STAN   int64  `iso8583:"11"`
		TID    string `iso8583:"41"`
	}
	for _, spec := range []*iso8583.Spec{iso8583.CUPSpec(), iso8583.ISO87ASCIISpec(), iso8583.ISO87BCDSpec()} {
		ms, err := Spec(spec)
		if err != nil {
			t.Fatal(err)
		}
		mm := moov.NewMessage(ms)
		if err := mm.Marshal(&auth{MTI: "0200", Proc: "000000", Amount: 500, STAN: 42, TID: "50080001"}); err != nil {
			t.Fatalf("%s: Marshal: %v", spec.Name, err)
		}
		b, err := mm.Pack()
		if err != nil {
			t.Fatalf("%s: Pack: %v", spec.Name, err)
		}
		m, err := iso8583.NewCodec(spec, iso8583.Framing{}).UnpackMessage(b)
		if err != nil {
			t.Fatalf("%s: codec: %v", spec.Name, err)
		}
		if m.Field(4) != "000000000500" || m.Field(11) != "000042" {
			t.Fatalf("%s: codec reads 4=%q 11=%q", spec.Name, m.Field(4), m.Field(11))
		}
		back := moov.NewMessage(ms)
		if err := back.Unpack(b); err != nil {
			t.Fatal(err)
		}
		var got auth
		if err := back.Unmarshal(&got); err != nil {
			t.Fatalf("%s: Unmarshal: %v", spec.Name, err)
		}
		// moov reads a Numeric field into a string as its integer: "0",
		// not "000000" (FromMoov restores the width).
		if got != (auth{MTI: "0200", Proc: "0", Amount: 500, STAN: 42, TID: "50080001"}) {
			t.Fatalf("%s: %+v", spec.Name, got)
		}
	}
}

// The built-in specs export to moov's JSON format; moov's importer loads
// the result, and ImportJSON restores a spec that exports identically and
// packs the corpus identically.
func TestJSONRoundTrip(t *testing.T) {
	for _, spec := range []*iso8583.Spec{iso8583.CUPSpec(), iso8583.ISO87ASCIISpec(), iso8583.ISO87BCDSpec(), iso8583.WithNibblePad(iso8583.CUPSpec(), 0)} {
		t.Run(spec.Name, func(t *testing.T) {
			js, err := ExportJSON(spec)
			if err != nil {
				t.Fatal(err)
			}
			ms, err := specs.ImportJSON(js)
			if err != nil {
				t.Fatalf("moov cannot import the export: %v", err)
			}
			if len(ms.Fields) != len(spec.Fields)+1 {
				t.Fatalf("moov sees %d fields, spec has %d (+bitmap)", len(ms.Fields), len(spec.Fields))
			}
			if _, err := specs.ExportJSON(ms); err != nil {
				t.Fatalf("moov cannot re-export its import: %v", err)
			}
			back, err := ImportJSON(js)
			if err != nil {
				t.Fatal(err)
			}
			js2, err := ExportJSON(back)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(js, js2) {
				t.Fatalf("export of the import differs:\n%s\n%s", js, js2)
			}
			if back.SecondaryBitmap != spec.SecondaryBitmap || len(back.Fields) != len(spec.Fields) {
				t.Fatalf("secondary %v fields %d", back.SecondaryBitmap, len(back.Fields))
			}
		})
	}
	// A corpus frame unpacks and re-packs with the imported CUP spec.
	js, _ := ExportJSON(iso8583.CUPSpec())
	spec, err := ImportJSON(js)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range loadCorpus(t) {
		if c.pad0 {
			continue
		}
		codec := iso8583.NewCodec(spec, iso8583.Framing{})
		_, body, _ := codec.Unframe(c.frame)
		m, err := codec.UnpackUnverified(body)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		mm, _ := ToMoov(m, mustSpec(t, spec))
		if p, err := mm.Pack(); err != nil || !bytes.Equal(p, body) {
			t.Fatalf("%s: imported spec packs differently (%v)", c.name, err)
		}
	}
}

func mustSpec(t *testing.T, s *iso8583.Spec) *moov.MessageSpec {
	t.Helper()
	ms, err := Spec(s)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func TestImportJSONErrors(t *testing.T) {
	for _, tc := range []struct{ js, where string }{
		{`{"name":"x","fields":{"2":{"type":"Composite","length":4,"enc":"ASCII","prefix":"ASCII.Fixed"}}}`, "field 2 type"},
		{`{"name":"x","fields":{"3":{"type":"String","length":4,"enc":"EBCDIC","prefix":"ASCII.Fixed"}}}`, "field 3 encoding"},
		{`{"name":"x","fields":{"4":{"type":"String","length":4,"enc":"ASCII","prefix":"Hex.LL"}}}`, "field 4 prefix"},
		{`{"name":"x","fields":{"1":{"type":"Bitmap","length":16,"enc":"HexToASCII","prefix":"Hex.Fixed"}}}`, "bitmap"},
		{`{"name":"x","fields":{"abc":{}}}`, `field key "abc"`},
	} {
		_, err := ImportJSON([]byte(tc.js))
		if !errors.Is(err, ErrUnsupported) || !bytes.Contains([]byte(err.Error()), []byte(tc.where)) {
			t.Errorf("%s: %v", tc.js, err)
		}
	}
	if _, err := ImportJSON([]byte("{")); err == nil {
		t.Error("bad JSON accepted")
	}
}

// ImportJSON is a decoder: whatever it accepts exports and re-imports to
// the same spec (a fixed point after one round).
func FuzzImportJSON(f *testing.F) {
	for _, s := range []*iso8583.Spec{iso8583.CUPSpec(), iso8583.ISO87ASCIISpec(), iso8583.ISO87BCDSpec()} {
		js, err := ExportJSON(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(js)
	}
	f.Add([]byte(`{"name":"x","fields":{"2":{"type":"Numeric","length":4,"enc":"BCD","prefix":"BCD.LL"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ImportJSON(data)
		if err != nil {
			if !errors.Is(err, ErrUnsupported) && !bytes.HasPrefix([]byte(err.Error()), []byte("moovx: spec JSON")) {
				t.Fatalf("error without sentinel: %v", err)
			}
			return
		}
		js, err := ExportJSON(s)
		if err != nil {
			t.Fatalf("imported spec does not export: %v", err)
		}
		s2, err := ImportJSON(js)
		if err != nil {
			t.Fatalf("export does not import: %v", err)
		}
		js2, err := ExportJSON(s2)
		if err != nil || !bytes.Equal(js, js2) {
			t.Fatalf("not a fixed point: %v\n%s\n%s", err, js, js2)
		}
	})
}

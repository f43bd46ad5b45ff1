package iso8583

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/possdk/pos/pinblock"
)

// testKSNField is the field the tests give the KSN: 57, "reserved
// national" in ISO 8583:1987, which the CUP POS dialect leaves free.
const testKSNField = 57

func ksnCodec() *Codec {
	return NewCodec(WithKSNField(CUPSpec(), testKSNField), Framing{}).WithMAC(testMAC("k"))
}

// X9.24-1:2009 A.4's first KSN and an X9.24-3-2017 style 12-byte KSN
// (key set ID 12345678, device 90123456, counter 1).
var (
	testKSN10 = mustHex("FFFF9876543210E00001")
	testKSN12 = mustHex("123456789012345600000001")
)

// TestKSNRoundTrip: the KSN goes into the chosen field as binary LLVAR
// with the CUP dialect's BCD LL prefix (one byte, two BCD digits counting
// bytes: 0x10 for 10, 0x12 for 12), bit 57 of the bitmap is set, and the
// codec reads it back.
func TestKSNRoundTrip(t *testing.T) {
	for _, ksn := range [][]byte{testKSN10, testKSN12} {
		c := ksnCodec()
		sale := testSale()
		sale.KSN = ksn
		body, err := c.PackTransaction(sale)
		if err != nil {
			t.Fatal(err)
		}
		// Bitmap: bytes 2-9 after the 2-byte BCD MTI; field 57 is bit 57.
		if body[2+7]&(0x80>>((testKSNField-1)%8)) == 0 {
			t.Fatalf("bit %d not set in bitmap % X", testKSNField, body[2:10])
		}
		wire := append([]byte{byte(len(ksn)/10<<4 | len(ksn)%10)}, ksn...)
		if !bytes.Contains(body, wire) {
			t.Fatalf("body does not hold BCD LL %X", wire)
		}
		m, err := c.UnpackUnverified(body)
		if err != nil || !bytes.Equal(m.Bytes(testKSNField), ksn) {
			t.Fatalf("field %d = %X, %v", testKSNField, m.Bytes(testKSNField), err)
		}
		got, err := c.UnpackTransaction(body)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.KSN, ksn) || !bytes.Equal(got.PINBlock, sale.PINBlock) {
			t.Fatalf("KSN %X PIN block present %v after the round trip", got.KSN, got.PINBlock != nil)
		}
		// Not secret: it prints in hex, the PIN block still does not.
		if s := got.String(); !strings.Contains(s, "ksn="+strings.ToUpper(hexOf(ksn))) || strings.Contains(s, "0102030405060708") {
			t.Fatalf("String %q", s)
		}
	}
	// A transaction without a KSN packs as before: no field 57.
	body, err := ksnCodec().PackTransaction(testSale())
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := NewCodec(nil, Framing{}).WithMAC(testMAC("k")).PackTransaction(testSale())
	if !bytes.Equal(body, plain) {
		t.Fatal("a spec with a KSN field packs a KSN-less sale differently")
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789ABCDEF"
	out := make([]byte, 0, 2*len(b))
	for _, x := range b {
		out = append(out, digits[x>>4], digits[x&15])
	}
	return string(out)
}

// TestKSNErrors: every misuse is an error wrapping the package's
// sentinel, on packing and on unpacking.
func TestKSNErrors(t *testing.T) {
	pack := func(spec *Spec, mod func(*Transaction)) error {
		s := testSale()
		mod(s)
		_, err := NewCodec(spec, Framing{}).WithMAC(testMAC("k")).PackTransaction(s)
		return err
	}
	for _, tc := range []struct {
		name string
		spec *Spec
		mod  func(*Transaction)
		want error
	}{
		{"no KSN field", CUPSpec(), func(s *Transaction) { s.KSN = testKSN10 }, ErrInvalidField},
		{"9 bytes", WithKSNField(CUPSpec(), 57), func(s *Transaction) { s.KSN = testKSN10[:9] }, ErrInvalidField},
		{"11 bytes", WithKSNField(CUPSpec(), 57), func(s *Transaction) { s.KSN = append(testKSN10, 0) }, ErrInvalidField},
		{"empty", WithKSNField(CUPSpec(), 57), func(s *Transaction) { s.KSN = []byte{} }, ErrInvalidField},
		{"without PIN block", WithKSNField(CUPSpec(), 57), func(s *Transaction) { s.KSN, s.PINBlock = testKSN10, nil }, ErrInvalidField},
		{"field 52", WithKSNField(CUPSpec(), 52), func(*Transaction) {}, ErrPack},
		{"field 53", WithKSNField(CUPSpec(), 53), func(*Transaction) {}, ErrPack},
		{"field 64", WithKSNField(CUPSpec(), 64), func(*Transaction) {}, ErrPack},
		{"field 1", WithKSNField(CUPSpec(), 1), func(*Transaction) {}, ErrPack},
		{"field 65 without secondary bitmap", WithKSNField(CUPSpec(), 65), func(*Transaction) {}, ErrPack},
		{"a field the spec defines", WithKSNField(ISO87BCDSpec(), 57), func(*Transaction) {}, ErrPack},
	} {
		if err := pack(tc.spec, tc.mod); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	// Validate checks the shape; Message has no spec and refuses a KSN.
	s := testSale()
	s.KSN = testKSN10[:3]
	if err := s.Validate(); !errors.Is(err, ErrInvalidField) {
		t.Errorf("Validate of a 3-byte KSN: %v", err)
	}
	s.KSN = testKSN10
	if err := s.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	if _, err := s.Message(); !errors.Is(err, ErrInvalidField) {
		t.Errorf("Message with a KSN: %v", err)
	}

	// Unpacking: a field-57 value of the wrong length, or without field
	// 52, is ErrUnpack.
	c := ksnCodec()
	for _, tc := range []struct {
		name string
		ksn  []byte
		pin  bool
	}{{"9 bytes", testKSN10[:9], true}, {"11 bytes", append(bytes.Clone(testKSN10), 1), true}, {"without PIN block", testKSN10, false}} {
		s := testSale()
		if !tc.pin {
			s.PINBlock, s.Security = nil, nil
		}
		m, err := s.Message()
		if err != nil {
			t.Fatal(err)
		}
		if err := m.SetBytes(testKSNField, tc.ksn); err != nil {
			t.Fatal(err)
		}
		m.SetBytes(64, make([]byte, 8))
		body, err := c.PackMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.UnpackTransaction(body); !errors.Is(err, ErrUnpack) {
			t.Errorf("unpack %s: %v, want ErrUnpack", tc.name, err)
		}
	}
}

// TestKSNFieldOtherSpecs: the field takes the prefix style of the spec
// (ASCII "LL" on an ASCII spec) and, on a spec that defines every field,
// needs the field freed first.
func TestKSNFieldOtherSpecs(t *testing.T) {
	spec := ISO87ASCIISpec()
	delete(spec.Fields, 57)
	WithKSNField(spec, 57)
	if got := spec.Fields[57].Pref.Inspect(); got != "ASCII.LL" {
		t.Fatalf("prefix %s, want ASCII.LL", got)
	}
	if spec.KSNField() != 57 {
		t.Fatal("KSNField")
	}
	p, err := spec.Fields[57].Pack(testKSN12)
	if err != nil || !bytes.Equal(p, append([]byte("12"), testKSN12...)) {
		t.Fatalf("packed %X, %v", p, err)
	}
	if _, err := spec.Fields[57].Pack(append(bytes.Clone(testKSN12), 0)); err == nil {
		t.Fatal("13 bytes packed")
	}
	if got := WithKSNField(CUPSpec(), 57).Fields[57].Pref.Inspect(); got != "BCD.LL" {
		t.Fatalf("CUP prefix %s, want BCD.LL", got)
	}
}

// TestSetPINBlock: a PIN pad's block and KSN go in with the marks of
// SetPIN; a wrong-sized block or KSN is refused without echoing it.
func TestSetPINBlock(t *testing.T) {
	s := &Transaction{Kind: KindSale, EntryMode: "020"}
	if err := s.SetPINBlock(mustHex("1122334455667788"), pinblock.Format0, testKSN10); err != nil {
		t.Fatal(err)
	}
	if s.EntryMode != "021" || s.PINCaptureCode != "12" || s.Security == nil || s.Security.PINFormat != 2 || !bytes.Equal(s.KSN, testKSN10) {
		t.Fatalf("%+v %+v", s, s.Security)
	}
	err := s.SetPINBlock(mustHex("11223344556677"), pinblock.Format0, nil)
	if !errors.Is(err, ErrInvalidField) || strings.Contains(err.Error(), "11223344") {
		t.Fatalf("7-byte block: %v", err)
	}
	if err := s.SetPINBlock(mustHex("1122334455667788"), pinblock.Format0, testKSN10[:4]); !errors.Is(err, ErrInvalidField) {
		t.Fatalf("4-byte KSN: %v", err)
	}
}

// FuzzUnpackKSN is FuzzUnpack over a spec with a KSN field: whatever
// unpacks has no KSN or one of 10 or 12 bytes beside a PIN block, and
// re-packs to a message that unpacks to the same KSN.
func FuzzUnpackKSN(f *testing.F) {
	c := ksnCodec()
	for _, ksn := range [][]byte{testKSN10, testKSN12} {
		s := testSale()
		s.KSN = ksn
		b, err := c.PackTransaction(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		tx, err := c.UnpackTransaction(body)
		if err != nil {
			if !isOurs(err) {
				t.Fatalf("error without sentinel: %v", err)
			}
			return
		}
		if tx.KSN != nil && (len(tx.KSN) != 10 && len(tx.KSN) != 12 || len(tx.PINBlock) == 0) {
			t.Fatalf("accepted a KSN of %d bytes (PIN block %d bytes)", len(tx.KSN), len(tx.PINBlock))
		}
		again, err := c.PackTransaction(tx)
		if err != nil {
			return
		}
		tx2, err := c.UnpackTransaction(again)
		if err != nil {
			t.Fatalf("re-packed message does not unpack: %v", err)
		}
		if !bytes.Equal(tx2.KSN, tx.KSN) {
			t.Fatalf("KSN %X became %X", tx.KSN, tx2.KSN)
		}
	})
}

// transactionFields (the fields WithKSNField refuses) is the list of the
// fields a Transaction types: exactly the CUP POS spec's fields, which
// Transaction maps one by one, plus 128 (the MAC of a message with a
// secondary bitmap). A field added to Transaction without the list would
// let a KSN field take it.
func TestTransactionFieldsList(t *testing.T) {
	var want []int
	for id := range CUPSpec().Fields {
		if id != 0 {
			want = append(want, id)
		}
	}
	want = append(want, 128)
	slices.Sort(want)
	got := slices.Sorted(slices.Values(transactionFields))
	if !slices.Equal(got, want) {
		t.Fatalf("transactionFields %v, CUP spec's fields %v", got, want)
	}
}

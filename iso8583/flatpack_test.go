package iso8583

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/moov-io/iso8583/field"
	"github.com/moov-io/iso8583/prefix"
)

// comparePackPaths packs tx with c and with c's moov Message path: the
// bodies (or the failure) must be the same.
func comparePackPaths(t testing.TB, c *Codec, tx *Transaction) {
	t.Helper()
	if c.flat == nil {
		t.Fatalf("codec for %s has no flat packer", c.spec.Name)
	}
	ref := *c
	ref.flat = nil
	got, err := c.PackTransaction(tx)
	want, wantErr := ref.PackTransaction(tx)
	if (err == nil) != (wantErr == nil) || !bytes.Equal(got, want) {
		t.Fatalf("%s: flat pack %X (%v), moov %X (%v)", tx.Kind, got, err, want, wantErr)
	}
	if err != nil && !isOurs(err) {
		t.Fatalf("%s: error without sentinel: %v", tx.Kind, err)
	}
}

// TestFlatPackMatchesMoov: the flat packer produces moov's bytes for the
// benchmark sale with every optional field, and the same verdict for
// invalid values; specs it cannot flatten pack through moov.
func TestFlatPackMatchesMoov(t *testing.T) {
	c := NewCodec(nil, Framing{}).WithMAC(testMAC("k"))
	full := testSale()
	full.MerchantName, full.AdditionalResponse = "银联商务 测试商户", "余额"
	full.RRN, full.AuthCode, full.ResponseCode, full.Currency = "000000000001", "123456", Approved, "156"
	full.Track3 = "996222021234567890123=1561560000000000000003000000214000025120=000000000000=000000000000=00000000"
	full.AdditionalData, full.AdditionalAmounts, full.AcquirerID = "0000000123450010", "1001156C000000012345", "03099988"
	full.Field61 = &Field61{Batch: 1, STAN: 2}
	full.Field63 = &Field63{Code: "CUP", Text: "中国银联"}
	for _, tx := range []*Transaction{testSale(), full, testTerm.SignIn(1, 2, 0)} {
		comparePackPaths(t, c, tx)
	}
	for _, edit := range []func(*Transaction){
		func(t *Transaction) { t.PAN = "62220212345678901X" },
		func(t *Transaction) { t.EntryMode = "0A1" },
		func(t *Transaction) { t.Track2 = "6222?12" },
		func(t *Transaction) { t.MerchantName = "emoji 😀" },
		func(t *Transaction) { t.ICC = make(Hidden, 256) },
		func(t *Transaction) { t.TerminalID = "123" },
		func(t *Transaction) { t.AcquirerID = "123456789012" },
	} {
		tx := testSale()
		edit(tx)
		comparePackPaths(t, c, tx)
	}
	// Without a MAC key a MACed kind fails on both paths.
	comparePackPaths(t, NewCodec(nil, Framing{}), testSale())

	if NewCodec(ISO87BCDSpec(), Framing{}).flat != nil {
		t.Error("ISO 87 (secondary bitmap, field 128) flattened")
	}
	auto := CUPSpec()
	auto.Fields[1] = field.NewBitmap(&field.Spec{Length: 8, Description: "Bitmap", Enc: BCDEncoder(), Pref: prefix.Binary.Fixed})
	if NewCodec(auto, Framing{}).flat != nil {
		t.Error("auto-expanding bitmap flattened")
	}
	num := CUPSpec()
	num.Fields[4] = field.NewNumeric(&field.Spec{Length: 12, Description: "Amount", Enc: BCDEncoder(), Pref: prefix.BCD.Fixed})
	if NewCodec(num, Framing{}).flat != nil {
		t.Error("numeric field type flattened")
	}
}

// compareUnpackPaths unpacks body with c and with c's moov Message path:
// the same transaction, or errors wrapping the same sentinel.
func compareUnpackPaths(t testing.TB, c *Codec, body []byte) {
	t.Helper()
	ref := *c
	ref.flat = nil
	got, err := c.UnpackTransaction(body)
	want, wantErr := ref.UnpackTransaction(body)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("% X: flat %v (%v), moov %v (%v)", body, got, err, want, wantErr)
	}
	if err != nil {
		for _, s := range []error{ErrMAC, ErrUnpack} {
			if errors.Is(err, s) != errors.Is(wantErr, s) {
				t.Fatalf("% X: flat error %v, moov error %v", body, err, wantErr)
			}
		}
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("% X: flat %#v\nmoov %#v", body, fieldsOf(*got), fieldsOf(*want))
	}
}

// TestFlatUnpackMatchesMoov: the flat unpacker reads what moov's Message
// reads from valid messages, and fails where moov fails.
func TestFlatUnpackMatchesMoov(t *testing.T) {
	c := NewCodec(nil, Framing{}).WithMAC(testMAC("k"))
	var bodies [][]byte
	for _, fr := range loadSamples(t) {
		bodies = append(bodies, fr[2+TPDULen+HeaderLen:])
	}
	full := testSale()
	full.MerchantName, full.AdditionalResponse, full.Field63 = "银联商务", "余额", &Field63{Code: "CUP", Text: "中国银联"}
	full.Field61, full.Field62 = &Field61{Batch: 1, STAN: 2}, Hidden{}
	for _, tx := range []*Transaction{testSale(), full, testTerm.SignIn(1, 2, 0)} {
		b, err := c.PackTransaction(tx)
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, b)
	}
	n := len(bodies)
	for _, b := range bodies[:n] {
		// Every truncation, flipped bits in every byte, trailing data.
		for i := range b {
			bodies = append(bodies, b[:i])
			for _, flip := range []byte{0x11, 0x80} {
				x := append([]byte(nil), b...)
				x[i] ^= flip
				bodies = append(bodies, x)
			}
		}
		bodies = append(bodies, append(append([]byte(nil), b...), 0x00))
	}
	for _, b := range bodies {
		compareUnpackPaths(t, c, b)
	}
	// A MAC lookup by terminal: same on both paths.
	ref := *c
	ref.flat = nil
	lookup := func(string) (MAC, error) { return testMAC("k"), nil }
	for _, b := range bodies[:n] {
		got, err := c.UnpackTransactionFor(b, lookup)
		want, wantErr := ref.UnpackTransactionFor(b, lookup)
		if (err == nil) != (wantErr == nil) || (err == nil && !reflect.DeepEqual(got, want)) {
			t.Fatalf("UnpackTransactionFor: flat %v %v, moov %v %v", got, err, want, wantErr)
		}
	}
}

package iso8583

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/possdk/pos/keys"
)

var env0 = Envelope{TPDU: TPDU{ID: 0x60, Destination: 0x0001}, Header: Header{AppType: 0x60, Version: 0x22}}

func TestSampleTyped(t *testing.T) {
	c := NewCodec(nil, Framing{})
	s := loadSamples(t)

	env, req, err := c.Unpack(s["0800"])
	if err != nil {
		t.Fatal(err)
	}
	if req.Kind != KindSignIn || req.STAN != 172 || req.TerminalID != "50080001" ||
		req.MerchantID != "309310083985008" || req.LocalTime != "170510" || req.LocalDate != "0510" {
		t.Errorf("0800 fields: %+v", *req)
	}
	if *req.Field60 != (Field60{Type: "00", Batch: 172, NetMgmt: "003"}) || *req.Field63 != (Field63{Code: "CUP"}) {
		t.Errorf("0800 60/63: %v %v", *req.Field60, *req.Field63)
	}
	out, err := c.Pack(env, req)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, s["0800"]) {
		t.Errorf("0800 typed re-pack\n got %X\nwant %X", out, s["0800"])
	}

	env, resp, err := c.Unpack(s["0810"])
	if err != nil {
		t.Fatal(err)
	}
	if resp.Kind != KindSignIn || !resp.IsResponse() || resp.ResponseCode != Approved ||
		resp.AcquirerID != "03099988" || resp.RRN != "051000000203" || resp.Field60.Batch != 42 || len(resp.Field62) != 40 {
		t.Errorf("0810 fields: %+v", *resp)
	}
	out, err = c.Pack(env, resp)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, s["0810"]) {
		t.Errorf("0810 typed re-pack\n got %X\nwant %X", out, s["0810"])
	}
}

func roundTrip(t *testing.T, c *Codec, tx *Transaction) *Transaction {
	t.Helper()
	frame, err := c.Pack(env0, tx)
	if err != nil {
		t.Fatalf("%s: pack: %v", tx.Kind, err)
	}
	env, got, err := c.Unpack(frame)
	if err != nil {
		t.Fatalf("%s: unpack: %v", tx.Kind, err)
	}
	if env != env0 {
		t.Errorf("%s: envelope %+v", tx.Kind, env)
	}
	want := tx.withDefaults()
	if want.Kind == KindUnknown {
		want.Kind = got.Kind
	}
	if got.macExpected() && !got.MACVerified {
		t.Errorf("%s: unpacked without MACVerified although field 64 is required", tx.Kind)
	}
	want.MACVerified = got.MACVerified
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("%s: round trip\n got %#v\nwant %#v", tx.Kind, fieldsOf(*got), fieldsOf(want))
	}
	return got
}

// fieldsOf exposes everything for a failing comparison (tests only; the
// data is synthetic).
func fieldsOf(t Transaction) string {
	var b strings.Builder
	v := reflect.ValueOf(t)
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		b.WriteString(v.Type().Field(i).Name + "=")
		switch x := f.Interface().(type) {
		case PAN:
			b.WriteString(string(x))
		case Track:
			b.WriteString(string(x))
		case PINBlock, Hidden:
			b.WriteString(strings.ToUpper(string(f.Bytes())))
		default:
			b.WriteString(strings.TrimSpace(strings.ReplaceAll(strings.ReplaceAll(
				reflect.ValueOf(x).String(), "\n", " "), "\t", " ")))
			if f.Kind() == reflect.Pointer && !f.IsNil() {
				b.WriteString(strings.ReplaceAll(reflect.Indirect(f).String(), "\n", ""))
			}
		}
		b.WriteString(" ")
	}
	return b.String()
}

func TestRoundTripEveryKind(t *testing.T) {
	c := NewCodec(nil, Framing{}).WithMAC(testMAC("k"))
	sale := testSale()
	seen := map[Kind]bool{}
	check := func(tx *Transaction, err error) *Transaction {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		got := roundTrip(t, c, tx)
		seen[tx.Kind] = true
		if got.Kind != tx.Kind {
			t.Errorf("%s classified as %s", tx.Kind, got.Kind)
		}
		// The host's answer too.
		resp, err := tx.Response(Approved)
		if err != nil {
			t.Fatal(err)
		}
		resp.RRN, resp.AuthCode, resp.LocalTime, resp.LocalDate = "051000000203", "123456", "101010", "0511"
		if tx.Kind == KindSignIn {
			resp.Field62 = make(Hidden, 40)
		}
		if tx.Kind == KindBalance {
			resp.AdditionalAmounts = "1001156C000000012345"
		}
		r := roundTrip(t, c, resp)
		if r.Kind != tx.Kind || !r.IsResponse() {
			t.Errorf("%s response classified as %s", tx.Kind, r.Kind)
		}
		return got
	}
	check(testTerm.SignIn(1, 172, keys.ModeTDESTrack), nil)
	check(testTerm.SignIn(1, 172, keys.ModeSM4), nil)
	check(testTerm.SignOff(2, 172), nil)
	check(sale, nil)
	bal := testSale()
	bal.Kind, bal.Amount = KindBalance, 0
	check(bal, nil)

	done := *sale
	done.ApplyResponse(&Transaction{RRN: "051000000203", AuthCode: "654321", LocalDate: "0511", ResponseCode: "00"})
	v := check(done.Void(174))
	if v.Field61.Batch != 172 || v.Field61.STAN != 173 || v.Field61.Date != "0511" || v.RRN != "051000000203" || v.ProcessingCode != "200000" {
		t.Errorf("void: %v %v", v.Field61, v.RRN)
	}
	check(done.Refund(175, 100))
	pre := testSale()
	pre.Kind = KindPreAuth
	check(pre, nil)
	pre.ApplyResponse(&Transaction{AuthCode: "777777", RRN: "000000000001", LocalDate: "0510"})
	check(pre.Void(176))
	comp := check(pre.Complete(177, 10000, false))
	if comp.AuthCode != "777777" || comp.ConditionCode != "06" {
		t.Errorf("completion: %+v", fieldsOf(*comp))
	}
	check(pre.Complete(178, 10000, true))
	compReq, _ := pre.Complete(177, 10000, false)
	compReq.RRN = "000000000002"
	check(compReq.Void(179))
	for _, reason := range []ResponseCode{ReasonNoResponse, ReasonMACError, ReasonOther} {
		r := check(sale.Reversal(reason))
		if r.Original != KindSale || r.STAN != sale.STAN || r.ResponseCode != reason || r.Amount != sale.Amount {
			t.Errorf("reversal: %+v", fieldsOf(*r))
		}
	}
	check(v.Reversal(ReasonOther))
	st, err := testTerm.Settlement(180, 172, SettlementTotals{Domestic: Totals{DebitAmount: 12345, DebitCount: 1}})
	got := check(st, err)
	tot, err := ParseSettlementTotals(got.AdditionalData)
	if err != nil || tot.Domestic.DebitAmount != 12345 || tot.Domestic.DebitCount != 1 || tot.Balanced() {
		t.Errorf("settlement totals %+v %v", tot, err)
	}
	bu := &Transaction{Kind: KindBatchUpload, STAN: 181, TerminalID: testTerm.TerminalID, MerchantID: testTerm.MerchantID,
		AdditionalData: "0100000173000000622202123456789012300000012345", Field60: &Field60{Batch: 172}}
	check(bu, nil)
	check(testTerm.BatchUploadEnd(182, 172, 1, true))
	check(testTerm.BatchUploadEnd(183, 172, 1, false))
	scan := &Transaction{Kind: KindScanPay, Amount: 500, STAN: 184, TerminalID: testTerm.TerminalID, MerchantID: testTerm.MerchantID,
		Field60: &Field60{Batch: 172}, Field63: &Field63{Code: "QRC", Text: "134567890123456789"}}
	check(scan, nil)
	order := *scan
	order.Kind, order.Field63, order.STAN = KindScanOrder, nil, 185
	check(&order, nil)
	for i, k := range []Kind{KindScanQuery, KindScanCancel} {
		q := &Transaction{Kind: k, STAN: uint32(186 + i), TerminalID: testTerm.TerminalID, MerchantID: testTerm.MerchantID,
			Field60: &Field60{Batch: 172}, Field61: &Field61{Batch: 172, STAN: 184}}
		got := check(q, nil)
		if got.Kind != k {
			t.Errorf("%s came back as %s", k, got.Kind)
		}
	}
	refund := &Transaction{Kind: KindScanRefund, Amount: 200, STAN: 188, TerminalID: testTerm.TerminalID, MerchantID: testTerm.MerchantID,
		Field60: &Field60{Batch: 173}, Field61: &Field61{Batch: 172, STAN: 184}}
	if got := check(refund, nil); got.Kind != KindScanRefund || got.Amount != 200 || got.Field61.STAN != 184 {
		t.Errorf("scan refund came back as %s %d %+v", got.Kind, got.Amount, got.Field61)
	}
	for k := KindSignIn; k < kindCount; k++ {
		if !seen[k] {
			t.Errorf("no round trip for %s", k)
		}
	}
}

func TestRequiredFields(t *testing.T) {
	c := NewCodec(nil, Framing{}).WithMAC(testMAC("k"))
	cases := []struct {
		name string
		edit func(*Transaction)
		want string
	}{
		{"no amount", func(t *Transaction) { t.Amount = 0 }, "field 4"},
		{"no card", func(t *Transaction) { t.PAN, t.Track2 = "", "" }, "2 or 35"},
		{"no field 60", func(t *Transaction) { t.Field60 = nil }, "field 60"},
		{"no terminal", func(t *Transaction) { t.TerminalID = "" }, "field 41"},
		{"no kind", func(t *Transaction) { t.Kind = KindUnknown }, "MTI"},
	}
	for _, tc := range cases {
		tx := testSale()
		tc.edit(tx)
		_, err := c.PackTransaction(tx)
		if !errors.Is(err, ErrMissingField) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v", tc.name, err)
		}
		if err := tx.Validate(); !errors.Is(err, ErrMissingField) {
			t.Errorf("%s: Validate: %v", tc.name, err)
		}
	}
	if err := testSale().Validate(); err != nil {
		t.Errorf("complete sale: %v", err)
	}
	// An approved sign-in response must deliver keys.
	resp, _ := testTerm.SignIn(1, 1, keys.ModeTDES).Response(Approved)
	if _, err := c.PackTransaction(resp); !errors.Is(err, ErrMissingField) {
		t.Errorf("0810 without 62: %v", err)
	}
	if _, err := (&Transaction{Kind: KindSignIn}).Reversal(ReasonOther); !errors.Is(err, ErrInvalidField) {
		t.Errorf("reversal of sign-in: %v", err)
	}
}

func TestInvalidFieldValues(t *testing.T) {
	c := NewCodec(nil, Framing{}).WithMAC(testMAC("k"))
	cases := []struct {
		name string
		edit func(*Transaction)
	}{
		{"PAN letter", func(t *Transaction) { t.PAN = "62220212345678901X" }},
		{"amount too big", func(t *Transaction) { t.Amount = 1_000_000_000_000 }},
		{"negative amount", func(t *Transaction) { t.Amount = -1 }},
		{"STAN too big", func(t *Transaction) { t.STAN = 1_000_000 }},
		{"entry mode letters", func(t *Transaction) { t.EntryMode = "0A1" }},
		{"60.5 without 60.4", func(t *Transaction) { t.Field60.Capability = "" }},
		{"track bad char", func(t *Transaction) { t.Track2 = "6222?12" }},
		{"merchant name not GBK", func(t *Transaction) { t.MerchantName = "emoji 😀" }},
		{"oversized 55", func(t *Transaction) { t.ICC = make(Hidden, 256) }},
		{"terminal id length", func(t *Transaction) { t.TerminalID = "123" }},
	}
	for _, tc := range cases {
		tx := testSale()
		tc.edit(tx)
		_, err := c.PackTransaction(tx)
		if err == nil || !(errors.Is(err, ErrInvalidField) || errors.Is(err, ErrPack)) {
			t.Errorf("%s: %v", tc.name, err)
		}
		if err != nil && strings.Contains(err.Error(), "6222021234567890123") {
			t.Errorf("%s: error leaks the PAN: %v", tc.name, err)
		}
	}
}

func TestMAC(t *testing.T) {
	c := NewCodec(nil, Framing{}).WithMAC(testMAC("k"))
	frame, err := c.Pack(env0, testSale())
	if err != nil {
		t.Fatal(err)
	}
	// Flip each byte of the message body: every change must be caught,
	// by the MAC or as a malformed message.
	body := 2 + TPDULen + HeaderLen
	for i := body; i < len(frame); i++ {
		bad := bytes.Clone(frame)
		bad[i] ^= 0x01
		if _, _, err := c.Unpack(bad); err == nil {
			t.Fatalf("flip at %d accepted", i)
		} else if !errors.Is(err, ErrMAC) && !errors.Is(err, ErrUnpack) {
			t.Fatalf("flip at %d: %v", i, err)
		}
	}
	if _, _, err := NewCodec(nil, Framing{}).WithMAC(testMAC("other")).Unpack(frame); !errors.Is(err, ErrMAC) {
		t.Errorf("wrong key: %v", err)
	}
	if _, _, err := NewCodec(nil, Framing{}).Unpack(frame); !errors.Is(err, ErrMAC) {
		t.Errorf("no key: %v", err)
	}
	if _, err := NewCodec(nil, Framing{}).PackTransaction(testSale()); !errors.Is(err, ErrMAC) {
		t.Errorf("pack without key: %v", err)
	}
	// An approved response without field 64 is refused; a declined one
	// (the host may not MAC an error) is accepted.
	resp, _ := testSale().Response(Approved)
	m, _ := resp.Message()
	raw, _ := c.PackMessage(m)
	if _, err := c.UnpackTransaction(raw); !errors.Is(err, ErrMAC) {
		t.Errorf("approved without MAC: %v", err)
	}
	resp.ResponseCode = "51"
	m, _ = resp.Message()
	raw, _ = c.PackMessage(m)
	if _, err := c.UnpackTransaction(raw); err != nil {
		t.Errorf("declined without MAC: %v", err)
	}
}

// TestMACBlock checks the MAB boundary: MTI through field 63, bit 64 set,
// no length, TPDU, header or field 64 (reference §3.2 and §3.11).
func TestMACBlock(t *testing.T) {
	var mab []byte
	rec := MACFunc(func(b []byte) ([MACSize]byte, error) {
		mab = bytes.Clone(b)
		return [MACSize]byte{1, 2, 3, 4, 5, 6, 7, 8}, nil
	})
	c := NewCodec(nil, Framing{}).WithMAC(rec)
	frame, err := c.Pack(env0, testSale())
	if err != nil {
		t.Fatal(err)
	}
	body := frame[2+TPDULen+HeaderLen:]
	if !bytes.Equal(mab, body[:len(body)-8]) {
		t.Fatalf("MAB is not the body without field 64")
	}
	if !bytes.Equal(mab[:2], []byte{0x02, 0x00}) || mab[2+7]&0x01 == 0 {
		t.Errorf("MAB must start at the MTI with bit 64 set: % X", mab[:10])
	}
	if !bytes.Equal(body[len(body)-8:], []byte{1, 2, 3, 4, 5, 6, 7, 8}) {
		t.Errorf("field 64 not patched")
	}
}

// verifyOnly is a MACVerifier that records what it was asked to verify.
type verifyOnly struct {
	inner    MAC
	mab, mac []byte
	calls    int
}

func (v *verifyOnly) MAC(mab []byte) ([MACSize]byte, error) { return v.inner.MAC(mab) }

func (v *verifyOnly) VerifyMAC(mab, mac []byte) error {
	v.calls++
	v.mab, v.mac = bytes.Clone(mab), bytes.Clone(mac)
	want, err := v.inner.MAC(mab)
	if err != nil || !bytes.Equal(want[:], mac) {
		return errors.New("verifier: mismatch")
	}
	return nil
}

// TestMACVerifier: a MAC that verifies itself (an HSM's verify operation)
// is handed the MAC block and the received field 64 instead of the codec
// comparing, and its refusal is ErrMAC.
func TestMACVerifier(t *testing.T) {
	frame, err := NewCodec(nil, Framing{}).WithMAC(testMAC("k")).Pack(env0, testSale())
	if err != nil {
		t.Fatal(err)
	}
	v := &verifyOnly{inner: testMAC("k")}
	c := NewCodec(nil, Framing{}).WithMAC(v)
	if _, _, err := c.Unpack(frame); err != nil || v.calls != 1 {
		t.Fatalf("good MAC: %v after %d verifications", err, v.calls)
	}
	if !bytes.Equal(v.mac, frame[len(frame)-MACSize:]) || !bytes.HasSuffix(frame[:len(frame)-MACSize], v.mab) {
		t.Fatal("the verifier did not get field 64 and the MAC block before it")
	}
	bad := bytes.Clone(frame)
	bad[len(bad)-1] ^= 1
	if _, _, err := c.Unpack(bad); !errors.Is(err, ErrMAC) || v.calls != 2 {
		t.Fatalf("bad MAC: %v after %d verifications", err, v.calls)
	}
}

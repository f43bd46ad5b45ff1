package iso8583

import (
	"bytes"
	"errors"
	"testing"
)

// TestField60Subfields checks the positional layout 60.1 n2, 60.2 n6,
// 60.3 n3, 60.4 n1, 60.5 n1, 60.6 n1, 60.7 n3 (Field60's sources), and
// that digits beyond 60.7 survive. Expected digit strings are written out
// by hand from that layout.
func TestField60Subfields(t *testing.T) {
	for _, c := range []struct {
		digits string
		want   Field60
	}{
		{"22160529", Field60{Type: "22", Batch: 160529}},                 // DateTest 0400
		{"00000172003", Field60{Type: "00", Batch: 172, NetMgmt: "003"}}, // sign-in
		{"2200000000060", Field60{Type: "22", NetMgmt: "000", Capability: "6", ICCondition: "0"}},
		{"22000006000601", Field60{Type: "22", Batch: 6, NetMgmt: "000", Capability: "6", ICCondition: "0", PartialApproval: "1"}},
		{"22000006000601048", Field60{Type: "22", Batch: 6, NetMgmt: "000", Capability: "6", ICCondition: "0", PartialApproval: "1", AccountType: "048"}},
		// 19 digits: two after 60.7, kept as they are.
		{"2200000600060104812", Field60{Type: "22", Batch: 6, NetMgmt: "000", Capability: "6", ICCondition: "0", PartialApproval: "1", AccountType: "048", Extra: "12"}},
	} {
		got, err := ParseField60(c.digits)
		if err != nil || got != c.want {
			t.Errorf("ParseField60(%s) = %+v, %v; want %+v", c.digits, got, err, c.want)
		}
		if s, err := c.want.encode(); err != nil || s != c.digits {
			t.Errorf("encode %+v = %q, %v; want %s", c.want, s, err, c.digits)
		}
	}
	for _, bad := range []string{"2200000", "220000060", "2200000600", "220000060006010", "2200000600060104", "22000006000601048x"} {
		if _, err := ParseField60(bad); !errors.Is(err, ErrInvalidField) {
			t.Errorf("ParseField60(%s): %v", bad, err)
		}
	}
	for _, bad := range []Field60{
		{Type: "22", PartialApproval: "1"},                                                  // 60.6 without 60.3-60.5
		{Type: "22", NetMgmt: "000", Capability: "6", ICCondition: "0", AccountType: "048"}, // 60.7 without 60.6
		{Type: "22", NetMgmt: "000", Capability: "6", ICCondition: "0", PartialApproval: "12"},
		{Type: "22", NetMgmt: "000", Capability: "6", ICCondition: "0", PartialApproval: "1", AccountType: "48"},
	} {
		if _, err := bad.encode(); !errors.Is(err, ErrInvalidField) {
			t.Errorf("encode %+v: %v", bad, err)
		}
	}
}

// TestField60NineteenDigitsOnTheWire packs a sale whose field 60 has 19
// digits (the refused frame: 17 used to be the maximum) and checks
// the bytes against the CUP wire format written out by hand: LLLVAR with a
// 2-byte BCD digit count (00 19), then 10 bytes left-aligned BCD with a 0
// pad nibble.
func TestField60NineteenDigitsOnTheWire(t *testing.T) {
	c := NewCodec(nil, Framing{}).WithMAC(testMAC("k"))
	sale := testSale()
	sale.Field60 = &Field60{Batch: 6, Capability: "6", ICCondition: "0", PartialApproval: "1", AccountType: "048", Extra: "12"}
	body, err := c.PackTransaction(sale)
	if err != nil {
		t.Fatal(err)
	}
	want := mustHex("0019 2200000600060104 8120")
	if !bytes.Contains(body, want) {
		t.Fatalf("field 60 % X not in % X", want, body)
	}
	got, err := c.UnpackTransaction(body)
	if err != nil {
		t.Fatal(err)
	}
	if *got.Field60 != (Field60{Type: "22", Batch: 6, NetMgmt: "000", Capability: "6", ICCondition: "0", PartialApproval: "1", AccountType: "048", Extra: "12"}) {
		t.Errorf("unpacked %+v", *got.Field60)
	}
	// Beyond the spec's maximum: refused before anything is sent.
	sale.Field60.Extra = string(bytes.Repeat([]byte("1"), CUPField60Max))
	if _, err := c.PackTransaction(sale); !errors.Is(err, ErrInvalidField) {
		t.Errorf("field 60 over %d digits: %v", CUPField60Max, err)
	}
}

// TestField61Subfields: 61.1 n6, 61.2 n6, 61.3 n4, 61.4 n2, 61.5 n11 (29
// digits in all, the field's maximum).
func TestField61Subfields(t *testing.T) {
	full := Field61{Batch: 233415, STAN: 681186, Date: "0529", AuthMethod: "01", AuthInstitution: "03099988000"}
	const digits = "23341568118605290103099988000"
	if s, err := full.encode(); err != nil || s != digits {
		t.Errorf("encode = %q, %v", s, err)
	}
	if got, err := ParseField61(digits); err != nil || got != full {
		t.Errorf("parse = %+v, %v", got, err)
	}
	if got, err := ParseField61("2334156811860529"); err != nil || got != (Field61{Batch: 233415, STAN: 681186, Date: "0529"}) {
		t.Errorf("DateTest 61: %+v, %v", got, err)
	}
	for _, bad := range []string{"23341568118", "23341568118605", "2334156811860529010", "2334156811860529010309998800"} {
		if _, err := ParseField61(bad); !errors.Is(err, ErrInvalidField) {
			t.Errorf("ParseField61(%s): %v", bad, err)
		}
	}
	if _, err := (Field61{Batch: 1, STAN: 2, AuthMethod: "01"}).encode(); !errors.Is(err, ErrInvalidField) {
		t.Errorf("61.4 without 61.3: %v", err)
	}
}

// TestMACFieldPerMessage: ISO 8583:1987 puts the MAC in the last data
// element, 64 without a secondary bitmap and 128 with one, message by
// message, whatever the spec defines.
func TestMACFieldPerMessage(t *testing.T) {
	var mabs [][]byte
	rec := MACFunc(func(b []byte) ([MACSize]byte, error) {
		mabs = append(mabs, bytes.Clone(b))
		return [MACSize]byte{1, 2, 3, 4, 5, 6, 7, 8}, nil
	})
	for _, spec := range []*Spec{ISO87BCDSpec(), ISO87ASCIISpec()} {
		c := NewCodec(spec, Framing{NoTPDU: true, NoHeader: true}).WithMAC(rec)
		// A Transaction has no field above 64: one bitmap, MAC in 64.
		body, err := c.PackTransaction(testSale())
		if err != nil {
			t.Fatal(err)
		}
		mti := 2
		if spec.Name == "ISO 8583:1987 ASCII" {
			mti = 4
		}
		if body[mti]&0x80 != 0 || body[mti+7]&0x01 == 0 || !bytes.HasSuffix(body, []byte{1, 2, 3, 4, 5, 6, 7, 8}) {
			t.Errorf("%s: sale: bitmap % X, tail % X", spec.Name, body[mti:mti+8], body[len(body)-8:])
		}
		if got, err := c.UnpackTransaction(body); err != nil || !got.MACVerified {
			t.Errorf("%s: sale unpack: %v", spec.Name, err)
		}
		// A message with field 70: secondary bitmap, the MAC goes to 128
		// even when the caller asked for it with 64.
		m := NewMessage("0800")
		m.Set(11, "000001")
		m.Set(70, "301")
		m.SetBytes(64, nil)
		body, err = c.PackMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		if m.Has(64) || !m.Has(128) || m.MACField() != 128 || body[mti]&0x80 == 0 || body[mti+8+7]&0x01 == 0 || body[mti+7]&0x01 != 0 {
			t.Errorf("%s: 0800 with 70: bitmaps % X", spec.Name, body[mti:mti+16])
		}
		if got, err := c.UnpackMessage(body); err != nil || !bytes.Equal(got.Bytes(128), []byte{1, 2, 3, 4, 5, 6, 7, 8}) {
			t.Errorf("%s: unpack 0800: %v", spec.Name, err)
		}
		// Field 64 in a message with a secondary bitmap is refused.
		bad := bytes.Clone(body[:len(body)-8])
		bad[mti+7] |= 0x01
		bad[mti+8+7] &^= 0x01
		bad = append(bad, 9, 9, 9, 9, 9, 9, 9, 9)
		if _, err := c.UnpackMessage(bad); !errors.Is(err, ErrUnpack) {
			t.Errorf("%s: field 64 with a secondary bitmap: %v", spec.Name, err)
		}
	}
	// The CUP spec has no secondary bitmap: a field above 64 cannot pack.
	m := NewMessage("0800")
	m.Set(70, "301")
	if _, err := NewCodec(nil, Framing{}).PackMessage(m); !errors.Is(err, ErrInvalidField) {
		t.Errorf("CUP field 70: %v", err)
	}
}

// TestTrailingBytes: bytes after the last field are an error, with or
// without a MAC (they used to be ignored when there was none).
func TestTrailingBytes(t *testing.T) {
	c := NewCodec(nil, Framing{})
	body := loadSamples(t)["0800"][2+TPDULen+HeaderLen:]
	if _, err := c.UnpackMessage(body); err != nil {
		t.Fatal(err)
	}
	_, err := c.UnpackMessage(append(bytes.Clone(body), 0x00))
	if !errors.Is(err, ErrUnpack) || !bytes.Contains([]byte(err.Error()), []byte("1 bytes after the last field")) {
		t.Errorf("trailing byte: %v", err)
	}
}

package emv

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/possdk/pos/tlv"

	"github.com/possdk/pos/internal/testvec"
)

func TestField55BuildRoundTrip(t *testing.T) {
	d := Data{}
	if _, err := d.AddTLV(testvec.Hex(t, sample253)); err != nil {
		t.Fatal(err)
	}
	out, err := Field55Mastercard().Build(nil, d)
	if err != nil {
		t.Fatal(err)
	}
	// Every spec tag present in the sample comes out, in spec order.
	var got []tlv.Tag
	s := tlv.NewScanner(out)
	for s.Next() {
		got = append(got, s.Tag())
		if !slices.Equal(s.Value(), d[s.Tag()]) {
			t.Errorf("%v value changed", s.Tag())
		}
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	want := []tlv.Tag{0x9F26, 0x9F27, 0x9F10, 0x9F37, 0x9F36, 0x95, 0x9A, 0x9C, 0x9F02, 0x5F2A, 0x82, 0x9F1A,
		0x9F03, 0x9F33, 0x9F34, 0x9F35, 0x9F1E, 0x84, 0x9F09, 0x9F41, 0x9F53, 0x5F34}
	if !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
	// The host side reads the cryptogram data back from what was built.
	cd, err := CryptogramDataFromTLV(out)
	if err != nil {
		t.Fatal(err)
	}
	if cd.ATC != [2]byte{0x01, 0xE3} || len(cd.IAD) != 18 {
		t.Errorf("cryptogram data %+v", cd)
	}

	delete(d, 0x9F26)
	delete(d, 0x9F37)
	if _, err := Field55UnionPay().Build(nil, d); !errors.Is(err, ErrMissing) || !strings.Contains(err.Error(), "9F26, 9F37") {
		t.Errorf("missing required tags: %v", err)
	}
	if len(Field55Visa()) == 0 || Field55Visa()[0].Tag != 0x9F26 {
		t.Error("Visa spec")
	}
}

func TestDataFillDOL(t *testing.T) {
	d := Data{
		0x9F02: testvec.Hex(t, "000000001000"),
		0x9F66: testvec.Hex(t, "36004000"),
		0x5F2A: testvec.Hex(t, "0156"),
		0x9F1C: []byte("TERM0001"),
		0x5A:   testvec.Hex(t, "4761739001010010"),
	}
	// PDOL: TTQ 4, amount 6, currency 2, TID 10 (longer: zero-padded on the
	// right), amount asked as 4 bytes (n: left-truncated), PAN 10 (cn: F
	// padded), an unknown tag 3 (zeros).
	pdol := testvec.Hex(t, "9F66049F02065F2A029F1C0A9F02045A0ADF7F03")
	got, err := d.FillDOLBytes(nil, pdol, SchemeVisa)
	if err != nil {
		t.Fatal(err)
	}
	want := "36004000" + "000000001000" + "0156" + "5445524D303030310000" + "00001000" + "4761739001010010FFFF" + "000000"
	if hx(got) != want {
		t.Errorf("PDOL data\n got %s\nwant %s", hx(got), want)
	}
	if _, err := d.FillDOLBytes(nil, testvec.Hex(t, "9F"), SchemeEMV); !errors.Is(err, tlv.ErrBadDOL) && err == nil {
		t.Errorf("bad DOL: %v", err)
	}
	dups, err := d.AddTLV(testvec.Hex(t, "9F0206000000002000"))
	if err != nil || len(dups) != 1 || hx(d[0x9F02]) != "000000001000" {
		t.Errorf("duplicate handling: %v %v %s", dups, err, hx(d[0x9F02]))
	}
}

func TestParseIssuerResponse(t *testing.T) {
	// 91 (ARPC || ARC), 8A, a 71 script with 9F18 and two commands, a 72
	// script without an identifier.
	b := testvec.Hex(t, "910A28993816AFAE4AEB3030"+"8A023030"+
		"7119"+"9F180400000001"+"86098418000004AABBCCDD"+"86058424000000"+
		"7207"+"86058418000000"+"00")
	r, err := ParseIssuerResponse(b)
	if err != nil {
		t.Fatal(err)
	}
	if hx(r.AuthData) != "28993816AFAE4AEB3030" || string(r.ARC) != "00" || len(r.Scripts) != 2 {
		t.Fatalf("%+v", r)
	}
	s := r.Scripts[0]
	if s.Tag != 0x71 || hx(s.ID) != "00000001" || len(s.Commands) != 2 || hx(s.Commands[1]) != "8424000000" {
		t.Errorf("script 71 %+v", s)
	}
	if r.Scripts[1].Tag != 0x72 || r.Scripts[1].ID != nil {
		t.Errorf("script 72 %+v", r.Scripts[1])
	}
	for _, bad := range []string{"9103010203", "8A0130", "71059F18020102", "7103860100", "71069F1803000000"} {
		if _, err := ParseIssuerResponse(testvec.Hex(t, bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if got := hx(AppendScriptResult(nil, ScriptFailed, 2, testvec.Hex(t, "00000001"))); got != "1200000001" {
		t.Errorf("script result %s", got)
	}
	if got := hx(AppendScriptResult(nil, ScriptSuccessful, 99, nil)); got != "2F00000000" {
		t.Errorf("script result %s", got)
	}
}

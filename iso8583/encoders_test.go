package iso8583

import (
	"bytes"
	"errors"
	"testing"
)

func TestNibbleEncoders(t *testing.T) {
	cases := []struct {
		enc  interface{ Encode([]byte) ([]byte, error) }
		in   string
		want string
	}{
		{PANEncoder(0xF), "6222021234567890123", "6222021234567890123F"},
		{PANEncoder(0x0), "123", "1230"},
		{PANEncoder(0xF), "1234", "1234"},
		// Reference §3.3: '=' is written as D, padded with F.
		{TrackEncoder(0xF), "6222021234567890123=2612220", "6222021234567890123D2612220F"},
		{TrackEncoder(0xF), "ab=C", "ABDC"},
	}
	for _, tc := range cases {
		got, err := tc.enc.Encode([]byte(tc.in))
		if err != nil || !bytes.Equal(got, mustHex(tc.want)) {
			t.Errorf("%q: %X %v", tc.in, got, err)
		}
	}
	if _, err := PANEncoder(0xF).Encode([]byte("12=4")); !errors.Is(err, ErrInvalidField) {
		t.Errorf("PAN with '=': %v", err)
	}
	out, n, err := TrackEncoder(0xF).Decode(mustHex("1234DF00"), 5)
	if err != nil || n != 3 || string(out) != "1234=" {
		t.Errorf("decode: %q %d %v", out, n, err)
	}
	out, _, err = TrackEncoder(0xF).Decode(mustHex("1230"), 3)
	if err != nil || string(out) != "123" {
		t.Errorf("0 pad: %q %v", out, err)
	}
	if _, _, err := PANEncoder(0xF).Decode(mustHex("1D"), 2); !errors.Is(err, ErrUnpack) {
		t.Errorf("PAN D nibble: %v", err)
	}
	if _, _, err := PANEncoder(0xF).Decode(mustHex("12"), 4); !errors.Is(err, ErrUnpack) {
		t.Errorf("short: %v", err)
	}
	if _, _, err := PANEncoder(0xF).Decode(nil, -1); !errors.Is(err, ErrUnpack) {
		t.Errorf("negative: %v", err)
	}
}

func TestGBK(t *testing.T) {
	fixed := &FieldSpec{Length: 40, Pref: ASCIIPrefixers().Fixed, Packer: GBKPacker(true)}
	packed, err := fixed.Pack([]byte("银联测试商户"))
	if err != nil {
		t.Fatal(err)
	}
	// 6 characters, 2 GBK bytes each, then 28 spaces. 银 = D2F8, 联 = C1AA (GB 2312).
	if len(packed) != 40 || !bytes.HasPrefix(packed, mustHex("D2F8C1AA")) || packed[39] != ' ' {
		t.Fatalf("packed % X", packed)
	}
	got, n, err := fixed.Unpack(packed)
	if err != nil || n != 40 || string(got) != "银联测试商户" {
		t.Errorf("unpacked %q %d %v", got, n, err)
	}
	long := make([]byte, 0, 60)
	for range 21 {
		long = append(long, "银"...)
	}
	if _, err := fixed.Pack(long); !errors.Is(err, ErrInvalidField) {
		t.Errorf("42 GBK bytes in ans40: %v", err)
	}
	// Variable-length: the prefix counts GBK bytes, not UTF-8 bytes.
	v := &FieldSpec{Length: 163, Pref: BCDPrefixers().LLL, Packer: GBKPacker(false)}
	packed, err = v.Pack([]byte("CUP银联"))
	if err != nil || !bytes.Equal(packed[:2], []byte{0x00, 0x07}) {
		t.Errorf("LLL GBK: % X %v", packed, err)
	}
	if _, _, err := (gbk{}).Decode([]byte{0x81}, 1); !errors.Is(err, ErrUnpack) {
		t.Errorf("lone lead byte: %v", err)
	}
	if _, _, err := (gbk{}).Decode([]byte{0x41}, 2); !errors.Is(err, ErrUnpack) {
		t.Errorf("short: %v", err)
	}
}

func TestFraming(t *testing.T) {
	env := Envelope{TPDU: TPDU{ID: 0x60, Destination: 0x0005, Source: 0x0000},
		Header: Header{AppType: 0x61, Version: 0x31, Status: 0, Requirement: 3, SubVersion: 0x311305}}
	for _, fr := range []Framing{{}, {NoHeader: true}, {NoTPDU: true, NoHeader: true}} {
		out, err := fr.Append(nil, env, []byte{0x08, 0x00})
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != 2+fr.Overhead()+2 || int(out[0])<<8|int(out[1]) != fr.Overhead()+2 {
			t.Errorf("%+v: % X", fr, out)
		}
		got, body, err := fr.Split(out)
		if err != nil || !bytes.Equal(body, []byte{0x08, 0x00}) {
			t.Fatalf("%+v: %v", fr, err)
		}
		if !fr.NoTPDU && got.TPDU != env.TPDU || !fr.NoHeader && got.Header != env.Header {
			t.Errorf("%+v: envelope %+v", fr, got)
		}
	}
	if got := env.Header.String(); got != "613103311305" {
		t.Errorf("header %s", got)
	}
	r := env.Reply()
	if r.TPDU.Destination != 0 || r.TPDU.Source != 5 || r.TPDU.String() != "6000000005" {
		t.Errorf("reply TPDU %s", r.TPDU)
	}
	if _, err := ParseTPDU([]byte{1}); !errors.Is(err, ErrFrame) {
		t.Error(err)
	}
	if _, err := ParseHeader([]byte{1}); !errors.Is(err, ErrFrame) {
		t.Error(err)
	}
}

func TestReadFrame(t *testing.T) {
	frame := loadSamples(t)["0810"]
	r := bytes.NewReader(append(bytes.Clone(frame), frame...))
	buf := make([]byte, 0, 16)
	for i := 0; i < 2; i++ {
		got, err := ReadFrame(r, buf, 0)
		if err != nil || !bytes.Equal(got, frame) {
			t.Fatalf("frame %d: %v", i, err)
		}
		buf = got
	}
	if _, err := ReadFrame(bytes.NewReader(frame), nil, 100); !errors.Is(err, ErrFrame) {
		t.Errorf("limit: %v", err)
	}
	if _, err := ReadFrame(bytes.NewReader(frame[:50]), nil, 0); err == nil {
		t.Error("truncated frame accepted")
	}
}

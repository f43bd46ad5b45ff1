package emv

import (
	"errors"
	"testing"

	"github.com/possdk/pos/keys"

	"github.com/possdk/pos/internal/testvec"
)

// TestPBOCVectors runs the two published PBOC/UICS CVN 01 worked examples
// (testdata/pboc.txt) through every step: master key (Option A), PBOC
// session key, MAC input, ARQC, ARPC method 1 under the session key, tag 91.
func TestPBOCVectors(t *testing.T) {
	m := PBOCCVN01
	testvec.Run(t, testvec.Load(t, "pboc.txt"), func(t *testing.T, v testvec.Vector) {
		wantMK, err := keys.New(keys.TDES2, v.Bytes(t, "mk"), keys.FixParity())
		if err != nil {
			t.Fatal(err)
		}
		mk := wantMK
		if v.Has("imk") {
			if mk, err = m.MasterKey(tdesKey(t, v.Bytes(t, "imk")), mustPAN(t, v.Str(t, "pan")), v.Str(t, "psn")); err != nil {
				t.Fatal(err)
			}
			if !mk.Equal(wantMK) {
				t.Fatalf("MK KCV %s, want %s (%s)", kcv2(t, mk), v.Str(t, "mk_kcv2"), kcv2(t, wantMK))
			}
		}
		if kcv2(t, mk) != v.Str(t, "mk_kcv2") {
			t.Fatalf("MK KCV %s, want %s", kcv2(t, mk), v.Str(t, "mk_kcv2"))
		}
		d, err := CryptogramDataFromTLV(field55Of(t, v))
		if err != nil {
			t.Fatal(err)
		}
		if hx(d.ATC[:]) != v.Str(t, "atc") {
			t.Fatalf("ATC %X", d.ATC)
		}
		sk, err := m.SessionKey(mk, d.ATC)
		if err != nil {
			t.Fatal(err)
		}
		wantSK, _ := keys.New(keys.TDES2, v.Bytes(t, "sk"), keys.FixParity())
		if !sk.Equal(wantSK) || kcv2(t, sk) != v.Str(t, "sk_kcv2") {
			t.Fatalf("SK KCV %s, want %s", kcv2(t, sk), v.Str(t, "sk_kcv2"))
		}
		data, err := m.AppendData(nil, &d)
		if err != nil {
			t.Fatal(err)
		}
		if hx(data) != hx(v.Bytes(t, "data")) || len(data) != 37 {
			t.Fatalf("MAC input\n got %s\nwant %s", hx(data), hx(v.Bytes(t, "data")))
		}
		arqc, err := m.Cryptogram(sk, &d)
		if err != nil {
			t.Fatal(err)
		}
		if hx(arqc) != v.Str(t, "arqc") {
			t.Fatalf("ARQC %s, want %s", hx(arqc), v.Str(t, "arqc"))
		}
		in := ARPCInput{ARC: [2]byte(v.Bytes(t, "arc"))}
		arpc, err := m.ARPC(sk, arqc, in)
		if err != nil {
			t.Fatal(err)
		}
		if hx(arpc) != v.Str(t, "arpc") {
			t.Errorf("ARPC %s, want %s", hx(arpc), v.Str(t, "arpc"))
		}
		if got, want := hx(m.IssuerAuthenticationData(arpc, in)), v.Str(t, "arpc")+v.Str(t, "arc"); got != want {
			t.Errorf("tag 91 %s, want %s", got, want)
		}
		// The ARPC is under the session key, not the master key
		// (china_payments.md §1.3: the UDK variant gives another value).
		if wrong, _ := ARPCMethod1(mk, arqc, in.ARC); hx(wrong) == v.Str(t, "arpc") {
			t.Error("ARPC under the master key matches: the vector cannot tell the keys apart")
		}
		if v.Has("imk") {
			imk := tdesKey(t, v.Bytes(t, "imk"))
			pan := mustPAN(t, v.Str(t, "pan"))
			if _, err := m.VerifyARQC(imk, pan, v.Str(t, "psn"), &d, arqc); err != nil {
				t.Fatalf("VerifyARQC: %v", err)
			}
			d.IAD = append([]byte(nil), d.IAD...)
			d.IAD[5] ^= 0x10 // a CVR bit is MACed
			if _, err := m.VerifyARQC(imk, pan, v.Str(t, "psn"), &d, arqc); !errors.Is(err, ErrCryptogram) {
				t.Errorf("tampered CVR verifies: %v", err)
			}
		}
	})
}

// The EMV common session key (R = ATC || 00..) is not the PBOC one: a CCD
// verifier would reject a genuine UnionPay ARQC.
func TestPBOCSessionKeyIsNotCommonSessionKey(t *testing.T) {
	mk := tdesKey(t, testvec.Hex(t, "0D2E3CB0BC1F9E03AED58F663A2F9679"))
	p, _ := PBOCSessionKey(mk, [2]byte{0x00, 0x0E})
	c, _ := CommonSessionKey(mk, SessionR(0x000E, [4]byte{}))
	if p.Equal(c) {
		t.Fatal("PBOC and EMV common session keys agree")
	}
}

func TestCryptogramMethodOf(t *testing.T) {
	ccd := "0FA501" + "A000000000" + "0000000000000000" + "0F" + "000000000000000000000000000000"
	for _, tt := range []struct {
		aid, iad string
		want     CryptogramMethod
	}{
		{"A000000333010101", "07000103A0400201", PBOCCVN01},
		{"A000000333010102", "07020103A4B904010A0100000000001BFC423C", PBOCCVN01}, // china_payments.md §1.1 real IAD
		{"A000000333010101", "07000103A04002010A010000001000D1F61152", PBOCCVN01},
		{"A0000000031010", "06011203A00000", VisaCVN18},
		{"A0000000031010", "06010A03A00000", VisaCVN10},
		{"A0000000041010", ccd, CCD},
		{"A000000333010101", ccd, CCD},
	} {
		got, err := CryptogramMethodOf(testvec.Hex(t, tt.aid), testvec.Hex(t, tt.iad))
		if err != nil || got != tt.want {
			t.Errorf("%s %s: %v %v, want %v", tt.aid, tt.iad, got, err, tt.want)
		}
	}
	for _, tt := range []struct{ aid, iad string }{
		{"A0000000031010", "07000103A0400201"},   // Visa CVN 01: not supported
		{"A000000333010101", "07000103A0400202"}, // algorithm 02 (SM4?): not supported
		{"A000000333010101", "06011203A00000"},   // a UnionPay AID with Visa CVN 18
		{"A0000000041010", "0110A04000000000000000000000000000"},
		{"A000000333010101", ""},
	} {
		if m, err := CryptogramMethodOf(testvec.Hex(t, tt.aid), testvec.Hex(t, tt.iad)); !errors.Is(err, ErrValue) {
			t.Errorf("%s %s: %v %v, want ErrValue", tt.aid, tt.iad, m, err)
		}
	}
}

// FuzzCryptogramMethodOf: any AID and IAD give a method or an error
// wrapping ErrValue, never a panic; a method it picks accepts the IAD for
// its cryptogram data (the host never picks a method it cannot run).
func FuzzCryptogramMethodOf(f *testing.F) {
	f.Add([]byte{0xA0, 0, 0, 0x03, 0x33, 1, 1, 1}, []byte{0x07, 0x00, 0x01, 0x03, 0xA0, 0x40, 0x02, 0x01})
	f.Add([]byte{0xA0, 0, 0, 0, 0x03, 0x10, 0x10}, []byte{0x06, 0x01, 0x12, 0x03, 0xA0, 0x00, 0x00})
	f.Add([]byte{0xA0, 0, 0, 0, 0x04, 0x10, 0x10}, make([]byte, 32))
	f.Fuzz(func(t *testing.T, aid, iad []byte) {
		m, err := CryptogramMethodOf(aid, iad)
		if err != nil {
			if !errors.Is(err, ErrValue) {
				t.Fatalf("error %v does not wrap ErrValue", err)
			}
			return
		}
		d := CryptogramData{IAD: iad}
		if _, err := m.AppendData(nil, &d); err != nil {
			t.Fatalf("%v picked for IAD %X but: %v", m, iad, err)
		}
	})
}

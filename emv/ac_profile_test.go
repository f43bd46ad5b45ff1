package emv

import (
	"errors"
	"strconv"
	"testing"

	"github.com/possdk/pos/keys"

	"github.com/possdk/pos/internal/testvec"
)

func acMethodOf(t *testing.T, v testvec.Vector) ACMethod {
	switch v.Str(t, "method") {
	case "mchip16":
		return MChipCVN16
	case "mchip17":
		return MChipCVN17
	case "mchip20":
		return MChipCVN20
	case "mchip21":
		return MChipCVN21
	case "interac133":
		return InteracCVN133
	}
	return methodOf(t, v)
}

// M/Chip CVN 16/17/20/21 and Interac CVN 133 against pyemv's HSM-generated
// vectors: card master key, session key (KCVs), ARQC verified from the IMK,
// ARPC method 1 under the key the CVN names, tag 91; a tampered UN (in the
// Mastercard SKD session key and the data) or counter byte (CVN 17/21)
// fails with ErrCryptogram.
func TestACMethodVectors(t *testing.T) {
	testvec.Run(t, testvec.Load(t, "ac_methods.txt"), func(t *testing.T, v testvec.Vector) {
		m := acMethodOf(t, v)
		testACMethod(t, v, m)
	})
}

func testACMethod(t *testing.T, v testvec.Vector, m ACMethod) {
	imk := tdesKey(t, v.Bytes(t, "imk"))
	pan := mustPAN(t, v.Str(t, "pan"))
	d, err := CryptogramDataFromTLV(field55Of(t, v))
	if err != nil {
		t.Fatal(err)
	}
	arqc := v.Bytes(t, "arqc")
	k, err := VerifyAC(m, imk, pan, v.Field("psn"), &d, arqc)
	if err != nil {
		t.Fatalf("VerifyAC: %v", err)
	}
	if got := kcv2(t, k.Master); got != v.Str(t, "mk_kcv2") {
		t.Errorf("MK KCV %s, want %s", got, v.Str(t, "mk_kcv2"))
	}
	if v.Has("sk_kcv2") {
		if got := kcv2(t, k.Session); got != v.Str(t, "sk_kcv2") {
			t.Errorf("SK KCV %s, want %s", got, v.Str(t, "sk_kcv2"))
		}
	}
	p, err := m.Profile()
	if err != nil {
		t.Fatal(err)
	}
	var in ARPCInput
	if v.Has("arc") {
		in.ARC = [2]byte(v.Bytes(t, "arc"))
	}
	if v.Has("csu") {
		in.CSU = [4]byte(v.Bytes(t, "csu"))
	}
	arpc, err := p.ARPC(k, arqc, in)
	if err != nil {
		t.Fatal(err)
	}
	if hx(arpc) != v.Str(t, "arpc") {
		t.Errorf("ARPC %s, want %s", hx(arpc), v.Str(t, "arpc"))
	}
	if got, want := hx(p.IssuerAuthenticationData(arpc, in)), v.Str(t, "arpc")+v.Field("arc")+v.Field("csu"); got != want {
		t.Errorf("tag 91 %s, want %s", got, want)
	}

	bad := d
	bad.UN[3] ^= 1
	if _, err := VerifyAC(m, imk, pan, v.Field("psn"), &bad, arqc); !errors.Is(err, ErrCryptogram) {
		t.Errorf("tampered UN verifies: %v", err)
	}
	if c, ok := m.(MastercardCVN); ok && c&1 != 0 {
		bad = d
		bad.IAD = append([]byte(nil), d.IAD...)
		bad.IAD[16] ^= 1 // consecutive offline transactions
		if _, err := VerifyAC(m, imk, pan, v.Field("psn"), &bad, arqc); !errors.Is(err, ErrCryptogram) {
			t.Errorf("%v: tampered counters verify: %v", m, err)
		}
	}
}

// Profile says, as data, what each CryptogramMethod's MasterKey, SessionKey
// and ARPC do: VerifyAC through the profile agrees with the method's own
// VerifyARQC and ARPC on every Visa vector.
func TestCryptogramMethodProfiles(t *testing.T) {
	for _, v := range testvec.Load(t, "cryptograms.txt") {
		if v.Field("kind") != "cvn" {
			continue
		}
		t.Run(v.Name, func(t *testing.T) {
			m := methodOf(t, v)
			testACMethod(t, v, m)
			d, _ := CryptogramDataFromTLV(field55Of(t, v))
			sk, err := m.VerifyARQC(tdesKey(t, v.Bytes(t, "imk")), mustPAN(t, v.Str(t, "pan")), v.Field("psn"), &d, v.Bytes(t, "arqc"))
			if err != nil {
				t.Fatal(err)
			}
			k, _ := VerifyAC(m, tdesKey(t, v.Bytes(t, "imk")), mustPAN(t, v.Str(t, "pan")), v.Field("psn"), &d, v.Bytes(t, "arqc"))
			if !sk.Equal(k.Session) {
				t.Errorf("%v: session keys differ", m)
			}
		})
	}
	// PBOC CVN 01 worked example B goes from the IMK.
	for _, v := range testvec.Load(t, "pboc.txt") {
		if !v.Has("imk") {
			continue
		}
		t.Run(v.Name, func(t *testing.T) {
			d, err := CryptogramDataFromTLV(field55Of(t, v))
			if err != nil {
				t.Fatal(err)
			}
			k, err := VerifyAC(PBOCCVN01, tdesKey(t, v.Bytes(t, "imk")), mustPAN(t, v.Str(t, "pan")), v.Field("psn"), &d, v.Bytes(t, "arqc"))
			if err != nil {
				t.Fatal(err)
			}
			p, _ := PBOCCVN01.Profile()
			arpc, err := p.ARPC(k, v.Bytes(t, "arqc"), ARPCInput{ARC: [2]byte(v.Bytes(t, "arc"))})
			if err != nil || hx(arpc) != v.Str(t, "arpc") {
				t.Errorf("ARPC %s (%v), want %s", hx(arpc), err, v.Str(t, "arpc"))
			}
		})
	}
	if _, err := CryptogramMethod(0).Profile(); !errors.Is(err, ErrValue) {
		t.Errorf("method 0 has a profile: %v", err)
	}
}

// An IAD of another layout or CVN is refused before any key is derived.
func TestACMethodIADChecks(t *testing.T) {
	d := CryptogramData{IAD: testvec.Hex(t, "0110A00003220000000000000000000000FF")}
	for _, m := range []ACMethod{MChipCVN17, MChipCVN20, InteracCVN133, MastercardCVN(0x12), InteracCVN(1)} {
		if _, err := m.AppendData(nil, &d); !errors.Is(err, ErrValue) {
			t.Errorf("%v accepts a CVN 16 IAD: %v", m, err)
		}
	}
	d.IAD = d.IAD[:17]
	if _, err := MChipCVN16.AppendData(nil, &d); !errors.Is(err, ErrValue) {
		t.Errorf("CVN 16 accepts a 17-byte IAD: %v", err)
	}
}

// EMV 2000 tree session keys against pyemv's HSM-generated values, at the
// first, a middle and the last ATC, for both recommended shapes and two
// IVs.
func TestEMV2000TreeVectors(t *testing.T) {
	testvec.Run(t, testvec.Load(t, "emv2000_tree.txt"), func(t *testing.T, v testvec.Vector) {
		mk, err := keys.New(keys.TDES2, v.Bytes(t, "mk"), keys.Legacy())
		if err != nil {
			t.Fatal(err)
		}
		h, _ := strconv.Atoi(v.Str(t, "height"))
		b, _ := strconv.Atoi(v.Str(t, "branch"))
		tp := TreeParams{BranchFactor: b, Height: h, IV: [16]byte(v.Bytes(t, "iv"))}
		sk, err := EMV2000TreeSessionKey(mk, [2]byte(v.Bytes(t, "atc")), tp)
		if err != nil {
			t.Fatal(err)
		}
		if got := keyHex(sk); got != v.Str(t, "sk") {
			t.Errorf("SK %s, want %s", got, v.Str(t, "sk"))
		}
		p := ACProfile{MasterKey: OptionA, SessionKey: SessionEMV2000Tree, Tree: tp, Padding: keys.Padding2, ARPCMethod: 1, ARPCKey: ARPCUnderSessionKey}
		sk2, err := p.DeriveSessionKey(mk, [2]byte(v.Bytes(t, "atc")), [4]byte{})
		if err != nil || !sk2.Equal(sk) {
			t.Errorf("profile derivation differs (%v)", err)
		}
	})
	mk, _ := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	for _, tp := range []TreeParams{{BranchFactor: 2, Height: 15}, {BranchFactor: 1, Height: 16}, {BranchFactor: 4, Height: 17}} {
		if _, err := EMV2000TreeSessionKey(mk, [2]byte{}, tp); !errors.Is(err, ErrValue) {
			t.Errorf("tree %+v accepted: %v", tp, err)
		}
	}
}

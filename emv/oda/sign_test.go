package oda_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/possdk/pos/emv/oda"
	"github.com/possdk/pos/emv/oda/odatest"
)

func h(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// TestPersonaliseAndVerify signs a whole chain with the test PKI, as the
// software card does, and verifies every kind of ODA with it.
func TestPersonaliseAndVerify(t *testing.T) {
	rid := h("A000000003")
	pan := h("4761739001010010")
	panField := h("4761739001010010FFFF")
	static := h("5F24032812315A0847617390010100105F3401019F0702FF005C00")
	today := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)

	issCert, issRem, err := oda.SignIssuerCertificate(odatest.CAKey(), h("476173FF"), h("1230"), h("000001"), &odatest.IssuerKey().PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if len(issRem) != 4 {
		t.Fatalf("a 1152-bit issuer key under a 1408-bit CA leaves 4 bytes of remainder, got %d", len(issRem))
	}
	iccPriv := odatest.ICCKey(1)
	iccCert, iccRem, err := oda.SignICCCertificate(odatest.IssuerKey(), panField, h("1229"), h("000042"), &iccPriv.PublicKey, static)
	if err != nil {
		t.Fatal(err)
	}
	exp := []byte{1, 0, 1}

	store := odatest.CAStore(rid)
	ca, err := store.Lookup(rid, odatest.CAIndex, today)
	if err != nil {
		t.Fatal(err)
	}
	iss, err := oda.RecoverIssuerKey(ca, issCert, issRem, exp, pan, today)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(iss.Modulus, odatest.IssuerKey().N.Bytes()) {
		t.Fatal("recovered issuer modulus differs")
	}
	icc, err := oda.RecoverICCKey(iss, iccCert, iccRem, exp, static, pan, today)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(icc.Modulus, iccPriv.N.Bytes()) {
		t.Fatal("recovered ICC modulus differs")
	}

	ssad, err := oda.SignStaticData(odatest.IssuerKey(), [2]byte{0xDA, 0xC1}, static)
	if err != nil {
		t.Fatal(err)
	}
	if dac, err := oda.VerifySDA(iss, ssad, static); err != nil || !bytes.Equal(dac, h("DAC1")) {
		t.Fatalf("SDA: %X %v", dac, err)
	}

	idn := h("0102030405060708")
	ddol := h("CAFEBABE")
	sdad, err := oda.SignDynamicData(iccPriv, oda.DDADynamicData(idn), ddol)
	if err != nil {
		t.Fatal(err)
	}
	if dd, err := oda.VerifyDDA(icc, sdad, ddol); err != nil || !bytes.Equal(dd.ICCDynamicNumber, idn) {
		t.Fatalf("DDA: %v", err)
	}

	un, amount, cur, cad := h("11223344"), h("000000001000"), h("0156"), h("01AABB000000")
	fsdad, _ := oda.SignDynamicData(iccPriv, oda.DDADynamicData(idn[:4]), oda.FDDAData(un, amount, cur, cad))
	if _, err := oda.VerifyFDDA(icc, fsdad, un, amount, cur, cad); err != nil {
		t.Fatalf("fDDA: %v", err)
	}
	if _, err := oda.VerifyFDDA(icc, fsdad, un, h("000000002000"), cur, cad); !errors.Is(err, oda.ErrSignature) {
		t.Fatalf("fDDA with another amount: %v", err)
	}

	pdol, cdol1 := h("36000000"), h("000000001000000000000000015600000000001126112100112233")
	resp := h("9F2701809F360200419F100706010A03A00000")
	ac := h("1122334455667788")
	csdad, _ := oda.SignDynamicData(iccPriv, oda.CDADynamicData(idn, 0x80, ac, oda.TransactionDataHash(pdol, cdol1, nil, resp)), un)
	cd, err := oda.VerifyCDA(icc, oda.CDAInput{SDAD: csdad, UnpredictableNumber: un, CID: 0x80, PDOLData: pdol, CDOL1Data: cdol1, ResponseTLVs: resp})
	if err != nil || !bytes.Equal(cd.Cryptogram, ac) {
		t.Fatalf("CDA: %v", err)
	}
}

func TestSignRejectsBadSizes(t *testing.T) {
	if _, _, err := oda.SignIssuerCertificate(odatest.CAKey(), h("4761"), h("1230"), h("000001"), &odatest.IssuerKey().PublicKey); err == nil {
		t.Fatal("short issuer ID accepted")
	}
	if _, _, err := oda.SignICCCertificate(odatest.IssuerKey(), h("4761"), h("1230"), h("000001"), &odatest.ICCKey(2).PublicKey, nil); err == nil {
		t.Fatal("short PAN field accepted")
	}
	if _, err := oda.SignDynamicData(odatest.ICCKey(2), make([]byte, 200), nil); err == nil {
		t.Fatal("dynamic data larger than the key accepted")
	}
}

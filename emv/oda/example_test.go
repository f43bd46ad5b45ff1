package oda_test

import (
	"fmt"
	"time"

	"github.com/possdk/pos/emv/oda"
	"github.com/possdk/pos/emv/oda/odatest"
)

// Personalise a card's certificate chain with the test PKI, then
// authenticate it dynamically as a terminal does.
func Example() {
	today := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
	pan := h("4761739001010010")
	static := h("5F24032812315A0847617390010100105C00")

	// Issuer side (done once, at personalisation).
	issCert, issRem, _ := oda.SignIssuerCertificate(odatest.CAKey(), h("476173FF"), h("1230"), h("000001"), &odatest.IssuerKey().PublicKey)
	iccCert, iccRem, _ := oda.SignICCCertificate(odatest.IssuerKey(), h("4761739001010010FFFF"), h("1229"), h("000001"), &odatest.ICCKey(1).PublicKey, static)
	sdad, _ := oda.SignDynamicData(odatest.ICCKey(1), oda.DDADynamicData(h("1234")), h("CAFEBABE"))

	// Terminal side.
	store := odatest.CAStore(h("A000000003"))
	ca, err := store.Lookup(h("A0000000031010"), odatest.CAIndex, today)
	if err != nil {
		fmt.Println(err)
		return
	}
	iss, err := oda.RecoverIssuerKey(ca, issCert, issRem, []byte{1, 0, 1}, pan, today)
	if err != nil {
		fmt.Println(err)
		return
	}
	icc, err := oda.RecoverICCKey(iss, iccCert, iccRem, []byte{1, 0, 1}, static, pan, today)
	if err != nil {
		fmt.Println(err)
		return
	}
	dd, err := oda.VerifyDDA(icc, sdad, h("CAFEBABE"))
	fmt.Printf("DDA ok, ICC dynamic number %X, err %v\n", dd.ICCDynamicNumber, err)

	_, err = oda.VerifyDDA(icc, sdad, h("CAFEBABF"))
	fmt.Println(err)
	// Output:
	// DDA ok, ICC dynamic number 1234, err <nil>
	// oda: signed data check failed: signed dynamic application data: hash mismatch
}

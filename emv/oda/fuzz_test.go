package oda

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzRecover feeds arbitrary certificates and signatures to every recovery
// function with real keys (the M/Chip vectors). Properties (EMV Book 2
// §5.3, §6.3-6.5: a signature recovers only with its exact data):
// a refusal wraps one of the package's sentinels; an issuer key recovers
// only from the vector's certificate and remainder, for a PAN that starts
// with the certificate's issuer identifier; an ICC key only from the
// vector's certificate, for exactly the certificate's PAN; DDA passes only
// for the vector's signature and DDOL data; SDA (no signed static data in
// the vector) and CDA (no transaction data) never pass.
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
		for i, err := range []error{err1, err2, err3, err4, err5} {
			if err != nil && !errors.Is(err, ErrCertificate) && !errors.Is(err, ErrExpired) && !errors.Is(err, ErrPANMismatch) &&
				!errors.Is(err, ErrSignature) && !errors.Is(err, ErrMissingData) && !errors.Is(err, ErrCAKey) {
				t.Fatalf("check %d: error wraps no sentinel: %v", i+1, err)
			}
		}
		if err1 == nil && (!bytes.Equal(sig, v["issuer_cert"]) || !bytes.Equal(extra, v["issuer_remainder"])) {
			t.Fatal("issuer key recovered from another certificate or remainder")
		}
		if err1 == nil {
			id := strings.TrimRight(hex.EncodeToString(iss.IssuerID), "fF")
			if !strings.HasPrefix(hex.EncodeToString(pan), strings.ToLower(id)) {
				t.Fatalf("issuer key for issuer %s recovered for PAN %X", id, pan)
			}
		}
		if err2 == nil && (!bytes.Equal(sig, v["icc_cert"]) || len(extra) != 0 ||
			strings.TrimRight(hex.EncodeToString(pan), "f") != strings.TrimRight(hex.EncodeToString(v["pan"]), "f")) {
			t.Fatalf("ICC key recovered from another certificate or for another PAN (%X)", pan)
		}
		if err3 == nil {
			t.Fatal("SDA passed a fuzzer's signature")
		}
		if err4 == nil && (!bytes.Equal(sig, v["dda_sdad"]) || !bytes.Equal(extra, v["dda_ddol_data"])) {
			t.Fatal("DDA passed another signature or DDOL data")
		}
		if err5 == nil {
			t.Fatal("CDA passed without transaction data")
		}
	})
}

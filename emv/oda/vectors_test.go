package oda

import (
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/possdk/pos/internal/testvec"
)

// readVectors reads the one vector of a testdata file (internal/testvec
// format) as a map from field to its bytes.
func readVectors(t testing.TB, name string) map[string][]byte {
	t.Helper()
	v := testvec.Load(t, name)[0]
	out := map[string][]byte{}
	for _, k := range v.Fields() {
		if k != "name" && k != "source" {
			out[k] = v.Bytes(t, k)
		}
	}
	return out
}

func caKey(v map[string][]byte, rid string, index byte) CAPublicKey {
	k := CAPublicKey{Index: index, Modulus: v["ca_modulus"], Exponent: v["ca_exponent"], Checksum: v["ca_checksum"]}
	r, _ := hex.DecodeString(rid)
	copy(k.RID[:], r)
	return k
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 0x01
	return c
}

// Visa test CA 01: issuer certificate with remainder, then SDA over the
// records' static data followed by the AIP (5C00), as 9F4A = 82 asks.
func TestVectorSDA(t *testing.T) {
	v := readVectors(t, "vsdc01.txt")
	date := time.Date(2009, 6, 1, 0, 0, 0, 0, time.UTC)
	ca := caKey(v, "A000000003", 0x01)
	if err := ca.Validate(); err != nil {
		t.Fatal(err)
	}
	iss, err := RecoverIssuerKey(&ca, v["issuer_cert"], v["issuer_remainder"], v["issuer_exponent"], v["pan"], date)
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(iss.IssuerID) != "427655ff" || hex.EncodeToString(iss.Expiry) != "1209" || len(iss.Modulus) != 128 {
		t.Fatalf("issuer key: id %X expiry %X modulus %d", iss.IssuerID, iss.Expiry, len(iss.Modulus))
	}
	static := append(append([]byte{}, v["static_data"]...), 0x5C, 0x00)
	dac, err := VerifySDA(iss, v["ssad"], static)
	if err != nil || hex.EncodeToString(dac) != "3132" {
		t.Fatalf("SDA: DAC %X, %v", dac, err)
	}
	if _, err := VerifySDA(iss, v["ssad"], v["static_data"]); !errors.Is(err, ErrSignature) {
		t.Fatalf("SDA without the AIP: %v", err)
	}
	if _, err := RecoverIssuerKey(&ca, v["issuer_cert"], v["issuer_remainder"], v["issuer_exponent"], v["pan"], time.Date(2013, 1, 1, 0, 0, 0, 0, time.UTC)); !errors.Is(err, ErrExpired) {
		t.Fatalf("expired issuer certificate: %v", err)
	}
}

// Mastercard test CA 05: issuer and ICC certificates, DDA and CDA.
func TestVectorDDAAndCDA(t *testing.T) {
	v := readVectors(t, "mchip05.txt")
	date := time.Date(2014, 6, 1, 0, 0, 0, 0, time.UTC)
	ca := caKey(v, "A000000004", 0x05)
	store, err := NewCAStore(ca)
	if err != nil {
		t.Fatal(err)
	}
	k, err := store.Lookup(mustHex("A0000000041010"), 0x05, date)
	if err != nil {
		t.Fatal(err)
	}
	iss, err := RecoverIssuerKey(k, v["issuer_cert"], v["issuer_remainder"], v["issuer_exponent"], v["pan"], date)
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(iss.IssuerID) != "528588ff" || hex.EncodeToString(iss.Serial) != "006ee2" || len(iss.Modulus) != 176 {
		t.Fatalf("issuer key: id %X serial %X modulus %d", iss.IssuerID, iss.Serial, len(iss.Modulus))
	}
	icc, err := RecoverICCKey(iss, v["icc_cert"], nil, v["icc_exponent"], v["static_data"], v["pan"], date)
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(icc.Expiry) != "0615" || len(icc.Modulus) != 112 {
		t.Fatalf("ICC key: expiry %X modulus %d", icc.Expiry, len(icc.Modulus))
	}
	dd, err := VerifyDDA(icc, v["dda_sdad"], v["dda_ddol_data"])
	if err != nil || hex.EncodeToString(dd.ICCDynamicNumber) != "7a33fb8c9546e1e7" {
		t.Fatalf("DDA: %X %v", dd, err)
	}
	in := CDAInput{SDAD: v["cda_sdad"], UnpredictableNumber: v["cda_un"], CID: v["cda_cid"][0], CDOL1Data: v["cda_cdol1_data"], ResponseTLVs: v["cda_response_tlvs"]}
	cd, err := VerifyCDA(icc, in)
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(cd.ICCDynamicNumber) != "4cc2fb1fafb30915" || cd.CID != 0x40 || hex.EncodeToString(cd.Cryptogram) != "16afba13c52fb173" {
		t.Fatalf("CDA: IDN %X CID %02X AC %X", cd.ICCDynamicNumber, cd.CID, cd.Cryptogram)
	}

	// Every check fails the way it should.
	fails := []struct {
		name string
		err  error
		want error
	}{
		{"issuer cert tampered", second(RecoverIssuerKey(k, flip(v["issuer_cert"], 5), v["issuer_remainder"], v["issuer_exponent"], v["pan"], date)), ErrCertificate},
		{"issuer remainder tampered", second(RecoverIssuerKey(k, v["issuer_cert"], flip(v["issuer_remainder"], 0), v["issuer_exponent"], v["pan"], date)), ErrSignature},
		{"issuer remainder missing", second(RecoverIssuerKey(k, v["issuer_cert"], nil, v["issuer_exponent"], v["pan"], date)), ErrSignature},
		{"issuer cert short", second(RecoverIssuerKey(k, v["issuer_cert"][1:], v["issuer_remainder"], v["issuer_exponent"], v["pan"], date)), ErrCertificate},
		{"PAN of another issuer", second(RecoverIssuerKey(k, v["issuer_cert"], v["issuer_remainder"], v["issuer_exponent"], mustHex("5385881254345653"), date)), ErrPANMismatch},
		{"no PAN", second(RecoverIssuerKey(k, v["issuer_cert"], v["issuer_remainder"], v["issuer_exponent"], nil, date)), ErrMissingData},
		{"issuer cert expired", second(RecoverIssuerKey(k, v["issuer_cert"], v["issuer_remainder"], v["issuer_exponent"], v["pan"], time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC))), ErrExpired},
		{"ICC static data changed", second(RecoverICCKey(iss, v["icc_cert"], nil, v["icc_exponent"], flip(v["static_data"], 3), v["pan"], date)), ErrSignature},
		{"ICC PAN differs", second(RecoverICCKey(iss, v["icc_cert"], nil, v["icc_exponent"], v["static_data"], mustHex("5285881254345654"), date)), ErrPANMismatch},
		{"ICC cert expired", second(RecoverICCKey(iss, v["icc_cert"], nil, v["icc_exponent"], v["static_data"], v["pan"], time.Date(2015, 7, 1, 0, 0, 0, 0, time.UTC))), ErrExpired},
		{"DDA other terminal data", second(VerifyDDA(icc, v["dda_sdad"], mustHex("00000001"))), ErrSignature},
		{"DDA signature tampered", second(VerifyDDA(icc, flip(v["dda_sdad"], 40), v["dda_ddol_data"])), ErrCertificate},
		{"CDA other CID", second(VerifyCDA(icc, with(in, func(c *CDAInput) { c.CID = 0x80 }))), ErrSignature},
		{"CDA response changed", second(VerifyCDA(icc, with(in, func(c *CDAInput) { c.ResponseTLVs = flip(c.ResponseTLVs, 8) }))), ErrSignature},
		{"CDA other UN", second(VerifyCDA(icc, with(in, func(c *CDAInput) { c.UnpredictableNumber = mustHex("12345778") }))), ErrSignature},
		{"CDA without SDAD", second(VerifyCDA(icc, with(in, func(c *CDAInput) { c.SDAD = nil }))), ErrMissingData},
	}
	for _, f := range fails {
		if !errors.Is(f.err, f.want) {
			t.Errorf("%s: err = %v, want %v", f.name, f.err, f.want)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func with(in CDAInput, f func(*CDAInput)) CDAInput {
	f(&in)
	return in
}

func TestCAStore(t *testing.T) {
	v := readVectors(t, "mchip05.txt")
	ca := caKey(v, "A000000004", 0x05)
	bad := ca
	bad.Checksum = flip(ca.Checksum, 0)
	if _, err := NewCAStore(bad); !errors.Is(err, ErrCAKey) {
		t.Fatalf("bad checksum: %v", err)
	}
	ca.Expiry = time.Date(2020, 12, 31, 0, 0, 0, 0, time.UTC)
	s, err := NewCAStore(ca)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Lookup(mustHex("A000000004"), 0x06, time.Now()); !errors.Is(err, ErrUnknownCAKey) {
		t.Fatalf("unknown index: %v", err)
	}
	if _, err := s.Lookup(mustHex("A000000004"), 0x05, time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)); !errors.Is(err, ErrExpired) {
		t.Fatalf("expired CA key: %v", err)
	}
	if _, err := s.Lookup(mustHex("A0"), 0x05, time.Now()); !errors.Is(err, ErrUnknownCAKey) {
		t.Fatalf("short RID: %v", err)
	}
}

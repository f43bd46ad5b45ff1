package oda

import (
	"bufio"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"time"
)

// readVectors reads "name = hex" lines from a testdata file.
func readVectors(t testing.TB, name string) map[string][]byte {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]byte{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			t.Fatalf("%s: bad line %q", name, line)
		}
		b, err := hex.DecodeString(strings.TrimSpace(v))
		if err != nil {
			t.Fatalf("%s: %s: %v", name, k, err)
		}
		out[strings.TrimSpace(k)] = b
	}
	return out
}

func caKey(v map[string][]byte, rid string, index byte) CAPublicKey {
	k := CAPublicKey{Index: index, Modulus: v["ca_modulus"], Exponent: v["ca_exponent"], Checksum: v["ca_checksum"]}
	r, _ := hex.DecodeString(rid)
	copy(k.RID[:], r)
	return k
}

var vectorDate = time.Date(2014, 6, 1, 0, 0, 0, 0, time.UTC)

func TestVectorSDA(t *testing.T) {
	v := readVectors(t, "vsdc01.txt")
	ca := caKey(v, "A000000003", 0x01)
	if err := ca.Validate(); err != nil {
		t.Fatal(err)
	}
	iss, err := RecoverIssuerKey(&ca, v["issuer_cert"], v["issuer_remainder"], v["issuer_exponent"], v["pan"], time.Date(2009, 6, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("issuer %X expiry %X modulus %d bytes", iss.IssuerID, iss.Expiry, len(iss.Modulus))
	for _, extra := range []string{"", "5C00", "5C"} {
		x, _ := hex.DecodeString(extra)
		dac, err := VerifySDA(iss, v["ssad"], append(append([]byte{}, v["static_data"]...), x...))
		t.Logf("extra %q: dac %X err %v", extra, dac, err)
	}
}

func TestVectorDDA(t *testing.T) {
	v := readVectors(t, "mchip05.txt")
	ca := caKey(v, "A000000004", 0x05)
	if err := ca.Validate(); err != nil {
		t.Fatal(err)
	}
	iss, err := RecoverIssuerKey(&ca, v["issuer_cert"], v["issuer_remainder"], v["issuer_exponent"], v["pan"], vectorDate)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("issuer %X expiry %X serial %X", iss.IssuerID, iss.Expiry, iss.Serial)
	icc, err := RecoverICCKey(iss, v["icc_cert"], nil, v["icc_exponent"], v["static_data"], v["pan"], vectorDate)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("icc pan %X expiry %X", icc.PAN, icc.Expiry)
	dd, err := VerifyDDA(icc, v["dda_sdad"], v["dda_ddol_data"])
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("IDN %X", dd.ICCDynamicNumber)
	cd, err := VerifyCDA(icc, CDAInput{SDAD: v["cda_sdad"], UnpredictableNumber: v["cda_un"], CID: v["cda_cid"][0], CDOL1Data: v["cda_cdol1_data"], ResponseTLVs: v["cda_response_tlvs"]})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("CDA IDN %X CID %02X AC %X", cd.ICCDynamicNumber, cd.CID, cd.Cryptogram)
}

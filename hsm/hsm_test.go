package hsm

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/keys/tr31"
	"github.com/possdk/pos/pinblock"
	"github.com/possdk/pos/tlv"

	"github.com/possdk/pos/internal/testvec"
)

var ctx = context.Background()

// testLMK is an AES-256 LMK for tests only.
const testLMK = "6B1A5C0F2E3D4C5B6A79889796A5B4C3D2E1F00F1E2D3C4B5A69788796A5B4C3"

func newSoftware(t testing.TB) *Software {
	t.Helper()
	lmk, err := keys.FromHex(keys.AES256, testLMK)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSoftware(SoftwareConfig{LMK: lmk})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// wrapHex puts a published clear key under the test LMK.
func wrapHex(t testing.TB, s *Software, c KeyClass, alg keys.Algorithm, h string) KeyBlock {
	t.Helper()
	k, err := keys.FromHex(alg, h, keys.Legacy())
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Wrap(k, c)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func algOf(t *testing.T, v testvec.Vector, def keys.Algorithm) keys.Algorithm {
	switch v.Field("keyalg") {
	case "":
		return def
	case "DES":
		return keys.DES
	case "AES128":
		return keys.AES128
	}
	t.Fatalf("keyalg %q", v.Field("keyalg"))
	return 0
}

func cryptogramData(t testing.TB, v testvec.Vector) emv.CryptogramData {
	var f55 []byte
	for _, tag := range []tlv.Tag{0x9F02, 0x9F03, 0x9F1A, 0x95, 0x5F2A, 0x9A, 0x9C, 0x9F37, 0x82, 0x9F36, 0x9F10} {
		f55 = tlv.AppendTLV(f55, tag, v.Bytes(t, tag.String()))
	}
	d, err := emv.CryptogramDataFromTLV(f55)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func methodOf(t *testing.T, s string) emv.ACMethod {
	switch s {
	case "visa10":
		return emv.VisaCVN10
	case "visa18":
		return emv.VisaCVN18
	case "mchip16":
		return emv.MChipCVN16
	case "mchip21":
		return emv.MChipCVN21
	}
	t.Fatalf("method %q", s)
	return nil
}

func parsePIN(t *testing.T, s string) pinblock.PIN {
	p, err := pinblock.ParsePIN([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Every published answer comes out of an HSM operation whose keys entered
// as key blocks: MACs (X9.19, X9.9, CUP, CMAC, TDES DUKPT request and
// response), DUKPT PIN blocks translated to a zone key (the zone side
// deciphered with package pinblock under the clear ZPK), ARQC + ARPC + tag
// 91 (Visa CVN 10/18, M/Chip CVN 16/21), CVV, CVC3, dCVV, PVV, IBM 3624 offset,
// and the TR-31:2018 A.7.4 block imported under its KBPK.
func TestKnownAnswers(t *testing.T) {
	s := newSoftware(t)
	kinds := map[string]int{}
	testvec.Run(t, testvec.Load(t, "vectors.txt"), func(t *testing.T, v testvec.Vector) {
		kinds[v.Field("kind")]++
		switch v.Field("kind") {
		case "mac":
			testMAC(t, s, v)
		case "mac_dukpt":
			bdk := wrapHex(t, s, BaseDerivationKey, keys.TDES2, v.Field("bdk"))
			for _, resp := range []bool{false, true} {
				want := v.Bytes(t, map[bool]string{false: "mac_request", true: "mac_response"}[resp])
				r := MACRequest{Key: bdk, KSN: v.Bytes(t, "ksn"), Response: resp, Data: v.Bytes(t, "data")}
				got, err := s.GenerateMAC(ctx, r)
				if err != nil || hex.EncodeToString(got) != strings.ToLower(hex.EncodeToString(want)) {
					t.Errorf("response %v: MAC %X (%v), want %X", resp, got, err, want)
				}
				if err := s.VerifyMAC(ctx, r, want[:4]); err != nil {
					t.Errorf("response %v: VerifyMAC of the 4-byte MAC: %v", resp, err)
				}
				r.Algorithm = MACCMAC
				want = v.Bytes(t, map[bool]string{false: "cmac_request", true: "cmac_response"}[resp])
				if got, err := s.GenerateMAC(ctx, r); err != nil || !bytes.Equal(got, want) {
					t.Errorf("response %v: TDES-CMAC %X (%v), want %X", resp, got, err, want)
				}
			}
		case "mac_dukpt_aes":
			bdk := wrapHex(t, s, BaseDerivationKey, keys.AES128, v.Field("bdk"))
			r := MACRequest{Key: bdk, KSN: v.Bytes(t, "ksn"), Data: v.Bytes(t, "data")}
			got, err := s.GenerateMAC(ctx, r)
			if err != nil || !bytes.Equal(got, v.Bytes(t, "mac_request")) {
				t.Errorf("AES DUKPT CMAC %X (%v)", got, err)
			}
			r.Response = true
			if err := s.VerifyMAC(ctx, r, got[:8]); !errors.Is(err, ErrMAC) {
				t.Errorf("request CMAC verifies under the response key: %v", err)
			}
		case "pin_dukpt", "pin_dukpt_aes":
			testDUKPTPIN(t, s, v)
		case "arqc":
			testARQC(t, s, v)
		case "cvv":
			cvk := wrapHex(t, s, CardVerificationKey, keys.TDES2, v.Field("cvk"))
			r := CardValueRequest{Kind: CVV, Key: cvk, PAN: v.Field("pan"), Expiry: v.Field("expiry"), ServiceCode: v.Field("sc")}
			got, err := s.GenerateCardValue(ctx, r)
			if err != nil || got != v.Field("value") {
				t.Fatalf("CVV %q (%v), want %s", got, err, v.Field("value"))
			}
			if err := s.VerifyCardValue(ctx, r, got); err != nil {
				t.Error(err)
			}
			if err := s.VerifyCardValue(ctx, r, "562"); !errors.Is(err, ErrCardValue) {
				t.Errorf("wrong CVV: %v", err)
			}
		case "cvc3":
			imk := wrapHex(t, s, IssuerMasterKeyDN, keys.TDES2, v.Field("imk"))
			r := CardValueRequest{Kind: CVC3, Key: imk, PAN: v.Field("pan"), PSN: v.Field("psn"), Track: v.Bytes(t, "track"),
				ATC: [2]byte(v.Bytes(t, "atc")), UN: [4]byte(v.Bytes(t, "un"))}
			got, err := s.GenerateCardValue(ctx, r)
			if err != nil || got != v.Field("value") {
				t.Fatalf("CVC3 %q (%v), want %s", got, err, v.Field("value"))
			}
			if err := s.VerifyCardValue(ctx, r, got[2:]); err != nil {
				t.Error(err)
			}
		case "dcvv":
			imk := wrapHex(t, s, IssuerMasterKeyDN, keys.TDES2, v.Field("imk"))
			r := CardValueRequest{Kind: DCVV, Key: imk, PAN: v.Field("pan"), PSN: v.Field("psn"), Expiry: v.Field("expiry"),
				ServiceCode: v.Field("sc"), ATC: [2]byte(v.Bytes(t, "atc"))}
			got, err := s.GenerateCardValue(ctx, r)
			if err != nil || got != v.Field("value") {
				t.Fatalf("dCVV %q (%v), want %s", got, err, v.Field("value"))
			}
			if err := s.VerifyCardValue(ctx, r, got); err != nil {
				t.Error(err)
			}
			r.ATC[1]++ // the next transaction's counter
			if err := s.VerifyCardValue(ctx, r, got); !errors.Is(err, ErrCardValue) {
				t.Errorf("dCVV verifies under another ATC: %v", err)
			}
		case "pvv", "ibm3624":
			testPINVerification(t, s, v)
		case "script":
			testScript(t, s, v)
		case "tr31":
			kbpk := wrapHex(t, s, KeyBlockProtectionKey, keys.AES256, v.Field("kbpk"))
			b, err := s.ImportTR31(ctx, kbpk, v.Field("block"))
			if err != nil {
				t.Fatal(err)
			}
			kcv, err := s.CheckValue(ctx, b)
			if err != nil {
				t.Fatal(err)
			}
			// The AES key's check value is the CMAC one (5 bytes); the
			// published 3 bytes are its prefix.
			if got := strings.ToUpper(hex.EncodeToString(kcv)); !strings.HasPrefix(got, v.Field("kcv")) {
				t.Errorf("KCV %s, want %s...", got, v.Field("kcv"))
			}
			if !strings.HasPrefix(strings.ToUpper(hex.EncodeToString(b.CheckValue())), v.Field("kcv")) {
				t.Errorf("KC block %X, want %s...", b.CheckValue(), v.Field("kcv"))
			}
			h, _ := tr31.ParseHeader(b.Text())
			if h.Usage != "P0" || h.ModeOfUse != 'E' || h.Exportability != 'E' {
				t.Errorf("imported header %v, want P0 E ... E", h)
			}
			// Export it again and open it with the published KBPK.
			out, err := s.ExportTR31(ctx, kbpk, b)
			if err != nil {
				t.Fatal(err)
			}
			kb, _ := keys.FromHex(keys.AES256, v.Field("kbpk"))
			_, raw, err := tr31.UnwrapBytes(kb, out)
			if err != nil || strings.ToUpper(hex.EncodeToString(raw)) != v.Field("key") {
				t.Errorf("exported key %X (%v), want %s", raw, err, v.Field("key"))
			}
		default:
			t.Fatalf("kind %q", v.Field("kind"))
		}
	})
	for _, k := range []string{"mac", "mac_dukpt", "mac_dukpt_aes", "pin_dukpt", "pin_dukpt_aes", "arqc", "cvv", "cvc3", "dcvv", "pvv", "ibm3624", "tr31", "script"} {
		if kinds[k] == 0 {
			t.Errorf("no %s vector ran", k)
		}
	}
}

func testMAC(t *testing.T, s *Software, v testvec.Vector) {
	alg := map[string]MACAlgorithm{"x919": MACX919, "x99": MACX99, "cup": MACCUP, "cmac": MACCMAC}[v.Field("alg")]
	mak := wrapHex(t, s, MACKey, algOf(t, v, keys.TDES2), v.Field("key"))
	r := MACRequest{Key: mak, Algorithm: alg, Data: v.Bytes(t, "data")}
	got, err := s.GenerateMAC(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	want := v.Bytes(t, "mac")
	if len(got) < len(want) || !strings.EqualFold(hex.EncodeToString(got[:len(want)]), hex.EncodeToString(want)) {
		t.Fatalf("MAC %X, want %X", got, want)
	}
	if err := s.VerifyMAC(ctx, r, want); err != nil {
		t.Errorf("VerifyMAC: %v", err)
	}
	bad := append([]byte(nil), want...)
	bad[0] ^= 1
	if err := s.VerifyMAC(ctx, r, bad); !errors.Is(err, ErrMAC) {
		t.Errorf("altered MAC: %v", err)
	}
	r.Data = append([]byte{0}, r.Data...)
	if err := s.VerifyMAC(ctx, r, want); !errors.Is(err, ErrMAC) {
		t.Errorf("altered data: %v", err)
	}
}

func testDUKPTPIN(t *testing.T, s *Software, v testvec.Vector) {
	bdkAlg, f := keys.TDES2, pinblock.Format0
	if v.Field("kind") == "pin_dukpt_aes" {
		bdkAlg, f = keys.AES128, pinblock.Format4
	}
	bdk := wrapHex(t, s, BaseDerivationKey, bdkAlg, v.Field("bdk"))
	zpkHex := "89ABCDEF0123456776543210FEDCBA98"
	zpk := wrapHex(t, s, PINKey, keys.TDES2, zpkHex)
	out, err := s.TranslatePIN(ctx, PINTranslation{
		From:  PINKeyRef{Key: bdk, KSN: v.Bytes(t, "ksn"), Format: f},
		To:    PINKeyRef{Key: zpk, Format: pinblock.Format0},
		PAN:   v.Field("pan"),
		Block: v.Bytes(t, "encrypted"),
	})
	if err != nil {
		t.Fatal(err)
	}
	zk, _ := keys.FromHex(keys.TDES2, zpkHex)
	c, _ := pinblock.NewCipher(zk, pinblock.Format0, nil)
	pin, err := c.Decrypt(out, v.Field("pan"))
	if err != nil || !pin.Equal(parsePIN(t, v.Field("pin"))) {
		t.Fatalf("zone side does not decipher PIN %s (%v)", v.Field("pin"), err)
	}
	// The block under another KSN does not translate.
	ksn := v.Bytes(t, "ksn")
	ksn[len(ksn)-1]++
	_, err = s.TranslatePIN(ctx, PINTranslation{
		From: PINKeyRef{Key: bdk, KSN: ksn, Format: f}, To: PINKeyRef{Key: zpk, Format: pinblock.Format0},
		PAN: v.Field("pan"), Block: v.Bytes(t, "encrypted"),
	})
	if !errors.Is(err, ErrPIN) {
		t.Errorf("wrong KSN: %v, want ErrPIN", err)
	}
}

func testARQC(t *testing.T, s *Software, v testvec.Vector) {
	imk := wrapHex(t, s, IssuerMasterKeyAC, keys.TDES2, v.Field("imk"))
	r := ARQCRequest{IMK: imk, Method: methodOf(t, v.Field("method")), PAN: v.Field("pan"), PSN: v.Field("psn"),
		Data: cryptogramData(t, v), ARQC: v.Bytes(t, "arqc"), Response: &emv.ARPCInput{}}
	if _, ok := v.Get("arc"); ok {
		r.Response.ARC = [2]byte(v.Bytes(t, "arc"))
	}
	if _, ok := v.Get("csu"); ok {
		r.Response.CSU = [4]byte(v.Bytes(t, "csu"))
	}
	res, err := s.VerifyARQC(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.ToUpper(hex.EncodeToString(res.ARPC)); got != v.Field("arpc") {
		t.Errorf("ARPC %s, want %s", got, v.Field("arpc"))
	}
	if got := strings.ToUpper(hex.EncodeToString(res.IssuerAuthenticationData)); got != v.Field("tag91") {
		t.Errorf("tag 91 %s, want %s", got, v.Field("tag91"))
	}
	r.Response = nil
	if res, err := s.VerifyARQC(ctx, r); err != nil || res.ARPC != nil {
		t.Errorf("verify only: %v, ARPC %X", err, res.ARPC)
	}
	r.ARQC = append([]byte(nil), r.ARQC...)
	r.ARQC[0] ^= 0x80
	if _, err := s.VerifyARQC(ctx, r); !errors.Is(err, ErrCryptogram) {
		t.Errorf("altered ARQC: %v", err)
	}
}

func testPINVerification(t *testing.T, s *Software, v testvec.Vector) {
	pik := wrapHex(t, s, PINKey, keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	pk, _ := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	c, _ := pinblock.NewCipher(pk, pinblock.Format0, nil)
	block, err := c.Encrypt(parsePIN(t, v.Field("pin")), v.Field("pan"))
	if err != nil {
		t.Fatal(err)
	}
	r := PINVerification{PIN: PINKeyRef{Key: pik, Format: pinblock.Format0}, Block: block, PAN: v.Field("pan")}
	if v.Field("kind") == "pvv" {
		r.Method = VisaPVV
		r.PVK = wrapHex(t, s, PINVerificationKeyVisa, keys.TDES2, v.Field("pvk"))
		r.PVKI, _ = strconv.Atoi(v.Field("pvki"))
	} else {
		r.Method = IBM3624
		r.PVK = wrapHex(t, s, PINVerificationKeyIBM, keys.TDES2, v.Field("pvk"))
		r.DecimalizationTable = v.Field("table")
		r.ValidationData = v.Field("data")
	}
	got, err := s.GeneratePINVerification(ctx, r)
	if err != nil || got != v.Field("value") {
		t.Fatalf("%q (%v), want %s", got, err, v.Field("value"))
	}
	r.PVV, r.Offset = got, got
	if err := s.VerifyPIN(ctx, r); err != nil {
		t.Errorf("VerifyPIN: %v", err)
	}
	other, _ := c.Encrypt(parsePIN(t, "9999"), v.Field("pan"))
	r.Block = other
	if err := s.VerifyPIN(ctx, r); !errors.Is(err, ErrPIN) {
		t.Errorf("wrong PIN: %v", err)
	}
}

// testScript: the MAC-only script command and the PIN change command come
// out of the HSM from key blocks and PIN blocks (the PINs enciphered under
// a PIK, format 0), equal to the published commands.
func testScript(t *testing.T, s *Software, v testvec.Vector) {
	r := ScriptRequest{
		Method: methodOf(t, v.Field("method")),
		IMKSMI: wrapHex(t, s, IssuerMasterKeySMI, keys.TDES2, v.Field("imk_smi")),
		IMKSMC: wrapHex(t, s, IssuerMasterKeySMC, keys.TDES2, v.Field("imk_smc")),
		IMKAC:  wrapHex(t, s, IssuerMasterKeyAC, keys.TDES2, v.Field("imk_ac")),
		PAN:    v.Field("pan"), PSN: v.Field("psn"), ATC: [2]byte(v.Bytes(t, "atc")), ARQC: v.Bytes(t, "arqc"),
	}
	h := v.Bytes(t, "mac_header")
	r.CLA, r.INS, r.P1, r.P2 = h[0], h[1], h[2], h[3]
	cmd, err := s.ScriptCommand(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.ToUpper(hex.EncodeToString(cmd)), v.Field("mac_header")+v.Field("mac"); got != want {
		t.Errorf("script command %s, want %s", got, want)
	}
	pik := wrapHex(t, s, PINKey, keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	pk, _ := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	c, _ := pinblock.NewCipher(pk, pinblock.Format0, nil)
	ref := func(pin string) *PINBlockRef {
		b, err := c.Encrypt(parsePIN(t, pin), v.Field("pan"))
		if err != nil {
			t.Fatal(err)
		}
		return &PINBlockRef{Key: PINKeyRef{Key: pik, Format: pinblock.Format0}, Block: b}
	}
	r.NewPIN = ref(v.Field("pin"))
	if _, ok := v.Get("current_pin"); ok {
		r.CurrentPIN = ref(v.Field("current_pin"))
	}
	cmd, err = s.ScriptCommand(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.ToUpper(hex.EncodeToString(cmd)); got != v.Field("pin_command") {
		t.Errorf("PIN change %s, want %s", got, v.Field("pin_command"))
	}
	// A MAC key block cannot stand in for the SMI master key.
	r.IMKSMI = wrapHex(t, s, MACKey, keys.TDES2, v.Field("imk_smi"))
	if _, err := s.ScriptCommand(ctx, r); !errors.Is(err, ErrKeyUsage) {
		t.Errorf("MAC key as IMK-SMI: %v", err)
	}
}

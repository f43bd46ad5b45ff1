package hsm

import (
	"encoding/hex"
	"testing"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/pinblock"

	"github.com/possdk/pos/internal/testvec"
)

// The host's per-authorisation HSM work: verify the request MAC, translate
// the PIN block, verify the ARQC and compute the ARPC, MAC the response.
// Keys are key blocks found in the cache (unwrapped once).

var benchMAB = func() []byte {
	b := make([]byte, 256)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}()

func BenchmarkHSMVerifyMACX919(b *testing.B) {
	s := newSoftware(b)
	mak := wrapHex(b, s, MACKey, keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	r := MACRequest{Key: mak, Algorithm: MACX919, Data: benchMAB}
	mac, _ := s.GenerateMAC(ctx, r)
	b.ReportAllocs()
	for b.Loop() {
		if err := s.VerifyMAC(ctx, r, mac); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHSMTranslatePIN(b *testing.B) {
	s := newSoftware(b)
	pik := wrapHex(b, s, PINKey, keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	zpk := wrapHex(b, s, PINKey, keys.TDES2, "89ABCDEF0123456776543210FEDCBA98")
	pk, _ := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	c, _ := pinblock.NewCipher(pk, pinblock.Format0, nil)
	pin, _ := pinblock.ParsePIN([]byte("1234"))
	blk, _ := c.Encrypt(pin, "4012345678909")
	r := PINTranslation{From: PINKeyRef{Key: pik, Format: pinblock.Format0}, To: PINKeyRef{Key: zpk, Format: pinblock.Format0}, PAN: "4012345678909", Block: blk}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.TranslatePIN(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHSMTranslatePINDUKPT(b *testing.B) {
	s := newSoftware(b)
	bdk := wrapHex(b, s, BaseDerivationKey, keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	zpk := wrapHex(b, s, PINKey, keys.TDES2, "89ABCDEF0123456776543210FEDCBA98")
	ksn, _ := hex.DecodeString("FFFF9876543210E00001")
	blk, _ := hex.DecodeString("1B9C1845EB993A7A")
	r := PINTranslation{From: PINKeyRef{Key: bdk, KSN: ksn, Format: pinblock.Format0}, To: PINKeyRef{Key: zpk, Format: pinblock.Format0}, PAN: "4012345678909", Block: blk}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.TranslatePIN(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}

func benchARQC(b *testing.B) (*Software, ARQCRequest) {
	s := newSoftware(b)
	for _, v := range testvec.Load(b, "vectors.txt") {
		if v.Field("kind") == "arqc" && v.Field("method") == "visa18" {
			d := cryptogramData(b, v)
			imk := wrapHex(b, s, IssuerMasterKeyAC, keys.TDES2, v.Field("imk"))
			arqc, _ := hex.DecodeString(v.Field("arqc"))
			return s, ARQCRequest{IMK: imk, Method: emv.VisaCVN18, PAN: v.Field("pan"), PSN: v.Field("psn"), Data: d, ARQC: arqc}
		}
	}
	b.Fatal("no CVN 18 vector")
	return nil, ARQCRequest{}
}

// BenchmarkHSMVerifyARQC is Visa CVN 18 verification only; ...WithARPC adds
// ARPC method 2 and the tag 91 value.
func BenchmarkHSMVerifyARQC(b *testing.B) {
	s, r := benchARQC(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.VerifyARQC(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHSMVerifyARQCWithARPC(b *testing.B) {
	s, r := benchARQC(b)
	r.Response = &emv.ARPCInput{}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.VerifyARQC(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHSMGenerateWorkingKeys(b *testing.B) {
	s := newSoftware(b)
	tmk := wrapHex(b, s, TerminalMasterKey, keys.TDES2, "70F2A84CCBC2AE8625CBB0F2C22AB923")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.GenerateWorkingKeys(ctx, tmk, keys.ModeTDESTrack); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHSMUnwrap is a first use of a key block (cache miss): TR-31
// version D unwrap under the AES-256 LMK.
func BenchmarkHSMUnwrap(b *testing.B) {
	s := newSoftware(b)
	mak := wrapHex(b, s, MACKey, keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	b.ReportAllocs()
	for b.Loop() {
		s.mu.Lock()
		clear(s.cache)
		s.mu.Unlock()
		if _, err := s.open(mak); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHSMAuthorisation is an acquirer-and-issuer host's whole HSM
// work for one chip sale with online PIN: verify the request's X9.19 MAC
// (256-byte MAB), translate the PIN block PIK -> ZPK, verify the ARQC and
// compute the ARPC (Visa CVN 18), MAC the response.
func BenchmarkHSMAuthorisation(b *testing.B) {
	s, ar := benchARQC(b)
	ar.Response = &emv.ARPCInput{}
	mak := wrapHex(b, s, MACKey, keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	mr := MACRequest{Key: mak, Algorithm: MACX919, Data: benchMAB}
	mac, _ := s.GenerateMAC(ctx, mr)
	pik := wrapHex(b, s, PINKey, keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	zpk := wrapHex(b, s, PINKey, keys.TDES2, "89ABCDEF0123456776543210FEDCBA98")
	pk, _ := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	c, _ := pinblock.NewCipher(pk, pinblock.Format0, nil)
	pin, _ := pinblock.ParsePIN([]byte("1234"))
	blk, _ := c.Encrypt(pin, "4012345678909")
	pr := PINTranslation{From: PINKeyRef{Key: pik, Format: pinblock.Format0}, To: PINKeyRef{Key: zpk, Format: pinblock.Format0}, PAN: "4012345678909", Block: blk}
	b.ReportAllocs()
	for b.Loop() {
		if err := s.VerifyMAC(ctx, mr, mac); err != nil {
			b.Fatal(err)
		}
		if _, err := s.TranslatePIN(ctx, pr); err != nil {
			b.Fatal(err)
		}
		if _, err := s.VerifyARQC(ctx, ar); err != nil {
			b.Fatal(err)
		}
		if _, err := s.GenerateMAC(ctx, mr); err != nil {
			b.Fatal(err)
		}
	}
}

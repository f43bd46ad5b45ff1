package sim

import (
	"bytes"
	"context"
	"crypto/des"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/emv/oda"
	"github.com/possdk/pos/emv/oda/odatest"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/reader"
	"github.com/possdk/pos/tlv"
)

func load(t testing.TB, name string) *Card {
	t.Helper()
	c, err := NewFromFile("testdata/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func h(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// session sends APDUs through the EMV transport and fails the test on a
// status other than the one expected.
type session struct {
	t  *testing.T
	tr *reader.Transport
}

func (s session) send(cmd emv.Command, want uint16) []byte {
	s.t.Helper()
	apdu, err := cmd.Bytes()
	if err != nil {
		s.t.Fatal(err)
	}
	resp, err := s.tr.Transmit(context.Background(), apdu)
	if err != nil {
		s.t.Fatalf("%s: %v", cmd.Name(), err)
	}
	got, _ := reader.SW(resp)
	if got != want {
		s.t.Fatalf("%s: SW %04X, want %04X", cmd.Name(), got, want)
	}
	return resp[:len(resp)-2]
}

func find(t *testing.T, b []byte, tag tlv.Tag) []byte {
	t.Helper()
	v, ok, err := tlv.Find(b, tag)
	if err != nil || !ok {
		t.Fatalf("tag %s: %v %v", tag, ok, err)
	}
	return v
}

var imk, _ = keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")

// A whole contact transaction by hand: the card's certificates verify with
// the test CA, its ARQC verifies at the "issuer" and it accepts the ARPC.
func TestContactDDA(t *testing.T) {
	for _, name := range []string{"visa_dda", "mc_cda"} {
		t.Run(name, func(t *testing.T) {
			card := load(t, name)
			s := session{t, reader.NewTransport(card, reader.TransportOptions{})}
			pse := s.send(emv.Select([]byte("1PAY.SYS.DDF01"), false), 0x9000)
			if sfi := find(t, pse, 0x88); sfi[0] != 1 {
				t.Fatalf("PSE SFI %X", sfi)
			}
			rc, _ := emv.ReadRecord(1, 1)
			dir := s.send(rc, 0x9000)
			aid := find(t, dir, 0x4F)
			rc2, _ := emv.ReadRecord(1, 2)
			s.send(rc2, 0x6A83)
			s.send(emv.Select(aid, false), 0x9000)
			gpo := s.send(emv.GetProcessingOptions(nil), 0x9000)
			aip, afl := find(t, gpo, 0x82), find(t, gpo, 0x94)
			var records, static []byte
			for i := 0; i+4 <= len(afl); i += 4 {
				for r := afl[i+1]; r <= afl[i+2]; r++ {
					cmd, _ := emv.ReadRecord(int(afl[i]>>3), int(r))
					rec := s.send(cmd, 0x9000)
					records = append(records, rec...)
					if int(r-afl[i+1]) < int(afl[i+3]) {
						static = append(static, find(t, rec, 0x70)...)
					}
				}
			}
			static = append(static, aip...)
			pan := find(t, records, 0x5A)
			today := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
			ca, err := odatest.CAStore(aid[:5]).Lookup(aid[:5], find(t, records, 0x8F)[0], today)
			if err != nil {
				t.Fatal(err)
			}
			rem, _, _ := tlv.Find(records, 0x92)
			iss, err := oda.RecoverIssuerKey(ca, find(t, records, 0x90), rem, find(t, records, 0x9F32), pan, today)
			if err != nil {
				t.Fatal(err)
			}
			iccRem, _, _ := tlv.Find(records, 0x9F48)
			icc, err := oda.RecoverICCKey(iss, find(t, records, 0x9F46), iccRem, find(t, records, 0x9F47), static, pan, today)
			if err != nil {
				t.Fatal(err)
			}
			ia := s.send(emv.InternalAuthenticate(h("CAFEBABE")), 0x9000)
			if _, err := oda.VerifyDDA(icc, find(t, ia, 0x9F4B), h("CAFEBABE")); err != nil {
				t.Fatal(err)
			}

			// First GENERATE AC, asking for an ARQC (with CDA on the CDA card).
			cdol1 := h("000000001000" + "000000000000" + "0156" + "0000000000" + "0156" + "261121" + "00" + "11223344")
			cda := name == "mc_cda"
			ac1 := s.send(emv.GenerateAC(emv.ARQC, cda, cdol1), 0x9000)
			if cid := find(t, ac1, 0x9F27); cid[0] != 0x80 {
				t.Fatalf("CID %X", cid)
			}
			arqc := find(t, ac1, 0x9F26)
			if cda {
				sdad := find(t, ac1, 0x9F4B)
				var objs []byte
				for sc := tlv.NewScanner(find(t, ac1, 0x77)); sc.Next(); {
					if sc.Tag() != 0x9F4B {
						objs = append(objs, sc.Raw()...)
					}
				}
				dd, err := oda.VerifyCDA(icc, oda.CDAInput{SDAD: sdad, UnpredictableNumber: h("11223344"), CID: 0x80, CDOL1Data: cdol1, ResponseTLVs: objs})
				if err != nil || !bytes.Equal(dd.Cryptogram, arqc) {
					t.Fatalf("CDA: %v", err)
				}
			}

			// The issuer verifies the ARQC and answers with an ARPC.
			method := emv.VisaCVN18
			if name == "mc_cda" {
				method = emv.CCD
			}
			d := emv.CryptogramData{IAD: find(t, ac1, 0x9F10)}
			copy(d.AmountAuthorised[:], cdol1[0:6])
			copy(d.TerminalCountry[:], cdol1[12:14])
			copy(d.CurrencyCode[:], cdol1[19:21])
			copy(d.Date[:], cdol1[21:24])
			copy(d.UN[:], cdol1[25:29])
			copy(d.AIP[:], aip)
			copy(d.ATC[:], find(t, ac1, 0x9F36))
			p, _ := emv.ParsePANBCD(pan)
			psn := hex.EncodeToString(find(t, records, 0x5F34))
			sk, err := method.VerifyARQC(imk, p, psn, &d, arqc)
			if err != nil {
				t.Fatalf("issuer: %v", err)
			}
			in := emv.ARPCInput{ARC: [2]byte{'0', '0'}}
			arpc, err := method.ARPC(sk, arqc, in)
			if err != nil {
				t.Fatal(err)
			}
			iad := method.IssuerAuthenticationData(arpc, in)
			var cdol2 []byte
			if method == emv.CCD {
				cdol2 = append(append([]byte("00"), iad...), cdol1...)
			} else {
				s.send(emv.ExternalAuthenticate(iad), 0x9000)
				cdol2 = append([]byte("00"), cdol1...)
			}
			ac2 := s.send(emv.GenerateAC(emv.TC, false, cdol2), 0x9000)
			if cid := find(t, ac2, 0x9F27); cid[0] != 0x40 {
				t.Fatalf("second AC CID %X, want TC", cid)
			}
		})
	}
}

func TestPINAndFaults(t *testing.T) {
	card := load(t, "visa_dda")
	s := session{t, reader.NewTransport(card, reader.TransportOptions{})}
	s.send(emv.Select(h("A0000000031010"), false), 0x9000)
	wrong := [8]byte{0x24, 0x99, 0x99, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}
	right := [8]byte{0x24, 0x12, 0x34, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}
	s.send(emv.VerifyPlaintext(wrong), 0x63C2)
	s.send(emv.VerifyPlaintext(right), 0x9000)
	if card.PINTriesLeft() != 3 {
		t.Fatalf("tries %d", card.PINTriesLeft())
	}
	for _, want := range []uint16{0x63C2, 0x63C1, 0x6983, 0x6983} {
		s.send(emv.VerifyPlaintext(wrong), want)
	}
	s.send(emv.VerifyPlaintext(right), 0x6983)

	card.Remove()
	if _, err := card.Transmit(context.Background(), []byte{0, 0xA4, 4, 0}); !errors.Is(err, reader.ErrCardRemoved) {
		t.Fatalf("removed card: %v", err)
	}
	card.Insert()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := card.Transmit(ctx, []byte{0, 0xA4, 4, 0}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestT0Behaviour(t *testing.T) {
	card := load(t, "mc_cda")
	card.profile.Faults.WrongLe = true
	// Raw, without the transport: a case-4 SELECT in T=0 style (no Le)
	// answers 61xx, and READ RECORD with Le 00 answers 6Cxx.
	resp, _ := card.Transmit(context.Background(), append([]byte{0x00, 0xA4, 0x04, 0x00, 0x07}, h("A0000000041010")...))
	if resp[0] != 0x61 {
		t.Fatalf("SELECT in T=0: % X", resp)
	}
	fci, _ := card.Transmit(context.Background(), []byte{0x00, 0xC0, 0x00, 0x00, resp[1]})
	if fci[len(fci)-2] != 0x90 || fci[0] != 0x6F {
		t.Fatalf("GET RESPONSE: % X", fci)
	}
	rr, _ := card.Transmit(context.Background(), []byte{0x00, 0xB2, 0x01, 0x0C, 0x00})
	if rr[0] != 0x6C {
		t.Fatalf("READ RECORD Le 00: % X", rr)
	}
	// Through the transport both are resolved.
	s := session{t, reader.NewTransport(card, reader.TransportOptions{})}
	s.send(emv.Select(h("A0000000041010"), false), 0x9000)
	rc, _ := emv.ReadRecord(1, 1)
	if rec := s.send(rc, 0x9000); rec[0] != 0x70 {
		t.Fatalf("record % X", rec)
	}
}

func TestBadProfiles(t *testing.T) {
	for _, bad := range []string{`{}`, `{"apps":[{"aid":"zz"}]}`, `{"apps":[{"aid":"A0000000031010","pan":"4761","imk":"00"}]}`, `{"nope":1}`} {
		p, err := LoadProfile(bytes.NewReader([]byte(bad)))
		if err == nil {
			_, err = New(p)
		}
		if err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}

// apdus splits fuzz input into APDUs: a length byte, then that many bytes.
func apdus(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		n := int(b[0])
		b = b[1:]
		if n > len(b) {
			n = len(b)
		}
		out = append(out, b[:n])
		b = b[n:]
	}
	return out
}

func seq(cmds ...string) []byte {
	var b []byte
	for _, c := range cmds {
		x := h(c)
		b = append(append(b, byte(len(x))), x...)
	}
	return b
}

// gacCID returns the CID of a successful GENERATE AC response (format 1 or
// 2), ok false when the response has none.
func gacCID(resp []byte) (byte, bool) {
	if len(resp) < 3 || resp[len(resp)-2] != 0x90 || resp[len(resp)-1] != 0x00 {
		return 0, false
	}
	body := resp[:len(resp)-2]
	if v, found, err := tlv.Find(body, 0x80); err == nil && found && len(v) > 0 && body[0] == 0x80 {
		return v[0], true
	}
	v, found, _ := tlv.Find(body, 0x9F27)
	if !found || len(v) != 1 {
		return 0, false
	}
	return v[0], true
}

// FuzzTransmit sends arbitrary APDU sequences to fresh cards of every
// profile: the card never panics, always answers with a status word, and
// answers every GENERATE AC as EMV Book 3 §9.3 allows from the card's
// side: never a TC to an ARQC or AAC request, never an ARQC to an AAC
// request or in the second GENERATE AC (the one after an ARQC), never
// an RFU cryptogram type.
func FuzzTransmit(f *testing.F) {
	var profiles []*Profile
	for _, name := range []string{"visa_dda", "mc_cda", "unionpay_sda", "visa_qvsdc"} {
		p, err := LoadProfileFile("testdata/" + name + ".json")
		if err != nil {
			f.Fatal(err)
		}
		profiles = append(profiles, p)
	}
	data := "1D" + cdol1("000000001000", "0156", "0000000000")
	f.Add(byte(0), seq("00A4040007A0000000031010", "80A80000028300", "80AE8000"+data+"00", "80AE40001F3030"+data[2:]+"00"))
	f.Add(byte(1), seq("00A4040007A0000000041010", "80A80000028300", "80AE9000"+data+"00", "00C0000020", "80AE40002930301122334455667788"+data[2:]+"00"))
	f.Add(byte(2), seq("00A4040008A000000333010101", "80A80000028300", "80AE4000"+data+"00", "80CA9F3600", "841E000004AABBCCDD"))
	f.Add(byte(0), seq("00A4040007A0000000031010", "80A80000028300", "0020008008241234FFFFFFFFFF", "80AE0000"+data+"00", "80AE4000"+data+"00"))
	f.Add(byte(3), seq("00A404000E325041592E5359532E4444463031", "00A4040007A0000000031010", "80A800000683040000000000"))
	f.Fuzz(func(t *testing.T, which byte, in []byte) {
		card, err := New(profiles[int(which)%len(profiles)])
		if err != nil {
			t.Fatal(err)
		}
		if err := checkAnswers(card, apdus(in)); err != nil {
			t.Fatal(err)
		}
	})
}

// checkAnswers sends the APDUs and checks every answer: a status word
// always, and GENERATE AC answer types as Book 3 §9.3 allows.
func checkAnswers(card *Card, cmds [][]byte) error {
	sawARQC := false
	for _, apdu := range cmds {
		resp, err := card.Transmit(context.Background(), apdu)
		if err != nil || len(resp) < 2 {
			return fmt.Errorf("% X -> % X, %v", apdu, resp, err)
		}
		if len(apdu) < 4 || apdu[0]&0xF0 != 0x80 || apdu[1] != 0xAE {
			if len(apdu) >= 2 && (apdu[1] == 0xA4 || apdu[1] == 0xA8) {
				sawARQC = false // a new selection or transaction
			}
			continue
		}
		cid, ok := gacCID(resp)
		if !ok {
			continue
		}
		asked, got := apdu[2]&0xC0, cid&0xC0
		switch {
		case got == 0xC0:
			return fmt.Errorf("% X -> RFU cryptogram type % X", apdu, resp)
		case asked == 0x00 && got != 0x00:
			return fmt.Errorf("AAC asked, %02X answered: % X -> % X", got, apdu, resp)
		case asked == 0x80 && got == 0x40:
			return fmt.Errorf("ARQC asked, TC answered: % X -> % X", apdu, resp)
		case sawARQC && got == 0x80:
			return fmt.Errorf("ARQC in the second GENERATE AC: % X -> % X", apdu, resp)
		}
		sawARQC = got == 0x80
	}
	return nil
}

// The fuzz oracle is not blind: the faulty-card options trip it.
func TestAnswerOracleCatchesFaultyCards(t *testing.T) {
	data := "1D" + cdol1("000000001000", "0156", "0000000000")
	for _, tt := range []struct {
		fault func(*Faults)
		cmds  []byte
	}{
		{func(f *Faults) { f.TCForARQC = true }, seq("00A4040007A0000000031010", "80A80000028300", "80AE8000"+data+"00")},
		{func(f *Faults) { f.TCForAAC = true }, seq("00A4040007A0000000031010", "80A80000028300", "80AE0000"+data+"00")},
	} {
		p, _ := LoadProfileFile("testdata/visa_dda.json")
		good, _ := New(p)
		if err := checkAnswers(good, apdus(tt.cmds)); err != nil {
			t.Fatalf("conforming card: %v", err)
		}
		tt.fault(&p.Faults)
		bad, _ := New(p)
		if err := checkAnswers(bad, apdus(tt.cmds)); err == nil {
			t.Fatalf("faulty card %+v passed the oracle", p.Faults)
		}
	}
}

// Malformed GENERATE AC responses (faults for the terminal's decoder).
func TestMalformedGenerateAC(t *testing.T) {
	data := cdol1("000000001000", "0156", "0000000000")
	for _, m := range []string{"truncated", "missing_cid", "duplicate_ac", "short_ac", "trailing"} {
		x := newTerm(t, "visa_dda", func(p *Profile) { p.Faults.MalformedGenerateAC = m })
		x.start(visaAID)
		r := x.tx(apdu("80AE8000", data), 0x9000)
		s := tlv.NewScanner(r)
		var tags []tlv.Tag
		okTLV := s.Next() && s.Tag() == 0x77
		if okTLV {
			for in := s.Descend(); in.Next(); {
				tags = append(tags, in.Tag())
			}
		}
		wellFormed := okTLV && !s.Next() && s.Err() == nil && len(tags) == 4
		if wellFormed {
			if v, _, _ := tlv.Find(r, 0x9F26); len(v) == 8 {
				t.Errorf("%s: the response is well formed: % X", m, r)
			}
		}
	}
}

// PIN CHANGE (Book 3 §6.5.10, P2 02): the new PIN comes as a format 2 PIN
// block enciphered under the confidentiality session key (here the EMV
// VIS secure-messaging session key of MK_SMC = MK_SMI for this profile),
// and the command is MACed like every script command.
func TestScriptPINChange(t *testing.T) {
	x := newTerm(t, "visa_dda", nil)
	x.start(visaAID)
	atc := find(t, x.tx("80CA9F3600", 0x9000), 0x9F36)
	_, arqc, _ := x.genAC(reqARQC, cdol1("000000000100", "0156", "0000000000"), 0x9000)
	raw := visaSMKey(t, atc)
	c, err := des.NewTripleDESCipher(append(append([]byte(nil), raw...), raw[:8]...))
	if err != nil {
		t.Fatal(err)
	}
	enc := make([]byte, 8)
	c.Encrypt(enc, h("245678FFFFFFFFFF"))
	x.tx(scriptCmd(t, "84240002", enc, atc, arqc), 0x9000)
	x.tx("0020008008"+"241234FFFFFFFFFF", 0x63C2)
	x.tx("0020008008"+"245678FFFFFFFFFF", 0x9000)
}

func TestProfileDoesNotPrintSecrets(t *testing.T) {
	p, err := LoadProfileFile("testdata/visa_dda.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprintf("%v %+v %#v %s", p, p, p, p), fmt.Sprintf("%v %+v", p.Apps[0], *p)} {
		for _, secret := range []string{"1234", "4761739001010010", "0123456789ABCDEF"} {
			if strings.Contains(s, secret) {
				t.Fatalf("%q printed %s", s, secret)
			}
		}
	}
}

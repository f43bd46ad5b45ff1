package sim

import (
	"bytes"
	"context"
	"crypto/des"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/emv/oda"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/reader"
	"github.com/possdk/pos/tlv"
)

// These tests play the terminal by hand, APDU by APDU, and check the
// card's answers against the card-side rules of the specifications:
// EMV 4.4 Book 3 (§6.5 commands, §9.3 GENERATE AC, Annex C CCD), VIS 1.5
// Appendix A (Visa CVR), the PBOC/UICS CVR and IAD, ISO/IEC 7816-3/-4
// (T=0 GET RESPONSE). Expected CVRs are written out bit by bit from those
// tables, not taken from the card.

// term drives one card through reader.Transport (T=0 61xx/6Cxx resolved).
type term struct {
	t    *testing.T
	card *Card
	tr   *reader.Transport
}

func newTerm(t *testing.T, profile string, tweak func(*Profile)) *term {
	t.Helper()
	p, err := LoadProfileFile("testdata/" + profile + ".json")
	if err != nil {
		t.Fatal(err)
	}
	if tweak != nil {
		tweak(p)
	}
	c, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	return &term{t: t, card: c, tr: reader.NewTransport(c, reader.TransportOptions{})}
}

// tx sends a hex APDU and checks the status word.
func (x *term) tx(apdu string, want uint16) []byte {
	x.t.Helper()
	resp, err := x.tr.Transmit(context.Background(), h(strings.ReplaceAll(apdu, " ", "")))
	if err != nil {
		x.t.Fatalf("%s: %v", apdu, err)
	}
	got, _ := reader.SW(resp)
	if got != want {
		x.t.Fatalf("%s: SW %04X, want %04X (% X)", apdu, got, want, resp)
	}
	return resp[:len(resp)-2]
}

func apdu(head string, data string) string {
	return head + hex.EncodeToString([]byte{byte(len(data) / 2)}) + data + "00"
}

// cdol1 is the value of the profiles' CDOL1: 9F02 9F03 9F1A 95 5F2A 9A 9C
// 9F37.
func cdol1(amount, currency, tvr string) string {
	return amount + "000000000000" + "0156" + tvr + currency + "261121" + "00" + "11223344"
}

// start selects the profile's application and runs GPO (PDOL empty).
func (x *term) start(aid string) {
	x.t.Helper()
	x.tx(apdu("00A40400", aid), 0x9000)
	x.tx("80A8000002830000", 0x9000)
}

func (x *term) genAC(p1 byte, data string, want uint16) (cid byte, ac, iad []byte) {
	x.t.Helper()
	r := x.tx(apdu("80AE"+hex.EncodeToString([]byte{p1})+"00", data), want)
	if want != 0x9000 {
		return 0, nil, nil
	}
	c := find(x.t, r, 0x9F27)
	return c[0], find(x.t, r, 0x9F26), find(x.t, r, 0x9F10)
}

const (
	reqAAC  = 0x00
	reqTC   = 0x40
	reqARQC = 0x80
	visaAID = "A0000000031010"
	mcAID   = "A0000000041010"
	upAID   = "A000000333010101"
)

func wantIAD(t *testing.T, what string, got []byte, want string) {
	t.Helper()
	if hx := strings.ToUpper(hex.EncodeToString(got)); hx != want {
		t.Fatalf("%s: IAD %s, want %s", what, hx, want)
	}
}

// EMV Book 3 §9.3 from the card's side, VIS CVR byte 2: the first
// GENERATE AC answers AAC to AAC, ARQC (never TC) to ARQC, and TC or ARQC
// to TC by its own risk management; the CVR records the type returned and
// "second GENERATE AC not requested".
func TestFirstGenerateACTypes(t *testing.T) {
	for _, tt := range []struct {
		name    string
		p1      byte
		amount  string
		wantCID byte
		iad     string // 06 DKI CVN 12, CVR 03 b2 b3 b4
	}{
		{"AAC asked", reqAAC, "000000001000", 0x00, "0600120380" + "0000"},
		{"ARQC asked, within limits", reqARQC, "000000001000", 0x80, "06001203A0" + "0000"},
		{"TC asked, within limits", reqTC, "000000001000", 0x40, "0600120390" + "0000"},
		// Lower cumulative offline amount (5000) exceeded: go online, CVR
		// byte 3 b6 "exceeded velocity checking counters".
		{"TC asked, over the offline amount", reqTC, "000000006000", 0x80, "06001203A0" + "2000"},
		{"ARQC asked, over the offline amount", reqARQC, "000000006000", 0x80, "06001203A0" + "2000"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			x := newTerm(t, "visa_dda", nil)
			x.start(visaAID)
			cid, _, iad := x.genAC(tt.p1, cdol1(tt.amount, "0156", "0000000000"), 0x9000)
			if cid != tt.wantCID {
				t.Fatalf("CID %02X, want %02X", cid, tt.wantCID)
			}
			wantIAD(t, tt.name, iad, tt.iad)
		})
	}
}

// The fault option is the only way to get a TC for an ARQC request.
func TestFaultyTCForARQC(t *testing.T) {
	x := newTerm(t, "visa_dda", func(p *Profile) { p.Faults.TCForARQC = true })
	x.start(visaAID)
	if cid, _, _ := x.genAC(reqARQC, cdol1("000000001000", "0156", "0000000000"), 0x9000); cid != 0x40 {
		t.Fatalf("faulty card answered %02X", cid)
	}
}

// EMV Book 3 Annex C7.3 (CCD CVR) and C9 (IAD format A): on the first
// GENERATE AC the CVR says "second GENERATE AC not requested" (b8-7 = 10)
// and neither "issuer authentication failed" nor "not performed" (b2, b1),
// with the PIN try counter in byte 2 b8-5 and, for a card whose lower
// consecutive offline limit is 0, byte 3 b8.
func TestCCDFirstCryptogramCVR(t *testing.T) {
	x := newTerm(t, "mc_cda", nil)
	x.start(mcAID)
	cid, _, iad := x.genAC(reqARQC, cdol1("000000001000", "0156", "0000000000"), 0x9000)
	if cid != 0x80 {
		t.Fatalf("CID %02X", cid)
	}
	// 0F A5 DKI | CVR A0 30 80 00 00 | 8 counter bytes | 0F | 15 bytes.
	wantIAD(t, "CCD ARQC", iad, "0FA500"+"A030800000"+strings.Repeat("00", 8)+"0F"+strings.Repeat("00", 15))
	var d emv.IAD
	d, _ = emv.ParseIAD(iad, emv.SchemeMastercard)
	for _, s := range d.Describe() {
		if strings.Contains(s, "Issuer authentication failed") || strings.Contains(s, "Second GENERATE AC returned AAC") {
			t.Errorf("first cryptogram's CVR reads %q", s)
		}
	}
}

// CDA (EMV Book 2 §6.6): asked for an AAC with CDA, the card signs only
// when personalised to (sign_aac); CCD CVR byte 1 b4 "CDA performed"
// follows.
func TestSignedAACUnderCDA(t *testing.T) {
	for _, sign := range []bool{false, true} {
		x := newTerm(t, "mc_cda", func(p *Profile) { p.Apps[0].SignAAC = sign })
		x.start(mcAID)
		r := x.tx(apdu("80AE1000", cdol1("000000001000", "0156", "0000000000")), 0x9000)
		_, signed, _ := tlv.Find(r, 0x9F4B)
		iad := find(t, r, 0x9F10)
		if signed != sign || (iad[3]&0x08 != 0) != sign || find(t, r, 0x9F27)[0] != 0x00 {
			t.Fatalf("sign_aac %v: signed %v, CVR %X", sign, signed, iad[3:8])
		}
	}
}

// hostARPC plays the issuer with the shared cryptographic primitives
// (verified against published vectors in package emv): it verifies the
// ARQC over the CDOL1 data and returns tag 91 for the ARC.
func hostARPC(t *testing.T, m emv.CryptogramMethod, pan, psn, aip string, cdol1Data, atc, iad, arqc []byte, arc string) []byte {
	t.Helper()
	d := emv.CryptogramData{IAD: iad}
	copy(d.AmountAuthorised[:], cdol1Data[0:6])
	copy(d.AmountOther[:], cdol1Data[6:12])
	copy(d.TerminalCountry[:], cdol1Data[12:14])
	copy(d.TVR[:], cdol1Data[14:19])
	copy(d.CurrencyCode[:], cdol1Data[19:21])
	copy(d.Date[:], cdol1Data[21:24])
	d.TransactionType = cdol1Data[24]
	copy(d.UN[:], cdol1Data[25:29])
	copy(d.AIP[:], h(aip))
	copy(d.ATC[:], atc)
	p, _ := emv.ParsePAN(pan)
	sk, err := m.VerifyARQC(imk, p, psn, &d, arqc)
	if err != nil {
		t.Fatalf("issuer: %v", err)
	}
	in := emv.ARPCInput{ARC: [2]byte{arc[0], arc[1]}}
	arpc, err := m.ARPC(sk, arqc, in)
	if err != nil {
		t.Fatal(err)
	}
	return m.IssuerAuthenticationData(arpc, in)
}

// A UnionPay PBOC card (CVN 01): the ARQC verifies with the PBOC session
// key, the IAD is 07 DKI 01 CVR 01 with the PBOC CVR, and an ARPC method 1
// under the session key (tag 91 in the CDOL2) completes the transaction;
// the Last Online ATC Register (GET DATA 9F13) then equals the ATC.
func TestPBOCOnlineTransaction(t *testing.T) {
	x := newTerm(t, "unionpay_sda", nil)
	x.start(upAID)
	atc := x.tx("80CA9F3600", 0x9000)
	data := cdol1("000000001000", "0156", "0000000000")
	cid, arqc, iad := x.genAC(reqTC, data, 0x9000)
	// lower consecutive offline limit 0 (offline_limit 0): TC asked, ARQC
	// answered; CVR byte 3 b6 velocity exceeded.
	if cid != 0x80 {
		t.Fatalf("CID %02X", cid)
	}
	wantIAD(t, "PBOC ARQC", iad, "07000103A0200001")
	if m, err := emv.CryptogramMethodOf(h(upAID), iad); err != nil || m != emv.PBOCCVN01 {
		t.Fatalf("method %v %v", m, err)
	}
	i91 := hostARPC(t, emv.PBOCCVN01, "6225880123456780", "00", "5C00", h(data), find(t, atc, 0x9F36), iad, arqc, "00")
	if len(i91) != 10 {
		t.Fatalf("tag 91 % X", i91)
	}
	cid2, _, iad2 := x.genAC(reqTC, "3030"+hex.EncodeToString(i91)+data, 0x9000)
	if cid2 != 0x40 {
		t.Fatalf("second CID %02X", cid2)
	}
	// Second GENERATE AC TC (01), first ARQC (10): 0x60.
	wantIAD(t, "PBOC TC", iad2, "0700010360200001")
	if lo := x.tx("80CA9F1300", 0x9000); !bytes.Equal(find(t, lo, 0x9F13), find(t, atc, 0x9F36)) {
		t.Fatalf("9F13 % X, ATC % X", lo, atc)
	}
}

// Issuer authentication failed (VIS CVR byte 2 b4): an issuer approval with
// a bad ARPC is declined by default, and the next transaction goes online
// with "issuer authentication failure on last online transaction" (byte
// 3 b4).
func TestIssuerAuthenticationFailedThenNextTransaction(t *testing.T) {
	x := newTerm(t, "visa_dda", nil)
	x.start(visaAID)
	data := cdol1("000000001000", "0156", "0000000000")
	x.genAC(reqARQC, data, 0x9000)
	x.tx("008200000A"+strings.Repeat("11", 8)+"3030", 0x6300)
	x.tx("008200000A"+strings.Repeat("11", 8)+"3030", 0x6985) // only once
	cid, _, iad := x.genAC(reqTC, "3030"+data, 0x9000)
	if cid != 0x00 {
		t.Fatalf("CID %02X, want AAC", cid)
	}
	wantIAD(t, "declined", iad, "06001203"+"28"+"0000") // 00 AAC, 10 ARQC, b4 failed
	x.card.Reset()
	x.start(visaAID)
	cid, _, iad = x.genAC(reqTC, data, 0x9000)
	if cid != 0x80 {
		t.Fatalf("next transaction CID %02X, want ARQC", cid)
	}
	wantIAD(t, "next", iad, "06001203"+"A0"+"08"+"00")
}

// Velocity checking from the card's side: lower consecutive offline limit
// 2, upper 3, no amount limits. ATC - Last Online ATC > 2 asks to go
// online; when the terminal cannot (8A Z3, EMV Book 4 A6) the card still
// approves while ATC - Last Online ATC <= 3, then declines. The card does
// not decline merely because 8A is Z3.
func TestConsecutiveOfflineLimits(t *testing.T) {
	two, three := 2, 3
	x := newTerm(t, "visa_dda", func(p *Profile) {
		p.Apps[0].LowerConsecutiveOffline, p.Apps[0].UpperConsecutiveOffline = &two, &three
	})
	data := cdol1("000000001000", "0156", "0000000000")
	want := []struct {
		first, second byte
		iad           string
	}{
		{0x40, 0, "0600120390" + "0000"},
		{0x40, 0, "0600120390" + "0000"},
		{0x80, 0x40, "0600120361" + "2000"}, // TC after ARQC, unable to go online
		{0x80, 0x00, "0600120321" + "2000"}, // over the upper limit: AAC
	}
	for i, w := range want {
		x.card.Reset()
		x.start(visaAID)
		cid, _, iad := x.genAC(reqTC, data, 0x9000)
		if cid != w.first {
			t.Fatalf("transaction %d: CID %02X, want %02X", i+1, cid, w.first)
		}
		if cid == 0x80 {
			cid, _, iad = x.genAC(reqTC, hex.EncodeToString([]byte("Z3"))+data, 0x9000)
			if cid != w.second {
				t.Fatalf("transaction %d: second CID %02X, want %02X", i+1, cid, w.second)
			}
		}
		wantIAD(t, "transaction", iad, w.iad)
	}
	if lo := x.tx("80CA9F1300", 0x9000); !bytes.Equal(find(t, lo, 0x9F13), []byte{0x00, 0x10}) {
		t.Fatalf("Last Online ATC % X, want 0010 (no online transaction)", lo)
	}
	if atc := x.tx("80CA9F3600", 0x9000); !bytes.Equal(find(t, atc, 0x9F36), []byte{0x00, 0x14}) {
		t.Fatalf("ATC % X, want 0014", atc)
	}
}

// New card (VIS CVR byte 3 b5): Last Online ATC Register zero goes online.
func TestNewCardGoesOnline(t *testing.T) {
	zero := 0
	x := newTerm(t, "visa_dda", func(p *Profile) { p.Apps[0].LastOnlineATC = &zero })
	x.start(visaAID)
	cid, _, iad := x.genAC(reqTC, cdol1("000000000100", "0156", "0000000000"), 0x9000)
	if cid != 0x80 {
		t.Fatalf("CID %02X", cid)
	}
	wantIAD(t, "new card", iad, "06001203A0"+"1000")
}

// PIN try limit exceeded (Book 3 §6.5.12; VIS CVR byte 2 b3-b2, byte 3
// b7): the card counts down, answers 6983, GET DATA 9F17 reads 0, and a TC
// request goes online.
func TestPINTryLimitExceeded(t *testing.T) {
	x := newTerm(t, "visa_dda", nil)
	x.start(visaAID)
	wrong := "0020008008" + "2499 99FF FFFF FFFF"
	x.tx(wrong, 0x63C2)
	x.tx(wrong, 0x63C1)
	x.tx(wrong, 0x6983)
	x.tx("0020008008"+"241234FFFFFFFFFF", 0x6983)
	if v := x.tx("80CA9F1700", 0x9000); find(t, v, 0x9F17)[0] != 0 {
		t.Fatalf("9F17 % X", v)
	}
	cid, _, iad := x.genAC(reqTC, cdol1("000000000100", "0156", "0000000000"), 0x9000)
	if cid != 0x80 {
		t.Fatalf("CID %02X", cid)
	}
	wantIAD(t, "PIN blocked", iad, "06001203A6"+"4000")
}

// An ARQC with no second GENERATE AC (card pulled, reset) leaves "last
// online transaction not completed" (VIS CVR byte 3 b8) for the next one,
// which goes online.
func TestLastOnlineNotCompleted(t *testing.T) {
	x := newTerm(t, "visa_dda", nil)
	data := cdol1("000000000100", "0156", "0000000000")
	x.start(visaAID)
	x.genAC(reqARQC, data, 0x9000)
	x.card.Reset()
	x.tx(apdu("80AE4000", data), 0x6985) // nothing selected after a reset
	x.start(visaAID)
	cid, _, iad := x.genAC(reqTC, data, 0x9000)
	if cid != 0x80 {
		t.Fatalf("CID %02X", cid)
	}
	wantIAD(t, "after reset", iad, "06001203A0"+"8000")
}

// Book 3 §6.5.5.3: GENERATE AC without GPO, a second GENERATE AC after a
// TC, and an ARQC request in the second GENERATE AC are refused.
func TestGenerateACConditions(t *testing.T) {
	x := newTerm(t, "visa_dda", nil)
	data := cdol1("000000000100", "0156", "0000000000")
	x.tx(apdu("80AE8000", data), 0x6985)
	x.tx(apdu("00A40400", visaAID), 0x9000)
	x.tx(apdu("80AE8000", data), 0x6985)
	x.tx("80A8000002830000", 0x9000)
	x.tx(apdu("80AE8000", data[2:]), 0x6700)
	x.genAC(reqTC, data, 0x9000)
	x.genAC(reqTC, "3030"+data, 0x6985)
	x.card.Reset()
	x.start(visaAID)
	x.genAC(reqARQC, data, 0x9000)
	x.genAC(reqARQC, "3030"+data, 0x6A86)
}

// desRetailMAC is ISO/IEC 9797-1 MAC algorithm 3 with padding method 2,
// written here with crypto/des alone as the test's own oracle.
func desRetailMAC(t *testing.T, key, msg []byte, n int) []byte {
	k1, err1 := des.NewCipher(key[:8])
	k2, err2 := des.NewCipher(key[8:16])
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	m := append(append([]byte(nil), msg...), 0x80)
	for len(m)%8 != 0 {
		m = append(m, 0)
	}
	y := make([]byte, 8)
	for i := 0; i < len(m); i += 8 {
		for j := 0; j < 8; j++ {
			y[j] ^= m[i+j]
		}
		k1.Encrypt(y, y)
	}
	k2.Decrypt(y, y)
	k1.Encrypt(y, y)
	return y[:n]
}

// visaSMKey is the VIS secure-messaging session key, written out here as
// the test's own oracle: MK_SMI (Option A from the IMK) with the ATC XORed
// into bytes 7-8 and its complement into bytes 15-16 (VIS 1.5 Appendix B,
// as pyemv derive_visa_sm_sk).
func visaSMKey(t *testing.T, atc []byte) []byte {
	p, _ := emv.ParsePAN("4761739001010010")
	mk, err := emv.DeriveICCKeyA(imk, p, "01")
	if err != nil {
		t.Fatal(err)
	}
	k := mk.ClearBytes()
	k[6] ^= atc[0]
	k[7] ^= atc[1]
	k[14] ^= ^atc[0]
	k[15] ^= ^atc[1]
	return k
}

// scriptCmd builds an issuer script command for the Visa CVN 18 profile:
// an 8-byte MAC over CLA INS P1 P2 Lc || ATC || ARQC || data under the VIS
// secure-messaging session key.
func scriptCmd(t *testing.T, head string, data []byte, atc, arqc []byte) string {
	lc := byte(len(data) + 8)
	msg := append(append(append(h(head), lc), atc...), arqc...)
	msg = append(msg, data...)
	mac := desRetailMAC(t, visaSMKey(t, atc), msg, 8)
	return head + hex.EncodeToString(append([]byte{lc}, append(append([]byte(nil), data...), mac...)...))
}

// Issuer scripts (Book 3 §10.10, Book 2 §9.2): a command with a wrong MAC
// is refused (6988) and not executed; APPLICATION BLOCK with a good MAC
// blocks (SELECT: FCI + 6283, GENERATE AC: AAC) and APPLICATION UNBLOCK in
// a later online transaction unblocks; the next CVR counts the commands.
func TestIssuerScriptsExecuted(t *testing.T) {
	x := newTerm(t, "visa_dda", nil)
	data := cdol1("000000000100", "0156", "0000000000")
	x.start(visaAID)
	x.tx("841E000008"+"0000000000000000", 0x6985) // no ARQC yet
	atc := find(t, x.tx("80CA9F3600", 0x9000), 0x9F36)
	_, arqc, _ := x.genAC(reqARQC, data, 0x9000)
	x.tx("841E000008"+"0000000000000000", 0x6988)
	x.tx("801E000000", 0x6982) // no secure messaging
	x.tx(scriptCmd(t, "841E0000", nil, atc, arqc), 0x9000)
	x.tx(scriptCmd(t, "84DA9F14", []byte{0x05}, atc, arqc), 0x9000)
	if v := x.tx("80CA9F1400", 0x9000); find(t, v, 0x9F14)[0] != 5 {
		t.Fatalf("9F14 % X", v)
	}
	if cid, _, _ := x.genAC(reqTC, "3030"+data, 0x9000); cid != 0x00 {
		t.Fatalf("blocked application answered %02X, want AAC", cid)
	}
	if app, card := x.card.Blocked(0); !app || card || x.card.ScriptCommands() != 2 {
		t.Fatalf("blocked %v %v, scripts %d", app, card, x.card.ScriptCommands())
	}
	x.card.Reset()
	fci := x.tx(apdu("00A40400", visaAID), 0x6283)
	if fci[0] != 0x6F {
		t.Fatalf("FCI % X", fci)
	}
	x.tx("80A8000002830000", 0x9000)
	atc = find(t, x.tx("80CA9F3600", 0x9000), 0x9F36)
	cid, arqc, iad := x.genAC(reqARQC, data, 0x9000)
	// A blocked application answers AAC even to an ARQC request, and the
	// CVR reports: byte 3 b3 issuer authentication not performed after the
	// last online authorisation (no ARPC came), byte 4 two script commands
	// and "issuer script processing failed" (the one with the bad MAC).
	if cid != 0x00 {
		t.Fatalf("CID %02X", cid)
	}
	wantIAD(t, "after scripts", iad, "0600120380"+"04"+"28")
	if arqc != nil {
		x.tx(scriptCmd(t, "84180000", nil, atc, arqc), 0x6985) // no ARQC: no SM
	}
}

// APPLICATION UNBLOCK and PIN UNBLOCK executed in an online transaction,
// CARD BLOCK then answers every SELECT with 6A81 (Book 3 §6.5.3).
func TestScriptUnblockAndCardBlock(t *testing.T) {
	x := newTerm(t, "visa_dda", nil)
	data := cdol1("000000000100", "0156", "0000000000")
	x.start(visaAID)
	wrong := "0020008008" + "249999FFFFFFFFFF"
	x.tx(wrong, 0x63C2)
	x.tx(wrong, 0x63C1)
	x.tx(wrong, 0x6983)
	atc := find(t, x.tx("80CA9F3600", 0x9000), 0x9F36)
	_, arqc, _ := x.genAC(reqARQC, data, 0x9000)
	x.tx(scriptCmd(t, "84240000", nil, atc, arqc), 0x9000)
	if v := x.tx("80CA9F1700", 0x9000); find(t, v, 0x9F17)[0] != 3 {
		t.Fatalf("9F17 % X", v)
	}
	x.tx("0020008008"+"241234FFFFFFFFFF", 0x9000)
	x.tx(scriptCmd(t, "84160000", nil, atc, arqc), 0x9000)
	x.card.Reset()
	x.tx(apdu("00A40400", visaAID), 0x6A81)
	x.tx(apdu("00A40400", hex.EncodeToString([]byte("1PAY.SYS.DDF01"))), 0x6A81)
}

// GET DATA (Book 3 §6.5.7): ATC, Last Online ATC Register, PIN Try
// Counter; no transaction log, so 9F4F is 6A88.
func TestGetData(t *testing.T) {
	x := newTerm(t, "visa_dda", nil)
	x.tx("80CA9F3600", 0x6985) // no application selected
	x.tx(apdu("00A40400", visaAID), 0x9000)
	if v := x.tx("80CA9F3600", 0x9000); !bytes.Equal(v, h("9F36020010")) {
		t.Fatalf("9F36 % X", v)
	}
	x.tx("80A8000002830000", 0x9000)
	for _, tt := range []struct{ apdu, want string }{
		{"80CA9F3600", "9F36020011"}, // incremented by GPO
		{"80CA9F1300", "9F13020010"},
		{"80CA9F1700", "9F170103"},
	} {
		if v := x.tx(tt.apdu, 0x9000); !bytes.Equal(v, h(tt.want)) {
			t.Fatalf("%s: % X, want %s", tt.apdu, v, tt.want)
		}
	}
	x.tx("80CA9F4F00", 0x6A88)
}

// ISO/IEC 7816-3 §10.3.4 / 7816-4 §7.6.1 on a T=0 card: a case-4 SELECT
// answers 61xx; GET RESPONSE with a too long Le answers 6Cxx and the data
// stays; the exact Le returns it; another command in between loses it.
func TestT0GetResponseAcross6C(t *testing.T) {
	card := load(t, "mc_cda")
	send := func(b []byte) []byte {
		r, err := card.Transmit(context.Background(), b)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	sel := append([]byte{0x00, 0xA4, 0x04, 0x00, 0x07}, h(mcAID)...)
	r := send(sel)
	if r[0] != 0x61 {
		t.Fatalf("SELECT % X", r)
	}
	n := r[1]
	if r2 := send([]byte{0x00, 0xC0, 0x00, 0x00, n + 5}); !bytes.Equal(r2, []byte{0x6C, n}) {
		t.Fatalf("GET RESPONSE Le+5: % X", r2)
	}
	if r3 := send([]byte{0x00, 0xC0, 0x00, 0x00, 4}); !bytes.Equal(r3[4:], []byte{0x61, n - 4}) {
		t.Fatalf("GET RESPONSE Le 4: % X", r3)
	}
	if r4 := send([]byte{0x00, 0xC0, 0x00, 0x00, n - 4}); !bytes.Equal(r4[len(r4)-2:], []byte{0x90, 0x00}) || len(r4) != int(n-4)+2 {
		t.Fatalf("GET RESPONSE rest: % X", r4)
	}
	send(sel)
	send([]byte{0x80, 0xCA, 0x9F, 0x36, 0x00})
	if r5 := send([]byte{0x00, 0xC0, 0x00, 0x00, n}); !bytes.Equal(r5, []byte{0x69, 0x85}) {
		t.Fatalf("GET RESPONSE after another command: % X", r5)
	}
}

// EMV Book 3 §7.2 / Annex A: optional data objects the issuer did not
// personalise are absent, not zero-length (a zero-length 8E is not a CVM
// list).
func TestNoZeroLengthTags(t *testing.T) {
	x := newTerm(t, "visa_dda", func(p *Profile) { p.Apps[0].CVMList = ""; p.Apps[0].IACDenial = "" })
	x.tx(apdu("00A40400", visaAID), 0x9000)
	rec := x.tx("00B2011400", 0x9000)
	for _, tag := range []tlv.Tag{0x8E, 0x9F0E} {
		if _, found, _ := tlv.Find(rec, tag); found {
			t.Errorf("record carries tag %v", tag)
		}
	}
	var walk func(b []byte)
	walk = func(b []byte) {
		for s := tlv.NewScanner(b); s.Next(); {
			if len(s.Value()) == 0 {
				t.Errorf("zero-length tag %v", s.Tag())
			}
			if s.Constructed() {
				walk(s.Value())
			}
		}
	}
	walk(rec)
}

// CDA (EMV Book 2 §6.6.2): the signature over the ARQC verifies with the
// ICC key recovered from the card's certificates; the corrupt_sdad fault
// gives a terminal a wrong CDA signature to catch.
func TestCDASignatureAndFault(t *testing.T) {
	for _, corrupt := range []bool{false, true} {
		x := newTerm(t, "mc_cda", func(p *Profile) { p.Faults.CorruptSDAD = corrupt })
		x.start(mcAID)
		data := cdol1("000000001000", "0156", "0000000000")
		r := x.tx(apdu("80AE9000", data), 0x9000)
		var objs []byte
		for sc := tlv.NewScanner(find(t, r, 0x77)); sc.Next(); {
			if sc.Tag() != 0x9F4B {
				objs = append(objs, sc.Raw()...)
			}
		}
		pub := x.card.apps[0].icc.PublicKey
		icc := &oda.ICCPublicKey{Modulus: pub.N.Bytes(), Exponent: []byte{1, 0, 1}}
		dd, err := oda.VerifyCDA(icc, oda.CDAInput{SDAD: find(t, r, 0x9F4B), UnpredictableNumber: h("11223344"),
			CID: 0x80, PDOLData: nil, CDOL1Data: h(data), ResponseTLVs: objs})
		if corrupt != (err != nil) {
			t.Fatalf("corrupt %v: %v", corrupt, err)
		}
		if err == nil && !bytes.Equal(dd.Cryptogram, find(t, r, 0x9F26)) {
			t.Fatal("signed cryptogram differs")
		}
	}
}

// The secure-messaging session key follows the scheme (script.go): CCD
// uses the EMV common session key with R = ARQC (Book 2 A1.3.1), PBOC the
// PBOC session key from the ATC with a 4-byte MAC; a MAC under another
// scheme's key is refused.
func TestScriptKeysPerScheme(t *testing.T) {
	for _, tt := range []struct {
		profile, aid, pan, psn string
		macLen                 int
		right, wrong           func(mk *keys.Key, atc, arqc []byte) (*keys.Key, error)
	}{
		{"mc_cda", mcAID, "5413330089010434", "01", 8,
			func(mk *keys.Key, atc, arqc []byte) (*keys.Key, error) {
				return emv.CommonSessionKey(mk, [8]byte(arqc))
			},
			func(mk *keys.Key, atc, arqc []byte) (*keys.Key, error) { return emv.PBOCSessionKey(mk, [2]byte(atc)) }},
		{"unionpay_sda", upAID, "6225880123456780", "00", 4,
			func(mk *keys.Key, atc, arqc []byte) (*keys.Key, error) { return emv.PBOCSessionKey(mk, [2]byte(atc)) },
			func(mk *keys.Key, atc, arqc []byte) (*keys.Key, error) {
				return emv.CommonSessionKey(mk, [8]byte(arqc))
			}},
	} {
		t.Run(tt.profile, func(t *testing.T) {
			x := newTerm(t, tt.profile, nil)
			x.start(tt.aid)
			atc := find(t, x.tx("80CA9F3600", 0x9000), 0x9F36)
			_, arqc, _ := x.genAC(reqARQC, cdol1("000000000100", "0156", "0000000000"), 0x9000)
			p, _ := emv.ParsePAN(tt.pan)
			mk, err := emv.DeriveICCKeyA(imk, p, tt.psn)
			if err != nil {
				t.Fatal(err)
			}
			cmd := func(derive func(mk *keys.Key, atc, arqc []byte) (*keys.Key, error)) string {
				sk, err := derive(mk, atc, arqc)
				if err != nil {
					t.Fatal(err)
				}
				lc := byte(tt.macLen)
				msg := append(append(h("841E0000"), lc), atc...)
				mac := desRetailMAC(t, sk.ClearBytes(), append(msg, arqc...), tt.macLen)
				return "841E0000" + hex.EncodeToString(append([]byte{lc}, mac...))
			}
			x.tx(cmd(tt.wrong), 0x6988)
			x.tx(cmd(tt.right), 0x9000)
			if app, _ := x.card.Blocked(0); !app {
				t.Fatal("not blocked")
			}
		})
	}
}

// Transaction log (EMV Book 3 Annex D): the FCI names the log file (9F4D
// in BF0C), GET DATA 9F4F gives the Log Format, and READ RECORD of SFI 11
// returns the approved transactions newest first as the concatenated
// values of the format; a card without a log answers 9F4F with 6A88.
func TestTransactionLog(t *testing.T) {
	x := newTerm(t, "visa_dda", func(p *Profile) { p.Apps[0].LogRecords = 2 })
	fci := x.tx(apdu("00A40400", visaAID), 0x9000)
	if v := find(t, fci, 0x9F4D); !bytes.Equal(v, []byte{0x0B, 0x02}) {
		t.Fatalf("9F4D % X", v)
	}
	x.tx("00B2015C00", 0x6A83) // empty log
	if v := x.tx("80CA9F4F00", 0x9000); !bytes.Equal(find(t, v, 0x9F4F), h("9A039C019F02069F03069F1A025F2A029F36029F2701")) {
		t.Fatalf("9F4F % X", v)
	}
	amounts := []string{"000000000100", "000000000200", "000000000300"}
	for _, amt := range amounts {
		x.card.Reset()
		x.start(visaAID)
		if cid, _, _ := x.genAC(reqTC, cdol1(amt, "0156", "0000000000"), 0x9000); cid != 0x40 {
			t.Fatalf("CID %02X", cid)
		}
	}
	// Newest first, two records kept: ATC 0013 (3.00), then 0012 (2.00).
	want := []string{
		"261121" + "00" + "000000000300" + "000000000000" + "0156" + "0156" + "0013" + "40",
		"261121" + "00" + "000000000200" + "000000000000" + "0156" + "0156" + "0012" + "40",
	}
	for i, w := range want {
		rec := x.tx("00B20"+string(rune('1'+i))+"5C00", 0x9000)
		if !bytes.Equal(rec, h(w)) {
			t.Fatalf("log record %d: % X, want %s", i+1, rec, w)
		}
	}
	x.tx("00B2035C00", 0x6A83)
	y := newTerm(t, "visa_dda", nil)
	y.tx(apdu("00A40400", visaAID), 0x9000)
	y.tx("80CA9F4F00", 0x6A88)
}

// A blocked application on a T=0 card: SELECT answers 6283 alone and the
// FCI waits for GET RESPONSE (EMV Book 1 §9.3.1.3, Annex A); through the
// transport the terminal gets FCI + 6283.
func TestBlockedSelectT0(t *testing.T) {
	x := newTerm(t, "mc_cda", nil)
	x.card.ctr[0].blocked = true // as APPLICATION BLOCK leaves it (TestScriptKeysPerScheme)
	raw, err := x.card.Transmit(context.Background(), h("00A4040007"+mcAID))
	if err != nil || !bytes.Equal(raw, []byte{0x62, 0x83}) {
		t.Fatalf("raw SELECT: % X %v", raw, err)
	}
	if fci := x.tx(apdu("00A40400", mcAID), 0x6283); fci[0] != 0x6F {
		t.Fatalf("FCI % X", fci)
	}
}

// CCD online completion (Book 3 Annex C7.3): issuer authentication data in
// the CDOL2 (tag 91, ARPC method 2); an approval gives TC with CVR byte 1
// = 01 (TC) 10 (ARQC) and no issuer-authentication bits, and the Last
// Online ATC Register takes the ATC; an issuer decline with a good ARPC
// gives AAC (00 10).
func TestCCDOnlineCompletion(t *testing.T) {
	for _, tt := range []struct {
		arc     string
		wantCID byte
		byte1   string
	}{{"00", 0x40, "60"}, {"05", 0x00, "20"}} {
		x := newTerm(t, "mc_cda", nil)
		x.start(mcAID)
		atc := find(t, x.tx("80CA9F3600", 0x9000), 0x9F36)
		data := cdol1("000000001000", "0156", "0000000000")
		_, arqc, iad := x.genAC(reqARQC, data, 0x9000)
		i91 := hostARPC(t, emv.CCD, "5413330089010434", "01", "3D00", h(data), atc, iad, arqc, tt.arc)
		cid, _, iad2 := x.genAC(reqTC, hex.EncodeToString([]byte(tt.arc))+hex.EncodeToString(i91)+data, 0x9000)
		if cid != tt.wantCID {
			t.Fatalf("ARC %s: CID %02X", tt.arc, cid)
		}
		wantIAD(t, "ARC "+tt.arc, iad2, "0FA500"+tt.byte1+"30800000"+strings.Repeat("00", 8)+"0F"+strings.Repeat("00", 15))
		lo := find(t, x.tx("80CA9F1300", 0x9000), 0x9F13)
		if !bytes.Equal(lo, atc) {
			t.Fatalf("ARC %s: Last Online ATC % X, ATC % X", tt.arc, lo, atc)
		}
	}
}

// TestQVSDCCTQFollowsTTQ: the card asks for its CVM (CTQ byte 1 b8
// online PIN) only when the reader says a CVM is required (TTQ byte 2
// b7), as a VCPS / Book C-3 card builds its CTQ; its copy in the signed
// Card Authentication Related Data (9F69 bytes 6-7) is the same.
func TestQVSDCCTQFollowsTTQ(t *testing.T) {
	for _, tc := range []struct {
		ttq, ctq string
	}{
		{"36004000", "0000"}, // no CVM required: no online PIN asked
		{"36404000", "8000"}, // CVM required: the personalised online PIN
	} {
		x := newTerm(t, "visa_qvsdc", nil)
		x.tx("00A404000E325041592E5359532E444446303100", 0x9000)
		x.tx("00A4040007A000000003101000", 0x9000)
		// 10.00 (under the card's 30.00 offline limit: a TC with 9F69).
		resp := x.tx("80A8000023 8321"+tc.ttq+"000000001000"+"000000000000"+"0156"+"0000000000"+"0156"+"261121"+"00"+"00000000"+"00", 0x9000)
		ctq, _, _ := tlv.FindPath(resp, 0x77, 0x9F6C)
		auth, _, _ := tlv.FindPath(resp, 0x77, 0x9F69)
		if hex.EncodeToString(ctq) != strings.ToLower(tc.ctq) || len(auth) < 7 || hex.EncodeToString(auth[5:7]) != strings.ToLower(tc.ctq) {
			t.Errorf("TTQ %s: CTQ %X, 9F69 %X; want CTQ %s in both", tc.ttq, ctq, auth, tc.ctq)
		}
	}
}

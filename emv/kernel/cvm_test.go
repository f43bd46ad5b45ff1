package kernel

import (
	"context"
	"testing"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/emv/oda/odatest"
	"github.com/possdk/pos/reader"
	"github.com/possdk/pos/reader/sim"
)

// cvmCase runs a contact sale or cash withdrawal of 200.00 (over the
// 100.00 Visa floor limit, so TVR byte 4 b8 is set and the card goes
// online) with a CVM List of the given rules and no amounts X, Y.
func cvmCase(t *testing.T, cfg *Config, rules string, txType byte, pins ...string) (*scenario, *Result) {
	t.Helper()
	s := newScenario(t, cfg, pins...)
	card := loadCard(t, "visa_dda", func(p *sim.Profile) { p.Apps[0].CVMList = "0000000000000000" + rules })
	res, _ := s.k.RunContact(context.Background(), reader.NewTransport(card, reader.TransportOptions{}), Transaction{Amount: 20000, Type: txType, Time: testDay})
	return s, res
}

// TestCVMUnrecognisedCode: Book 3 §10.5 and Annex C3 — a CVM code the
// terminal does not recognise (payment-system specific 20, RFU 06) sets
// "Unrecognised CVM" and fails; with "apply succeeding rule" the next rule
// (No CVM, always) succeeds: CVM Results 1F 00 02, TVR byte 3 b7 only.
func TestCVMUnrecognisedCode(t *testing.T) {
	for _, code := range []string{"6000", "4600"} {
		t.Run(code, func(t *testing.T) {
			_, res := cvmCase(t, nil, code+"1F00", 0x00)
			expect(t, res, expectation{Outcome: Approved, TSI: append(allTSI, emv.TSIIssuerAuthPerformed)})
			wantTVR(t, res, emv.TVRFloorLimitExceeded, emv.TVRUnrecognisedCVM)
			if res.CVMResults != [3]byte{0x1F, 0x00, 0x02} {
				t.Fatalf("CVM results %X", res.CVMResults)
			}
		})
	}
}

// TestCVMKnownButUnsupported: Book 3 §10.5, §10.5.1 — offline plaintext
// PIN is a recognised CVM; on a terminal without PIN capability (9F33
// byte 2 = 28: signature and No CVM) it fails with "PIN entry required
// and PIN pad not present or not working", not "Unrecognised CVM"; the
// next rule (signature, always) is performed: CVM Results 1E 00 00.
func TestCVMKnownButUnsupported(t *testing.T) {
	cfg := loadConfig(t)
	cfg.Capabilities = "E028C8"
	s, res := cvmCase(t, cfg, "41001E00", 0x00, "1234")
	expect(t, res, expectation{Outcome: Approved, TSI: append(allTSI, emv.TSIIssuerAuthPerformed)})
	wantTVR(t, res, emv.TVRFloorLimitExceeded, emv.TVRPINPadNotPresent)
	if res.CVMResults != [3]byte{0x1E, 0x00, 0x00} || !res.SignatureNeeded || s.pad.asked != 0 {
		t.Fatalf("CVM results %X signature %v PIN asked %d", res.CVMResults, res.SignatureNeeded, s.pad.asked)
	}
}

// TestCVMPINPadNotPresent: Book 3 §10.5.1 — the terminal supports offline
// PIN but has no PIN pad (no PIN hook): "PIN entry required and PIN pad
// not present or not working"; the rule (fail if unsuccessful) fails, so
// "Cardholder verification was not successful", CVM Results 01 00 01.
func TestCVMPINPadNotPresent(t *testing.T) {
	s := newScenario(t, nil)
	s.k.hooks.PIN = nil
	card := loadCard(t, "visa_dda", func(p *sim.Profile) { p.Apps[0].CVMList = "00000000000000000100" })
	res := s.contact(t, card, 20000)
	expect(t, res, expectation{Outcome: Approved, TSI: append(allTSI, emv.TSIIssuerAuthPerformed)})
	wantTVR(t, res, emv.TVRFloorLimitExceeded, emv.TVRPINPadNotPresent, emv.TVRCVMNotSuccessful)
	if res.CVMResults != [3]byte{0x01, 0x00, 0x01} {
		t.Fatalf("CVM results %X", res.CVMResults)
	}
}

// TestCVMUnattendedVersusManualCash: Book 3 Annex C3 conditions 01 "if
// unattended cash" and 04 "if manual cash", with the Terminal Type (9F35,
// Book 4 Annex A1: second digit 4-6 unattended). CVM List: online PIN if
// unattended cash (apply next), signature if manual cash (apply next), No
// CVM always. Cash at an unattended merchant terminal (25) takes online
// PIN (CVM Results 42 01 00, TVR "online PIN entered"); the same cash at
// an attended one (22) takes the signature (5E 04 00).
func TestCVMUnattendedVersusManualCash(t *testing.T) {
	const rules = "42015E041F00"
	cfg := loadConfig(t)
	cfg.TerminalType = "25"
	_, res := cvmCase(t, cfg, rules, 0x01)
	expect(t, res, expectation{Outcome: Approved, TSI: append(allTSI, emv.TSIIssuerAuthPerformed)})
	wantTVR(t, res, emv.TVRFloorLimitExceeded, emv.TVROnlinePINEntered)
	if res.CVMResults != [3]byte{0x42, 0x01, 0x00} || res.SignatureNeeded {
		t.Fatalf("unattended: CVM results %X signature %v", res.CVMResults, res.SignatureNeeded)
	}

	_, res = cvmCase(t, nil, rules, 0x01)
	expect(t, res, expectation{Outcome: Approved, TSI: append(allTSI, emv.TSIIssuerAuthPerformed)})
	wantTVR(t, res, emv.TVRFloorLimitExceeded)
	if res.CVMResults != [3]byte{0x5E, 0x04, 0x00} || !res.SignatureNeeded || res.OnlinePINBlock != nil {
		t.Fatalf("attended: CVM results %X signature %v", res.CVMResults, res.SignatureNeeded)
	}
}

// sdaEncipheredPIN is the Visa test card made an SDA card (AIP 5C00: SDA,
// cardholder verification, terminal risk management, issuer
// authentication) whose only CVM is enciphered offline PIN (04 03, fail if
// unsuccessful).
func sdaEncipheredPIN(pinKey int) func(*sim.Profile) {
	return func(p *sim.Profile) {
		p.Apps[0].ODA, p.Apps[0].AIP, p.Apps[0].PINKey = "SDA", "5C00", pinKey
		p.Apps[0].CVMList = "00000000000000000403"
	}
}

// TestEncipheredPINWithSDACard: EMV Book 2 §7.1-7.2 — an SDA card with an
// ICC PIN Encipherment Public Key (9F2D-9F2F) takes an enciphered offline
// PIN under that key: GET CHALLENGE, then VERIFY P2 88 with a block as
// long as the key's modulus (odatest key 2). SDA succeeds, the CVM
// succeeds (CVM Results 04 03 02), and the TVR holds only the floor limit.
func TestEncipheredPINWithSDACard(t *testing.T) {
	s := newScenario(t, nil, "1234")
	card := &recordingCard{Card: loadCard(t, "visa_dda", sdaEncipheredPIN(2))}
	res := s.contact(t, card, 20000)
	expect(t, res, expectation{Outcome: Approved, TSI: append(allTSI, emv.TSIIssuerAuthPerformed)})
	wantTVR(t, res, emv.TVRFloorLimitExceeded)
	if res.CVMResults != [3]byte{0x04, 0x03, 0x02} || s.pad.asked != 1 {
		t.Fatalf("CVM results %X, PIN asked %d", res.CVMResults, s.pad.asked)
	}
	var verify [][]byte
	challenge := -1
	for i, c := range card.cmds {
		switch {
		case len(c) >= 4 && c[0] == 0x00 && c[1] == 0x84:
			challenge = i
		case len(c) >= 5 && c[0] == 0x00 && c[1] == 0x20:
			if challenge != i-1 {
				t.Errorf("VERIFY at %d not right after GET CHALLENGE (%d)", i, challenge)
			}
			verify = append(verify, c)
		}
	}
	n := (odatest.ICCKey(2).N.BitLen() + 7) / 8
	if len(verify) != 1 || verify[0][2] != 0x00 || verify[0][3] != 0x88 || int(verify[0][4]) != n {
		t.Fatalf("VERIFY commands %X, want one 00 20 00 88 with %d bytes", verify, n)
	}
}

// TestEncipheredPINNoKeyNoPrompt: an SDA card with neither a PIN
// encipherment key nor an ICC key cannot take an enciphered PIN (Book 2
// §7.1): the CVM fails before the cardholder is asked for a PIN (it used
// to be asked, then thrown away), no VERIFY is sent; "cardholder
// verification was not successful", CVM Results 04 03 01.
func TestEncipheredPINNoKeyNoPrompt(t *testing.T) {
	s := newScenario(t, nil, "1234")
	card := &recordingCard{Card: loadCard(t, "visa_dda", sdaEncipheredPIN(0))}
	res := s.contact(t, card, 20000)
	expect(t, res, expectation{Outcome: Approved, TSI: append(allTSI, emv.TSIIssuerAuthPerformed)})
	wantTVR(t, res, emv.TVRFloorLimitExceeded, emv.TVRCVMNotSuccessful)
	if res.CVMResults != [3]byte{0x04, 0x03, 0x01} || s.pad.asked != 0 {
		t.Fatalf("CVM results %X, PIN asked %d", res.CVMResults, s.pad.asked)
	}
	for _, c := range card.cmds {
		if c[1] == 0x20 || c[1] == 0x84 {
			t.Fatalf("sent %X", c)
		}
	}
}

package kernel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/possdk/pos/emv/oda"
	"strings"
	"testing"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/reader"
	"github.com/possdk/pos/reader/sim"
	"github.com/possdk/pos/tlv"
)

var allTSI = []emv.TSIFlag{emv.TSIOfflineDataAuthPerformed, emv.TSICVMPerformed, emv.TSICardRiskMgmtPerformed, emv.TSITerminalRiskMgmtPerformed}

func TestOnlineApprovalWithOfflinePIN(t *testing.T) {
	s := newScenario(t, nil, "1234")
	card := loadCard(t, "visa_dda", nil)
	res := s.contact(t, card, 20000)
	expect(t, res, expectation{Outcome: Approved, Set: []emv.TVRFlag{emv.TVRFloorLimitExceeded}, Clear: []emv.TVRFlag{emv.TVRDDAFailed, emv.TVRCVMNotSuccessful, emv.TVRIssuerAuthFailed}, TSI: append(allTSI, emv.TSIIssuerAuthPerformed)})
	if !s.h.verified || !res.WentOnline || res.CID.Type() != emv.TC {
		t.Fatalf("host verified %v, online %v, CID %v", s.h.verified, res.WentOnline, res.CID)
	}
	if res.CVMResults != [3]byte{0x41, 0x03, 0x02} {
		t.Errorf("CVM results %X, want offline plaintext PIN successful", res.CVMResults)
	}
	if res.PAN.Masked() != "476173******0010" {
		t.Errorf("PAN %v", res.PAN)
	}
	cryptogramOf(t, res)
}

func TestOnlineDecline(t *testing.T) {
	s := newScenario(t, nil, "1234")
	s.h.decline = true
	res := s.contact(t, loadCard(t, "visa_dda", nil), 20000)
	expect(t, res, expectation{Outcome: OnlineDeclined, TSI: allTSI})
	if res.CID.Type() != emv.AAC || res.ReversalRequired {
		t.Fatalf("CID %v reversal %v", res.CID, res.ReversalRequired)
	}
}

func TestOfflineApprovalUnderFloorLimit(t *testing.T) {
	s := newScenario(t, nil, "1234")
	res := s.contact(t, loadCard(t, "visa_dda", nil), 2000)
	expect(t, res, expectation{Outcome: Approved, Clear: []emv.TVRFlag{emv.TVRFloorLimitExceeded, emv.TVRDDAFailed}, TSI: allTSI})
	if s.h.calls != 0 || res.CID.Type() != emv.TC || res.WentOnline {
		t.Fatalf("host calls %d, CID %v", s.h.calls, res.CID)
	}
	cryptogramOf(t, res)
}

func TestOfflineDeclineByTACDenial(t *testing.T) {
	cfg := loadConfig(t)
	cfg.AIDs[0].AppVersion = "0097"      // not the card's 0096
	cfg.AIDs[0].TACDenial = "0080000000" // deny on different application versions
	s := newScenario(t, cfg, "1234")
	res := s.contact(t, loadCard(t, "visa_dda", nil), 2000)
	expect(t, res, expectation{Outcome: Declined, Set: []emv.TVRFlag{emv.TVRDifferentAppVersions}, TSI: allTSI})
	if s.h.calls != 0 || res.CID.Type() != emv.AAC {
		t.Fatalf("host calls %d, CID %v", s.h.calls, res.CID)
	}
}

func TestWrongApplicationVersionGoesOnline(t *testing.T) {
	cfg := loadConfig(t)
	cfg.AIDs[0].AppVersion = "0097"
	cfg.AIDs[0].TACOnline = "DCC004F800" // online on different versions
	s := newScenario(t, cfg, "1234")
	res := s.contact(t, loadCard(t, "visa_dda", nil), 2000)
	expect(t, res, expectation{Outcome: Approved, Set: []emv.TVRFlag{emv.TVRDifferentAppVersions}, TSI: allTSI})
	if !res.WentOnline {
		t.Fatal("did not go online")
	}
}

func TestODAFailures(t *testing.T) {
	tests := []struct {
		name    string
		card    string
		faults  sim.Faults
		bit     emv.TVRFlag
		outcome Outcome
	}{
		{"SDA signature corrupted", "unionpay_sda", sim.Faults{CorruptSSAD: true}, emv.TVRSDAFailed, Approved},
		{"DDA signature corrupted", "visa_dda", sim.Faults{CorruptSDAD: true}, emv.TVRDDAFailed, Approved},
		{"issuer certificate corrupted", "bad_issuer_cert", sim.Faults{CorruptIssuerCert: true}, emv.TVRDDAFailed, Approved},
		// A failed CDA signature on the GENERATE AC turns the ARQC into a decline.
		{"CDA signature corrupted", "mc_cda", sim.Faults{CorruptSDAD: true}, emv.TVRCDAFailed, Declined},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newScenario(t, nil, "1234", "4321")
			card := loadCard(t, tt.card, func(p *sim.Profile) { p.Faults = tt.faults })
			res := s.contact(t, card, 20000)
			expect(t, res, expectation{Outcome: tt.outcome, Set: []emv.TVRFlag{tt.bit}, TSI: []emv.TSIFlag{emv.TSIOfflineDataAuthPerformed}})
		})
	}
}

func TestSDAAndOnlinePIN(t *testing.T) {
	s := newScenario(t, nil)
	res := s.contact(t, loadCard(t, "unionpay_sda", nil), 8800)
	expect(t, res, expectation{Outcome: Approved, Set: []emv.TVRFlag{emv.TVROnlinePINEntered}, Clear: []emv.TVRFlag{emv.TVRSDAFailed, emv.TVROfflineDataAuthNotPerformed}, TSI: allTSI})
	if res.Data[0x9F45] == nil {
		t.Error("no data authentication code from SDA")
	}
	if s.h.lastPIN == nil || res.CVMResults[0]&0x3F != byte(emv.CVMEncipheredPINOnline) {
		t.Fatalf("online PIN: %X, CVM %X", s.h.lastPIN, res.CVMResults)
	}
	if res.Label != "UnionPay Debit" {
		t.Errorf("label %q", res.Label)
	}
}

func TestCDAOnlineApproval(t *testing.T) {
	s := newScenario(t, nil)
	card := loadCard(t, "mc_cda", nil)
	res := s.contact(t, card, 5000)
	expect(t, res, expectation{Outcome: Approved, Clear: []emv.TVRFlag{emv.TVRCDAFailed, emv.TVRIssuerAuthFailed}, TSI: append(allTSI, emv.TSIIssuerAuthPerformed)})
	if !s.h.verified || res.Data[0x9F4C] == nil {
		t.Fatal("CDA not verified or ARQC not verified")
	}
}

func TestPINWrongThenRight(t *testing.T) {
	s := newScenario(t, nil, "0000", "1234")
	card := loadCard(t, "visa_dda", nil)
	res := s.contact(t, card, 20000)
	expect(t, res, expectation{Outcome: Approved, Clear: []emv.TVRFlag{emv.TVRPINTryLimitExceeded, emv.TVRCVMNotSuccessful}, TSI: allTSI})
	if s.pad.asked != 2 || card.PINTriesLeft() != 3 {
		t.Fatalf("asked %d times, tries left %d", s.pad.asked, card.PINTriesLeft())
	}
}

func TestPINTryLimitExceeded(t *testing.T) {
	s := newScenario(t, nil, "0000", "0000", "0000", "0000")
	card := loadCard(t, "visa_dda", nil)
	res := s.contact(t, card, 20000)
	// The CVM list lets online PIN follow a failed offline PIN.
	expect(t, res, expectation{Outcome: Approved, Set: []emv.TVRFlag{emv.TVRPINTryLimitExceeded, emv.TVROnlinePINEntered}, TSI: allTSI})
	if card.PINTriesLeft() != 0 || s.pad.asked != 3 {
		t.Fatalf("tries left %d, asked %d", card.PINTriesLeft(), s.pad.asked)
	}
}

func TestPINBypassed(t *testing.T) {
	s := newScenario(t, nil) // the PIN pad bypasses
	res := s.contact(t, loadCard(t, "visa_dda", nil), 20000)
	expect(t, res, expectation{Outcome: Approved, Set: []emv.TVRFlag{emv.TVRPINNotEntered, emv.TVROnlinePINEntered}, TSI: allTSI})
}

// TestOfflinePINTryLimitExceededGoesOnline (was the misnamed
// TestPINBlockedCardDeclinedOfflinePINOnly, which asserted Approved): Book
// 3 §10.5.1 — three wrong offline PINs exhaust the try counter: TVR "PIN
// try limit exceeded" and, the only rule (01 03, fail if unsuccessful)
// having failed, "cardholder verification was not successful" (§10.5),
// CVM Results 01 03 01. Neither the TAC nor the IAC Denial (00 10 00 00
// 00) names those bits, so terminal action analysis (§10.7) does not
// decline: over the floor limit the Online codes (byte 4 b8) send it
// online and the issuer approves.
func TestOfflinePINTryLimitExceededGoesOnline(t *testing.T) {
	s := newScenario(t, nil, "0000", "0000", "0000")
	card := loadCard(t, "visa_dda", func(p *sim.Profile) { p.Apps[0].CVMList = "00000000000000000103" })
	res := s.contact(t, card, 20000)
	expect(t, res, expectation{Outcome: Approved, TSI: append(allTSI, emv.TSIIssuerAuthPerformed)})
	wantTVR(t, res, emv.TVRFloorLimitExceeded, emv.TVRPINTryLimitExceeded, emv.TVRCVMNotSuccessful)
	if res.CVMResults != [3]byte{0x01, 0x03, 0x01} || s.pad.asked != 3 || s.h.calls != 1 {
		t.Errorf("CVM results %X, PIN asked %d, host calls %d", res.CVMResults, s.pad.asked, s.h.calls)
	}
}

// TestOfflinePINTryLimitExceededDeclinedByTACDenial: the same card and
// PINs with a TAC Denial naming "PIN try limit exceeded" (TVR byte 3 b6,
// 00 00 20 00 00): Book 3 §10.7 — the terminal asks for an AAC in the
// first GENERATE AC (P1 00) and declines offline without going online;
// Book 4 §A6: Authorisation Response Code Z1.
func TestOfflinePINTryLimitExceededDeclinedByTACDenial(t *testing.T) {
	cfg := loadConfig(t)
	cfg.AIDs[0].TACDenial = "0000200000"
	s := newScenario(t, cfg, "0000", "0000", "0000")
	card := &recordingCard{Card: loadCard(t, "visa_dda", func(p *sim.Profile) { p.Apps[0].CVMList = "00000000000000000103" })}
	res := s.contact(t, card, 20000)
	expect(t, res, expectation{Outcome: Declined, TSI: allTSI})
	wantTVR(t, res, emv.TVRFloorLimitExceeded, emv.TVRPINTryLimitExceeded, emv.TVRCVMNotSuccessful)
	if res.CVMResults != [3]byte{0x01, 0x03, 0x01} || s.h.calls != 0 || res.CID.Type() != emv.AAC {
		t.Errorf("CVM results %X, host calls %d, CID %v", res.CVMResults, s.h.calls, res.CID)
	}
	if acs := card.generateACs(); len(acs) != 1 || acs[0][2] != 0x00 {
		t.Errorf("GENERATE AC commands %X, want one asking for an AAC (P1 00)", acs)
	}
	if arc := res.Data[0x8A]; string(arc) != "Z1" {
		t.Errorf("8A %q, want Z1", arc)
	}
}

func TestEncipheredOfflinePIN(t *testing.T) {
	s := newScenario(t, nil, "1234")
	card := loadCard(t, "visa_dda", func(p *sim.Profile) { p.Apps[0].CVMList = "00000000000000000403" })
	res := s.contact(t, card, 20000)
	expect(t, res, expectation{Outcome: Approved, Clear: []emv.TVRFlag{emv.TVRCVMNotSuccessful}, TSI: allTSI})
	if res.CVMResults != [3]byte{0x04, 0x03, 0x02} {
		t.Fatalf("CVM results %X", res.CVMResults)
	}
}

func TestExpiredCard(t *testing.T) {
	s := newScenario(t, nil, "1234")
	s.h.arc = "54"
	res := s.contact(t, loadCard(t, "expired", nil), 20000)
	expect(t, res, expectation{Outcome: OnlineDeclined, Set: []emv.TVRFlag{emv.TVRExpiredApplication, emv.TVRDDAFailed}, TSI: allTSI})
}

func TestIssuerAuthenticationFailure(t *testing.T) {
	s := newScenario(t, nil, "1234")
	card := loadCard(t, "visa_dda", func(p *sim.Profile) { p.Faults.RejectARPC = true })
	res := s.contact(t, card, 20000)
	expect(t, res, expectation{Outcome: Declined, Set: []emv.TVRFlag{emv.TVRIssuerAuthFailed}, TSI: append(allTSI, emv.TSIIssuerAuthPerformed)})
	if !res.ReversalRequired {
		t.Fatal("the host approved and the card declined: a reversal is required")
	}
}

// TestIssuerScripts: Book 3 §10.10 — scripts in 71 run before and in 72
// after the final GENERATE AC; a failed command in a 72 script sets "script
// processing failed after final GENERATE AC" (TVR byte 5 b5) and TSI "script
// processing performed". The commands carry real secure-messaging MACs
// (Book 2 §9.2), so the card executes the PUT DATA commands and refuses the
// unsupported one.
func TestIssuerScripts(t *testing.T) {
	s := newScenario(t, nil, "1234")
	s.h.scriptCmds = []scriptCmd{
		{template: 0x71, apdu: h2b("84DA9F140105")},   // PUT DATA lower consecutive offline limit
		{template: 0x72, apdu: h2b("84DA9F23010A")},   // PUT DATA upper consecutive offline limit
		{template: 0x72, apdu: h2b("84FF0000000000")}, // not supported: fails that script
	}
	card := loadCard(t, "visa_dda", nil)
	res := s.contact(t, card, 20000)
	expect(t, res, expectation{Outcome: Approved, Set: []emv.TVRFlag{emv.TVRScriptFailedAfterFinalAC}, Clear: []emv.TVRFlag{emv.TVRScriptFailedBeforeFinalAC}, TSI: append(allTSI, emv.TSIScriptProcessingPerformed)})
	if res.ScriptsSent != 3 || card.ScriptCommands() != 2 {
		t.Fatalf("sent %d, card ran %d", res.ScriptsSent, card.ScriptCommands())
	}
	// Book 4 Annex A5: one 5-byte result per script, in order: 71 ok (20),
	// 72 ok (20), 72 failed at its first command (11); each with 9F18.
	want := h2b("2000000001" + "2000000001" + "1100000001")
	if got := res.Data[0x9F5B]; !bytes.Equal(got, want) {
		t.Fatalf("9F5B % X, want % X", got, want)
	}
}

// TestIssuerScriptOrder: Book 3 §10.9–10.10 — issuer authentication
// (EXTERNAL AUTHENTICATE when CDOL2 does not carry 91) comes first, then
// the 71 script commands, then the second GENERATE AC, then the 72 ones.
func TestIssuerScriptOrder(t *testing.T) {
	s := newScenario(t, nil, "1234")
	s.h.scriptCmds = []scriptCmd{
		{template: 0x71, apdu: h2b("84DA9F140105")},
		{template: 0x72, apdu: h2b("84DA9F23010A")},
	}
	card := &recordingCard{Card: loadCard(t, "visa_dda", func(p *sim.Profile) {
		for i := range p.Apps {
			// CDOL2 without 91: issuer authentication by EXTERNAL AUTHENTICATE.
			p.Apps[i].CDOL2 = "8A029F02069F03069F1A0295055F2A029A039C019F3704"
		}
	})}
	res := s.contact(t, card, 20000)
	if res.Outcome != Approved {
		t.Fatalf("outcome %v (%v)", res.Outcome, res.Err)
	}
	var order []string
	for _, c := range card.cmds {
		switch {
		case c[0] == 0x00 && c[1] == 0x82:
			order = append(order, "EXTERNAL AUTHENTICATE")
		case c[0] == 0x84:
			order = append(order, fmt.Sprintf("script %02X", c[1]))
		case c[0] == 0x80 && c[1] == 0xAE:
			order = append(order, "GENERATE AC")
		}
	}
	want := "GENERATE AC,EXTERNAL AUTHENTICATE,script DA,GENERATE AC,script DA"
	if got := strings.Join(order, ","); got != want {
		t.Fatalf("order %s\nwant  %s", got, want)
	}
}

// TestIssuerScriptBadMAC: a script command whose MAC does not verify is
// refused by the card (6988) and the kernel records the failure (Book 3
// §10.10: TVR byte 5 b6 for a 71 script).
func TestIssuerScriptBadMAC(t *testing.T) {
	s := newScenario(t, nil, "1234")
	s.h.scriptCmds = []scriptCmd{{template: 0x71, apdu: h2b("84DA9F140105"), badMAC: true}}
	card := loadCard(t, "visa_dda", nil)
	res := s.contact(t, card, 20000)
	expect(t, res, expectation{Outcome: Approved, Set: []emv.TVRFlag{emv.TVRScriptFailedBeforeFinalAC}, Clear: []emv.TVRFlag{emv.TVRScriptFailedAfterFinalAC}, TSI: append(allTSI, emv.TSIScriptProcessingPerformed)})
	if res.ScriptsSent != 1 || card.ScriptCommands() != 0 {
		t.Fatalf("sent %d, card ran %d", res.ScriptsSent, card.ScriptCommands())
	}
}

func TestUnableToGoOnline(t *testing.T) {
	s := newScenario(t, nil, "1234")
	s.h.down = true
	res := s.contact(t, loadCard(t, "visa_dda", nil), 20000)
	expect(t, res, expectation{Outcome: Declined, Set: []emv.TVRFlag{emv.TVRFloorLimitExceeded}, TSI: allTSI})
	if !errors.Is(res.Err, ErrOffline) || res.Data[0x8A] == nil || string(res.Data[0x8A]) != "Z3" {
		t.Fatalf("err %v, ARC %q", res.Err, res.Data[0x8A])
	}
	// The second GENERATE AC was sent: its AAC is not the ARQC.
	arqc, _, _ := tlv.Find(s.h.last55, 0x9F26)
	if res.CID.Type() != emv.AAC || len(arqc) != 8 || bytes.Equal(arqc, res.Cryptogram) {
		t.Fatalf("final %v %X, ARQC %X", res.CID, res.Cryptogram, arqc)
	}
}

func TestSelectionWithoutPSE(t *testing.T) {
	s := newScenario(t, nil, "1234")
	card := loadCard(t, "visa_dda", func(p *sim.Profile) { p.PSE = false })
	res := s.contact(t, card, 20000)
	expect(t, res, expectation{Outcome: Approved, TSI: allTSI})
}

func TestPartialSelectionUnionPay(t *testing.T) {
	s := newScenario(t, nil)
	card := loadCard(t, "unionpay_sda", func(p *sim.Profile) { p.PSE = false })
	res := s.contact(t, card, 100)
	expect(t, res, expectation{Outcome: Approved, TSI: allTSI})
	if len(res.AID) != 8 {
		t.Fatalf("AID %X", res.AID)
	}
}

func TestNoSupportedApplication(t *testing.T) {
	s := newScenario(t, nil)
	card := loadCard(t, "visa_dda", func(p *sim.Profile) { p.Apps[0].AID = "A0000000999999" })
	res := s.contact(t, card, 100)
	if res.Outcome != Failed || !errors.Is(res.Err, ErrNoApplication) {
		t.Fatalf("%v %v", res.Outcome, res.Err)
	}
}

// removingCard pulls the card out after n APDUs.
type removingCard struct {
	*sim.Card
	n int
}

func (c *removingCard) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	if c.n--; c.n == 0 {
		c.Remove()
	}
	return c.Card.Transmit(ctx, apdu)
}

func TestCardRemovedMidTransaction(t *testing.T) {
	for _, n := range []int{1, 4, 8, 12} {
		s := newScenario(t, nil, "1234")
		card := &removingCard{Card: loadCard(t, "visa_dda", nil), n: n}
		res := s.contact(t, card, 20000)
		if res.Outcome != Failed || !errors.Is(res.Err, reader.ErrCardRemoved) {
			t.Fatalf("removed after %d APDUs: %v %v", n, res.Outcome, res.Err)
		}
	}
}

func TestCancelled(t *testing.T) {
	s := newScenario(t, nil, "1234")
	ctx, cancel := context.WithCancel(context.Background())
	s.k.hooks.PIN = func(context.Context, PINKind, int) (string, error) {
		cancel()
		return "", context.Canceled
	}
	res, err := s.k.RunContact(ctx, loadCard(t, "visa_dda", nil), Transaction{Amount: 20000, Time: testDay})
	if res.Outcome != Failed || !errors.Is(err, context.Canceled) {
		t.Fatalf("%v %v", res.Outcome, err)
	}
}

func TestContactlessUnderCVMLimitOffline(t *testing.T) {
	s := newScenario(t, nil)
	res := s.contactless(t, loadCard(t, "visa_qvsdc", nil), 2000)
	expect(t, res, expectation{Outcome: Approved, Clear: []emv.TVRFlag{emv.TVRDDAFailed}, TSI: []emv.TSIFlag{emv.TSIOfflineDataAuthPerformed}})
	if s.h.calls != 0 || res.CID.Type() != emv.TC || res.SignatureNeeded || res.OnlinePINBlock != nil {
		t.Fatalf("calls %d CID %v", s.h.calls, res.CID)
	}
}

func TestContactlessFDDAFailure(t *testing.T) {
	s := newScenario(t, nil)
	card := loadCard(t, "visa_qvsdc", func(p *sim.Profile) { p.Faults.CorruptSDAD = true })
	res := s.contactless(t, card, 2000)
	expect(t, res, expectation{Outcome: Declined, Set: []emv.TVRFlag{emv.TVRDDAFailed}})
}

func TestContactlessOverCVMLimitOnlinePIN(t *testing.T) {
	s := newScenario(t, nil)
	res := s.contactless(t, loadCard(t, "visa_qvsdc", nil), 15000)
	expect(t, res, expectation{Outcome: Approved, Set: []emv.TVRFlag{emv.TVROnlinePINEntered}})
	if !s.h.verified || s.h.lastPIN == nil {
		t.Fatal("no online ARQC with PIN")
	}
}

func TestContactlessPhoneWalletCDCVM(t *testing.T) {
	s := newScenario(t, nil)
	res := s.contactless(t, loadCard(t, "phone_wallet", nil), 15000)
	expect(t, res, expectation{Outcome: Approved, Clear: []emv.TVRFlag{emv.TVROnlinePINEntered}})
	if res.CVMResults[0] != 0x01 || res.SignatureNeeded || !s.h.verified {
		t.Fatalf("CVM %X signature %v", res.CVMResults, res.SignatureNeeded)
	}
}

func TestContactlessOverTransactionLimit(t *testing.T) {
	s := newScenario(t, nil)
	res := s.contactless(t, loadCard(t, "visa_qvsdc", nil), 60000)
	if res.Outcome != Failed || !errors.Is(res.Err, ErrTryAnother) {
		t.Fatalf("%v %v", res.Outcome, res.Err)
	}
}

func TestContactlessOnlineDecline(t *testing.T) {
	s := newScenario(t, nil)
	s.h.decline = true
	res := s.contactless(t, loadCard(t, "phone_wallet", nil), 800)
	expect(t, res, expectation{Outcome: OnlineDeclined})
}

func TestResultDoesNotPrintCardData(t *testing.T) {
	s := newScenario(t, nil, "1234")
	var req *OnlineRequest
	online := s.k.hooks.Online
	s.k.hooks.Online = func(ctx context.Context, r *OnlineRequest) (*OnlineResponse, error) {
		req = r
		return online(ctx, r)
	}
	res := s.contact(t, loadCard(t, "visa_dda", nil), 20000)
	out := fmt.Sprintf("%v %+v %#v %s %v %+v %v", res, res, res, res, *res, req, res.Data)
	for _, secret := range []string{"4761739001010010", "4761739001010010D", "476173900101"} {
		if strings.Contains(strings.ToUpper(out), secret) {
			t.Fatalf("printed %s: %s", secret, out)
		}
	}
	if !strings.Contains(out, "476173******0010") {
		t.Fatalf("no masked PAN in %s", out)
	}
}

// TestTCForARQCIsNotApproved: Book 3 §9.3 — only an ARQC or an AAC may
// answer an ARQC request. A card that answers TC (a faulty or hostile
// card) must not get an offline approval: the transaction ends, the host
// is never asked, and nothing is approved.
func TestTCForARQCIsNotApproved(t *testing.T) {
	s := newScenario(t, nil, "1234")
	card := loadCard(t, "visa_dda", func(p *sim.Profile) { p.Faults.TCForARQC = true })
	res := s.contact(t, card, 20000) // above the floor limit: the terminal asks for an ARQC
	if res.Outcome == Approved {
		t.Fatalf("outcome %v: a TC answering an ARQC request was approved", res.Outcome)
	}
	if res.Outcome != Failed || !errors.Is(res.Err, ErrCard) {
		t.Fatalf("outcome %v, err %v; want Failed with ErrCard", res.Outcome, res.Err)
	}
	if s.h.calls != 0 {
		t.Fatalf("host asked %d times", s.h.calls)
	}
}

// recordingCard keeps every command APDU sent to the card.
type recordingCard struct {
	reader.Card
	cmds [][]byte
}

func (r *recordingCard) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	r.cmds = append(r.cmds, append([]byte(nil), apdu...))
	return r.Card.Transmit(ctx, apdu)
}

// generateACs returns the GENERATE AC commands (80 AE) sent.
func (r *recordingCard) generateACs() [][]byte {
	var out [][]byte
	for _, c := range r.cmds {
		if len(c) >= 4 && c[0] == 0x80 && c[1] == 0xAE {
			out = append(out, c)
		}
	}
	return out
}

// TestARCOfflineApproved: Book 4 §A6 — an offline approval (TC to the
// first GENERATE AC) records Authorisation Response Code Y1.
func TestARCOfflineApproved(t *testing.T) {
	s := newScenario(t, nil, "1234")
	res := s.contact(t, loadCard(t, "visa_dda", nil), 2000)
	if res.Outcome != Approved || res.WentOnline {
		t.Fatalf("outcome %v online %v; want an offline approval", res.Outcome, res.WentOnline)
	}
	if got := string(res.Data[0x8A]); got != "Y1" {
		t.Fatalf("8A %q, want Y1 (offline approved)", got)
	}
}

// TestARCUnableToGoOnlineApprove: Book 3 §10.7 and Book 4 §A6 — the host is
// unreachable and the default action codes (terminal 00…, issuer 00…)
// allow an approval: the terminal asks for a TC in the second GENERATE AC
// (P1 40) with 8A = Y3 in its CDOL2 data, never Z3.
func TestARCUnableToGoOnlineApprove(t *testing.T) {
	cfg := loadConfig(t)
	for i := range cfg.AIDs {
		cfg.AIDs[i].TACDefault = "0000000000"
	}
	s := newScenario(t, cfg, "1234")
	s.h.down = true
	card := &recordingCard{Card: loadCard(t, "visa_dda", func(p *sim.Profile) {
		for i := range p.Apps {
			p.Apps[i].IACDefault = "0000000000"
		}
	})}
	res := s.contact(t, card, 20000)
	if got := string(res.Data[0x8A]); got != "Y3" {
		t.Fatalf("8A %q, want Y3 (unable to go online, offline approved)", got)
	}
	gacs := card.generateACs()
	if len(gacs) != 2 {
		t.Fatalf("%d GENERATE AC commands, want 2", len(gacs))
	}
	if p1 := gacs[1][2] &^ 0x10; p1 != 0x40 {
		t.Fatalf("second GENERATE AC P1 %02X, want 40 (TC)", gacs[1][2])
	}
	if !bytes.Contains(gacs[1][5:], []byte("Y3")) || bytes.Contains(gacs[1][5:], []byte("Z3")) {
		t.Fatalf("second GENERATE AC data % X does not carry 8A = Y3", gacs[1][5:])
	}
	// The card decides on its own risk management; the outcome follows its
	// cryptogram.
	switch res.CID.Type() {
	case emv.TC:
		if res.Outcome != Approved {
			t.Fatalf("card TC, outcome %v", res.Outcome)
		}
	case emv.AAC:
		if res.Outcome != Declined {
			t.Fatalf("card AAC, outcome %v", res.Outcome)
		}
	default:
		t.Fatalf("final cryptogram %v", res.CID)
	}
}

// TestReversalRequiredWhenHostApprovedAndTerminalFails: the issuer approved,
// then the second GENERATE AC fails (the card answers an error): the
// outcome is not an approval and a reversal is required, or the
// cardholder is charged for a sale the terminal reports as failed.
func TestReversalRequiredWhenHostApprovedAndTerminalFails(t *testing.T) {
	s := newScenario(t, nil, "1234")
	card := &failSecondGAC{Card: loadCard(t, "visa_dda", nil)}
	res := s.contact(t, card, 20000)
	if !res.WentOnline || res.HostResponse == nil || !res.HostResponse.Approved {
		t.Fatalf("online %v, host %+v; want a host approval", res.WentOnline, res.HostResponse)
	}
	if res.Outcome == Approved || !res.ReversalRequired {
		t.Fatalf("outcome %v, reversal required %v; want not approved and a reversal", res.Outcome, res.ReversalRequired)
	}
}

// failSecondGAC answers the second GENERATE AC with 6F00 (no precise
// diagnosis).
type failSecondGAC struct {
	reader.Card
	gacs int
}

func (f *failSecondGAC) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	if len(apdu) >= 2 && apdu[0] == 0x80 && apdu[1] == 0xAE {
		f.gacs++
		if f.gacs == 2 {
			return []byte{0x6F, 0x00}, nil
		}
	}
	return f.Card.Transmit(ctx, apdu)
}

func intp(n int) *int { return &n }

// velocityCard personalises visa_dda with consecutive offline limits 3/5
// and the given Last Online ATC Register; the ATC starts at 16.
func velocityCard(t *testing.T, lastOnline int) *sim.Card {
	return loadCard(t, "visa_dda", func(p *sim.Profile) {
		for i := range p.Apps {
			p.Apps[i].LowerConsecutiveOffline, p.Apps[i].UpperConsecutiveOffline = intp(3), intp(5)
			p.Apps[i].LastOnlineATC = intp(lastOnline)
			p.Apps[i].ATC = 16
		}
	})
}

// TestVelocityChecking: Book 3 §10.6.3, terminal side, with the TVR byte 4
// bits b7 (lower consecutive offline limit exceeded), b6 (upper) and byte 2
// b4 (new card) asserted whole for each case.
func TestVelocityChecking(t *testing.T) {
	cases := []struct {
		name         string
		lastOnline   int
		hide9F13     bool
		lower, upper bool
		newCard      bool
	}{
		// ATC after GPO is 17.
		{"within both limits", 15, false, false, false, false},               // gap 2
		{"lower exceeded", 13, false, true, false, false},                    // gap 4
		{"both exceeded", 10, false, true, true, false},                      // gap 7
		{"ATC not above the last online ATC", -20, false, true, true, false}, // 17 ≤ 20 (register answered as 20)
		{"new card", 0, false, true, true, true},                             // gap 17, register 0
		{"last online ATC not returned", 15, true, true, true, false},        // no "ICC data missing"
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newScenario(t, nil, "1234")
			last := tc.lastOnline
			if last < 0 {
				last = 15
			}
			var card reader.Card = velocityCard(t, last)
			switch {
			case tc.hide9F13:
				card = &hideGetData{Card: card, tag: [2]byte{0x9F, 0x13}}
			case tc.lastOnline < 0:
				// A card (or a tamperer) reporting a register above the ATC.
				v := -tc.lastOnline
				card = &hideGetData{Card: card, tag: [2]byte{0x9F, 0x13}, answer: []byte{0x9F, 0x13, 0x02, byte(v >> 8), byte(v), 0x90, 0x00}}
			}
			res := s.contact(t, card, 2000)
			check := func(f emv.TVRFlag, want bool, what string) {
				if res.TVR.Has(f) != want {
					t.Errorf("%s: %v, want %v (TVR %s)", what, res.TVR.Has(f), want, res.TVR)
				}
			}
			check(emv.TVRLowerOfflineLimitExceeded, tc.lower, "lower consecutive offline limit exceeded")
			check(emv.TVRUpperOfflineLimitExceeded, tc.upper, "upper consecutive offline limit exceeded")
			check(emv.TVRNewCard, tc.newCard, "new card")
			check(emv.TVRICCDataMissing, false, "ICC data missing")
		})
	}
}

// hideGetData answers GET DATA for one tag with 6A88 (referenced data not
// found), or with a given answer.
type hideGetData struct {
	reader.Card
	tag    [2]byte
	answer []byte // nil: 6A88
}

func (h *hideGetData) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	if len(apdu) >= 4 && apdu[0] == 0x80 && apdu[1] == 0xCA && apdu[2] == h.tag[0] && apdu[3] == h.tag[1] {
		if h.answer != nil {
			return append([]byte(nil), h.answer...), nil
		}
		return []byte{0x6A, 0x88}, nil
	}
	return h.Card.Transmit(ctx, apdu)
}

// cycleReader yields 0, 1, …, 255, 0, 1, … : every byte value equally often.
type cycleReader struct{ n byte }

func (c *cycleReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = c.n
		c.n++
	}
	return len(p), nil
}

// TestRandomSelectionUnbiased: Book 3 §10.6.2 — the random number is
// uniform in 1..99 and the transaction is selected when it is ≤ the target
// percentage. Over every byte value equally often, a 25 % target selects
// exactly 25 of every 99 accepted draws (byte % 100 selected 29.3 %).
func TestRandomSelectionUnbiased(t *testing.T) {
	tx := &txn{k: &Kernel{rand: &cycleReader{}}}
	hits, n := 0, 0
	for range 256 * 99 {
		if tx.percent() <= 25 {
			hits++
		}
		n++
	}
	// 256×99 draws consume 256×99 accepted bytes over whole cycles of the
	// 198 accepted values: 25/99 exactly.
	if hits*99 != n*25 {
		t.Fatalf("selected %d of %d (%.2f %%), want exactly 25/99", hits, n, 100*float64(hits)/float64(n))
	}
}

// TestCDAFailureOnARQC: Book 2 §6.6 / Book 3 §10.8 — the card's CDA
// signature on its ARQC does not verify: the terminal sets "CDA failed",
// does not go online, and closes the ARQC with a second GENERATE AC asking
// for an AAC (no CDA on an AAC request), 8A = Z1; the outcome is a decline
// and nothing was sent to the host.
func TestCDAFailureOnARQC(t *testing.T) {
	s := newScenario(t, nil, "1234")
	card := &recordingCard{Card: loadCard(t, "mc_cda", func(p *sim.Profile) { p.Faults.CorruptSDAD = true })}
	res := s.contact(t, card, 20000)
	if res.Outcome != Declined || s.h.calls != 0 {
		t.Fatalf("outcome %v, host calls %d; want an offline decline", res.Outcome, s.h.calls)
	}
	if !res.TVR.Has(emv.TVRCDAFailed) {
		t.Fatalf("TVR %s without CDA failed", res.TVR)
	}
	gacs := card.generateACs()
	if len(gacs) != 2 {
		t.Fatalf("%d GENERATE AC commands, want 2 (the ARQC closed with an AAC)", len(gacs))
	}
	if gacs[0][2] != 0x90 || gacs[1][2] != 0x00 {
		t.Fatalf("GENERATE AC P1 %02X then %02X; want 90 (ARQC with CDA) then 00 (AAC)", gacs[0][2], gacs[1][2])
	}
	if got := string(res.Data[0x8A]); got != "Z1" {
		t.Fatalf("8A %q, want Z1", got)
	}
	if res.CID.Type() != emv.AAC {
		t.Fatalf("final cryptogram %v, want the card's AAC", res.CID)
	}
}

// TestApplicationUsageControl: Book 3 §10.4.2 — "service not allowed"
// (TVR byte 2 b5) from the AUC, with the ATM/non-ATM bits checked on every
// terminal and the domestic/international bits only when 5F28 is present.
func TestApplicationUsageControl(t *testing.T) {
	cases := []struct {
		name, auc, country string // country "" removes 5F28
		atm                bool
		notAllowed         bool
	}{
		{"everything allowed", "FF00", "0156", false, false},
		{"not valid at non-ATM terminals", "FE00", "0156", false, true},
		{"valid at non-ATMs only, at an ATM", "FD00", "0156", true, true},
		{"international goods/services only, domestic card", "5501", "0156", false, true},
		{"domestic only, 5F28 absent: no country check", "A900", "", false, false},
		{"domestic only, foreign card", "A900", "0840", false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := loadConfig(t)
			if tc.atm {
				cfg.TerminalType, cfg.AddCapabilities = "14", "F000F0A001"
			}
			s := newScenario(t, cfg, "1234")
			card := loadCard(t, "visa_dda", func(p *sim.Profile) {
				for i := range p.Apps {
					p.Apps[i].AUC, p.Apps[i].Country = tc.auc, tc.country
				}
			})
			res := s.contact(t, card, 2000)
			if got := res.TVR.Has(emv.TVRServiceNotAllowed); got != tc.notAllowed {
				t.Fatalf("service not allowed %v, want %v (TVR %s)", got, tc.notAllowed, res.TVR)
			}
		})
	}
}

// TestNoCVMListNoCVMPerformed: Book 3 §10.5 — a card whose AIP says CVM
// is supported but which has no CVM List: cardholder verification ends
// without "cardholder verification was performed" in the TSI, and the CVM
// Results are 3F0000.
func TestNoCVMListNoCVMPerformed(t *testing.T) {
	s := newScenario(t, nil, "1234")
	card := loadCard(t, "visa_dda", func(p *sim.Profile) {
		for i := range p.Apps {
			p.Apps[i].CVMList = ""
		}
	})
	res := s.contact(t, card, 2000)
	if res.TSI.Has(emv.TSICVMPerformed) {
		t.Fatalf("TSI %s has 'cardholder verification was performed'", res.TSI)
	}
	if res.CVMResults != [3]byte{0x3F, 0, 0} {
		t.Fatalf("CVM results %X, want 3F0000", res.CVMResults)
	}
}

func i64p(n int64) *int64 { return &n }

// TestContactlessPreProcessing: Book B §3.1.1 with the test configuration
// (transaction limit 50000, CVM-required limit 10000, floor limit 5000):
// the comparisons are ≥ for the transaction and CVM limits and > for the
// floor limit, a zero amount asks for an online cryptogram, the TTQ's
// per-transaction bits start cleared whatever the configured value, and
// an absent reader floor limit falls back to the terminal floor limit.
func TestContactlessPreProcessing(t *testing.T) {
	cases := []struct {
		name           string
		amount         int64
		mod            func(*AIDConfig)
		tryAnother     bool
		online, cvmReq bool
	}{
		{"at the transaction limit", 50000, nil, true, false, false},
		{"just under the transaction limit", 49999, nil, false, true, true},
		{"at the CVM-required limit", 10000, nil, false, true, true},
		{"just under the CVM-required limit", 9999, nil, false, true, false},
		{"at the floor limit", 5000, nil, false, false, false},
		{"over the floor limit", 5001, nil, false, true, false},
		{"zero amount", 0, nil, false, true, false},
		{"configured TTQ with the dynamic bits set", 100, func(a *AIDConfig) { a.TTQ = "36C04000" }, false, false, false},
		{"reader floor limit absent: terminal floor limit", 3000, func(a *AIDConfig) { a.ContactlessFloorLimit, a.FloorLimit = nil, i64p(2000) }, false, true, false},
		{"reader and terminal floor limits absent: no floor indicator", 3000, func(a *AIDConfig) { a.ContactlessFloorLimit, a.FloorLimit = nil, nil }, false, false, false},
		{"reader floor limit 0 (present)", 1, func(a *AIDConfig) { a.ContactlessFloorLimit = i64p(0) }, false, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := loadConfig(t)
			for i := range cfg.AIDs {
				if tc.mod != nil {
					tc.mod(&cfg.AIDs[i])
				}
			}
			s := newScenario(t, cfg, "1234")
			res := s.contactless(t, loadCard(t, "visa_qvsdc", nil), tc.amount)
			if tc.tryAnother {
				if !errors.Is(res.Err, ErrTryAnother) {
					t.Fatalf("outcome %v err %v, want Try Another Interface", res.Outcome, res.Err)
				}
				return
			}
			ttq := res.Data[0x9F66]
			if len(ttq) != 4 {
				t.Fatalf("TTQ %X (outcome %v, %v)", ttq, res.Outcome, res.Err)
			}
			if got := ttq[1]&0x80 != 0; got != tc.online {
				t.Errorf("TTQ %X online cryptogram required %v, want %v", ttq, got, tc.online)
			}
			if got := ttq[1]&0x40 != 0; got != tc.cvmReq {
				t.Errorf("TTQ %X CVM required %v, want %v", ttq, got, tc.cvmReq)
			}
		})
	}
}

// TestUnknownCAKey: Book 3 §10.3 — the terminal holds no CA public key
// for the card's index: the ODA method fails (DDA failed) but "ICC data
// missing" is not set (the card gave everything it should).
func TestUnknownCAKey(t *testing.T) {
	cfg := loadConfig(t)
	empty, err := oda.NewCAStore()
	if err != nil {
		t.Fatal(err)
	}
	cfg.CAKeys = nil
	cfg.CAStore = empty
	s := newScenario(t, cfg, "1234")
	res := s.contact(t, loadCard(t, "visa_dda", nil), 2000)
	if !res.TVR.Has(emv.TVRDDAFailed) || res.TVR.Has(emv.TVRICCDataMissing) {
		t.Fatalf("TVR %s: want DDA failed without ICC data missing", res.TVR)
	}
}

// gpo6985Once answers the first GET PROCESSING OPTIONS with 6985.
type gpo6985Once struct {
	reader.Card
	done bool
	cmds [][]byte
}

func (g *gpo6985Once) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	g.cmds = append(g.cmds, append([]byte(nil), apdu...))
	if !g.done && len(apdu) >= 2 && apdu[0] == 0x80 && apdu[1] == 0xA8 {
		g.done = true
		return []byte{0x69, 0x85}, nil
	}
	return g.Card.Transmit(ctx, apdu)
}

// TestGPO6985BackToCandidates: Book 3 §10.1 — GET PROCESSING OPTIONS
// answered 6985 removes that application from the candidate list and the
// terminal selects the next one (here the card's second application),
// which completes the transaction.
func TestGPO6985BackToCandidates(t *testing.T) {
	cfg := loadConfig(t)
	second := cfg.AIDs[0]
	for _, a := range cfg.AIDs {
		if a.AID == "A0000000031010" {
			second = a
		}
	}
	second.AID = "A0000000032010"
	cfg.AIDs = append(cfg.AIDs, second)
	s := newScenario(t, cfg, "1234")
	card := &gpo6985Once{Card: loadCard(t, "visa_dda", func(p *sim.Profile) {
		app := p.Apps[0]
		app.AID, app.Label, app.Priority = "A0000000032010", "VISA ELECTRON", 2
		p.Apps = append(p.Apps, app)
	})}
	res := s.contact(t, card, 2000)
	if res.Outcome != Approved || fmt.Sprintf("%X", res.AID) != "A0000000032010" {
		t.Fatalf("outcome %v AID %X (%v); want approved on the second application", res.Outcome, res.AID, res.Err)
	}
	var seq []string
	for _, c := range card.cmds {
		switch {
		case c[0] == 0x00 && c[1] == 0xA4 && len(c) > 5:
			seq = append(seq, fmt.Sprintf("SELECT %X", c[5:5+int(c[4])]))
		case c[0] == 0x80 && c[1] == 0xA8:
			seq = append(seq, "GPO")
		}
	}
	got := strings.Join(seq, ",")
	if !strings.Contains(got, "SELECT A0000000031010,GPO,SELECT A0000000032010,GPO") {
		t.Fatalf("sequence %s", got)
	}
}

// TestContactlessTCWhenOnlineRequired: the TTQ asked for an online
// cryptogram (amount over the contactless floor limit) and a faulty card
// answers TC: not an offline approval.
func TestContactlessTCWhenOnlineRequired(t *testing.T) {
	s := newScenario(t, nil, "1234")
	card := loadCard(t, "visa_qvsdc", func(p *sim.Profile) { p.Faults.TCForARQC = true })
	res := s.contactless(t, card, 8000) // over the 5000 contactless floor limit
	if res.Outcome == Approved {
		t.Fatalf("a TC answering an online request was approved (TTQ %X)", res.Data[0x9F66])
	}
	if !errors.Is(res.Err, ErrCard) || s.h.calls != 0 {
		t.Fatalf("outcome %v err %v host calls %d; want a card error and no host call", res.Outcome, res.Err, s.h.calls)
	}
}

package kernel

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/reader"
	"github.com/possdk/pos/reader/sim"
	"github.com/possdk/pos/tlv"
)

func startContact(t *testing.T, s *scenario, card reader.Card) (*recordingCard, *Session, Step) {
	t.Helper()
	rc := &recordingCard{Card: card}
	sess, st := s.k.StartContact(context.Background(), reader.NewTransport(rc, reader.TransportOptions{}), Transaction{Amount: 20000, Time: testDay})
	return rc, sess, st
}

// TestOutcomeOnlineRequestThenApproved: Book A §6.2 outcomes, Book 3
// §10.7-10.9 — a sale over the floor limit stops after the first
// GENERATE AC (ARQC, P1 80) with an Online Request carrying the ARQC in
// field 55 and "Authorising, please wait" (1B); nothing more is sent to
// the card until Resume gives the host's answer, then EXTERNAL
// AUTHENTICATE and the second GENERATE AC (TC asked, P1 40) follow and
// the outcome is Approved (03), no reversal.
func TestOutcomeOnlineRequestThenApproved(t *testing.T) {
	s := newScenario(t, nil, "1234")
	s.k.hooks.Online = nil // the Session, not the hook, talks to the host
	rc, sess, st := startContact(t, s, loadCard(t, "visa_dda", nil))
	if st.Outcome != OutcomeOnlineRequest || st.Online == nil || st.UI.Message != MsgAuthorisingPleaseWait || st.Result != nil {
		t.Fatalf("first step %v %+v err %v", st.Outcome, st.UI, st.Err)
	}
	acs := rc.generateACs()
	if len(acs) != 1 || acs[0][2] != 0x80 || !bytes.Equal(rc.cmds[len(rc.cmds)-1], acs[0]) {
		t.Fatalf("before Resume: GENERATE ACs %X, last command %X", acs, rc.cmds[len(rc.cmds)-1])
	}
	if cid, _, _ := tlv.Find(st.Online.Field55, 0x9F27); !bytes.Equal(cid, []byte{0x80}) {
		t.Fatalf("field 55 9F27 %X, want 80 (ARQC)", cid)
	}
	resp, err := s.h.online(context.Background(), st.Online)
	if err != nil {
		t.Fatal(err)
	}
	st = sess.Resume(resp)
	if st.Outcome != OutcomeApproved || st.UI != (UIRequest{MsgApproved, DefaultHoldTime}) || st.ReversalRequired || st.Result == nil {
		t.Fatalf("final step %v %+v reversal %v err %v", st.Outcome, st.UI, st.ReversalRequired, st.Err)
	}
	acs = rc.generateACs()
	if len(acs) != 2 || acs[1][2] != 0x40 {
		t.Fatalf("GENERATE ACs %X", acs)
	}
	ext := 0
	for _, c := range rc.cmds {
		if c[0] == 0x00 && c[1] == 0x82 {
			ext++
		}
	}
	if ext != 1 || !st.Result.WentOnline || st.Result.CID.Type() != emv.TC || string(st.Result.Data[0x8A]) != "00" {
		t.Fatalf("EXTERNAL AUTHENTICATE %d, online %v, CID %v, 8A %q", ext, st.Result.WentOnline, st.Result.CID, st.Result.Data[0x8A])
	}
	if again := sess.Resume(resp); !errors.Is(again.Err, ErrSession) {
		t.Fatalf("Resume after the end: %v", again.Err)
	}
}

// TestOutcomeUnableToGoOnline: Resume(nil) is "unable to go online" (Book
// 3 §10.7): the TAC/IAC Default name "transaction exceeds floor limit"
// (TVR byte 4 b8), so the second GENERATE AC asks for an AAC (P1 00) with
// 8A Z3 (Book 4 §A6); outcome Declined, message 07.
func TestOutcomeUnableToGoOnline(t *testing.T) {
	s := newScenario(t, nil, "1234")
	rc, sess, st := startContact(t, s, loadCard(t, "visa_dda", nil))
	if st.Outcome != OutcomeOnlineRequest {
		t.Fatalf("first step %v err %v", st.Outcome, st.Err)
	}
	st = sess.Resume(nil)
	if st.Outcome != OutcomeDeclined || st.UI.Message != MsgDeclined || st.ReversalRequired {
		t.Fatalf("final step %v %+v err %v", st.Outcome, st.UI, st.Err)
	}
	acs := rc.generateACs()
	if len(acs) != 2 || acs[1][2] != 0x00 || string(st.Result.Data[0x8A]) != "Z3" || st.Result.WentOnline {
		t.Fatalf("GENERATE ACs %X, 8A %q", acs, st.Result.Data[0x8A])
	}
	wantTVR(t, st.Result, emv.TVRFloorLimitExceeded)
}

// TestOutcomeAbort: the caller gives up at the Online Request: the
// transaction ends (End Application) with no further command to the card.
func TestOutcomeAbort(t *testing.T) {
	s := newScenario(t, nil, "1234")
	rc, sess, st := startContact(t, s, loadCard(t, "visa_dda", nil))
	if st.Outcome != OutcomeOnlineRequest {
		t.Fatalf("first step %v err %v", st.Outcome, st.Err)
	}
	n := len(rc.cmds)
	st = sess.Abort()
	if st.Outcome != OutcomeEndApplication || !errors.Is(st.Err, context.Canceled) || len(rc.cmds) != n {
		t.Fatalf("abort: %v err %v, %d more commands", st.Outcome, st.Err, len(rc.cmds)-n)
	}
	if again := sess.Resume(nil); !errors.Is(again.Err, ErrSession) {
		t.Fatalf("Resume after Abort: %v", again.Err)
	}
}

// TestOutcomeReversalRequired: the host approves and the card rejects the
// issuer authentication and declines (Book 3 §10.9-10.11): Declined with
// "reversal required".
func TestOutcomeReversalRequired(t *testing.T) {
	s := newScenario(t, nil, "1234")
	_, sess, st := startContact(t, s, loadCard(t, "visa_dda", func(p *sim.Profile) { p.Faults.RejectARPC = true }))
	resp, err := s.h.online(context.Background(), st.Online)
	if err != nil {
		t.Fatal(err)
	}
	st = sess.Resume(resp)
	if st.Outcome != OutcomeDeclined || !st.ReversalRequired {
		t.Fatalf("final step %v reversal %v err %v", st.Outcome, st.ReversalRequired, st.Err)
	}
}

// TestOutcomeContactless: Book A/B outcomes of a tap — an offline
// approval is Approved straight away (no Online Request); an entry for a
// kernel the reader does not run is Try Another Interface with "Insert,
// swipe or try another card" (1C).
func TestOutcomeContactless(t *testing.T) {
	s := newScenario(t, nil)
	_, st := s.k.StartContactless(context.Background(), reader.NewTransport(loadCard(t, "visa_qvsdc", nil), reader.TransportOptions{}), Transaction{Amount: 2000, Time: testDay})
	if st.Outcome != OutcomeApproved || st.UI.Message != MsgApproved || s.h.calls != 0 {
		t.Fatalf("offline tap: %v %+v err %v", st.Outcome, st.UI, st.Err)
	}
	card := loadCard(t, "visa_qvsdc", func(p *sim.Profile) { p.Apps[0].AID = "A0000000041010" })
	_, st = s.k.StartContactless(context.Background(), reader.NewTransport(card, reader.TransportOptions{}), Transaction{Amount: 2000, Time: testDay})
	if st.Outcome != OutcomeTryAnotherInterface || st.UI.Message != MsgInsertSwipeOrTryAnotherCard || !errors.Is(st.Err, ErrTryAnother) {
		t.Fatalf("unknown kernel: %v %+v err %v", st.Outcome, st.UI, st.Err)
	}
	sess, st := s.k.StartContactless(context.Background(), reader.NewTransport(loadCard(t, "visa_qvsdc", nil), reader.TransportOptions{}), Transaction{Amount: 8000, Time: testDay})
	if st.Outcome != OutcomeOnlineRequest {
		t.Fatalf("online tap: %v err %v", st.Outcome, st.Err)
	}
	resp, err := s.h.online(context.Background(), st.Online)
	if err != nil {
		t.Fatal(err)
	}
	if st = sess.Resume(resp); st.Outcome != OutcomeApproved {
		t.Fatalf("online tap after Resume: %v err %v", st.Outcome, st.Err)
	}
}

// TestOutcomeTryAgainOnTapLoss: Book A §6.2 — a contactless card lost
// before the outcome is known (here after SELECT PPSE, SELECT AID and GPO)
// is Try Again with "Present card again" (21); the same loss on a contact
// card ends the application with "Processing error" (0F).
func TestOutcomeTryAgainOnTapLoss(t *testing.T) {
	s := newScenario(t, nil, "1234")
	card := &removingCard{Card: loadCard(t, "visa_qvsdc", nil), n: 3}
	_, st := s.k.StartContactless(context.Background(), reader.NewTransport(card, reader.TransportOptions{}), Transaction{Amount: 2000, Time: testDay})
	if st.Outcome != OutcomeTryAgain || st.UI.Message != MsgPresentCardAgain || !errors.Is(st.Err, reader.ErrCardRemoved) {
		t.Fatalf("tap lost: %v %+v err %v", st.Outcome, st.UI, st.Err)
	}
	card = &removingCard{Card: loadCard(t, "visa_dda", nil), n: 4}
	_, st = s.k.StartContact(context.Background(), reader.NewTransport(card, reader.TransportOptions{}), Transaction{Amount: 2000, Time: testDay})
	if st.Outcome != OutcomeEndApplication || st.UI.Message != MsgProcessingError || !errors.Is(st.Err, reader.ErrCardRemoved) {
		t.Fatalf("contact card removed: %v %+v err %v", st.Outcome, st.UI, st.Err)
	}
}

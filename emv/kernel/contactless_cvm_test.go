package kernel

import (
	"context"
	"testing"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/reader/sim"
)

// lowCVMLimit is the test terminal with a contactless CVM-required limit
// (1000) under its contactless floor limit (5000): an amount between the
// two asks for a CVM (TTQ byte 2 b7) without asking for an online
// cryptogram, so a card may approve offline with a CVM in its CTQ.
func lowCVMLimit(t *testing.T) *scenario {
	t.Helper()
	cfg := loadConfig(t)
	limit := int64(1000)
	cfg.AIDs[0].ContactlessCVMLimit = &limit
	return newScenario(t, cfg)
}

// wantTVR compares the whole TVR of the result (Book 3 Annex C5).
func wantTVR(t *testing.T, res *Result, flags ...emv.TVRFlag) {
	t.Helper()
	var want emv.TVR
	for _, f := range flags {
		want.Set(f)
	}
	if res.TVR != want {
		t.Errorf("TVR %s %v, want %s %v", res.TVR, res.TVR.Describe(), want, want.Describe())
	}
}

// TestContactlessCDCVMSignedByCard: Book C-3 cardholder verification — a
// consumer device CVM counts when the card's own CTQ in the Card
// Authentication Related Data (9F69, covered by the fDDA signature) says
// so: the phone approves offline with CDCVM, CVM Results 01 00 02.
func TestContactlessCDCVMSignedByCard(t *testing.T) {
	s := lowCVMLimit(t)
	card := loadCard(t, "phone_wallet", func(p *sim.Profile) { p.Apps[0].OfflineLimit = 3000 })
	res := s.contactless(t, card, 2000)
	expect(t, res, expectation{Outcome: Approved, TSI: []emv.TSIFlag{emv.TSIOfflineDataAuthPerformed}})
	wantTVR(t, res)
	if res.CVMResults != [3]byte{0x01, 0x00, 0x02} || res.SignatureNeeded || res.OnlinePINBlock != nil || s.h.calls != 0 {
		t.Fatalf("CVM %X signature %v PIN %v host calls %d", res.CVMResults, res.SignatureNeeded, res.OnlinePINBlock != nil, s.h.calls)
	}
}

// TestContactlessForgedCDCVMDeclined: the phone-wallet CDCVM bypass. The
// 9F6C the reader receives says "consumer device CVM performed" but the
// card's CTQ inside the signed 9F69 does not (a relay rewrote 9F6C): Book
// C-3 — the two must agree, else Declined; CVM not successful.
func TestContactlessForgedCDCVMDeclined(t *testing.T) {
	s := lowCVMLimit(t)
	pinAsked := false
	s.k.hooks.OnlinePIN = func(context.Context, emv.PAN) ([]byte, error) { pinAsked = true; return nil, ErrPINBypass }
	card := loadCard(t, "visa_qvsdc", func(p *sim.Profile) { p.Faults.ForgedCDCVM = true })
	res := s.contactless(t, card, 2000)
	if res.CID.Type() != emv.TC {
		t.Fatalf("the card answered %v; the test needs an offline approval", res.CID)
	}
	expect(t, res, expectation{Outcome: Declined})
	wantTVR(t, res, emv.TVRCVMNotSuccessful)
	if res.CVMResults != [3]byte{0x3F, 0x00, 0x01} || pinAsked || s.h.calls != 0 {
		t.Fatalf("CVM %X PIN asked %v host calls %d", res.CVMResults, pinAsked, s.h.calls)
	}
}

// TestContactlessCDCVMWithoutCardAuthDataOffline: Book C-3 — without
// Card Authentication Related Data nothing the card signed says CDCVM was
// performed; an offline approval relying on 9F6C alone is declined.
func TestContactlessCDCVMWithoutCardAuthDataOffline(t *testing.T) {
	s := lowCVMLimit(t)
	card := loadCard(t, "phone_wallet", func(p *sim.Profile) {
		p.Apps[0].OfflineLimit = 3000
		p.Apps[0].ODA = "none" // no ICC key: no fDDA, no 9F69
	})
	res := s.contactless(t, card, 2000)
	if res.CID.Type() != emv.TC {
		t.Fatalf("the card answered %v; the test needs an offline approval", res.CID)
	}
	if _, ok := res.Data[0x9F69]; ok {
		t.Fatal("the card returned 9F69")
	}
	expect(t, res, expectation{Outcome: Declined})
	wantTVR(t, res, emv.TVRCVMNotSuccessful)
	if res.CVMResults != [3]byte{0x3F, 0x00, 0x01} {
		t.Fatalf("CVM %X", res.CVMResults)
	}
}

// TestContactlessOnlinePINNotCollectedForOfflineApproval: Book C-3 — an
// online PIN is verified by the issuer only; a card asking for it in its
// CTQ while approving offline (TC) cannot be approved, and the PIN is not
// collected (it used to be asked for and thrown away).
func TestContactlessOnlinePINNotCollectedForOfflineApproval(t *testing.T) {
	s := lowCVMLimit(t)
	pinAsked := false
	s.k.hooks.OnlinePIN = func(context.Context, emv.PAN) ([]byte, error) { pinAsked = true; return []byte{1}, nil }
	res := s.contactless(t, loadCard(t, "visa_qvsdc", nil), 2000) // CTQ 8000: online PIN required
	if res.CID.Type() != emv.TC {
		t.Fatalf("the card answered %v; the test needs an offline approval", res.CID)
	}
	expect(t, res, expectation{Outcome: Declined})
	wantTVR(t, res, emv.TVRCVMNotSuccessful)
	if res.CVMResults != [3]byte{0x02, 0x00, 0x01} || pinAsked || res.OnlinePINBlock != nil || s.h.calls != 0 {
		t.Fatalf("CVM %X PIN asked %v host calls %d", res.CVMResults, pinAsked, s.h.calls)
	}
}

// TestContactlessRestrictions: Book C-3 processing restrictions (Book 3
// §10.4 rules) — an offline approval (TC) of an expired, not yet
// effective, or AUC-forbidden application is declined with the TVR bit;
// the same card asked online (amount over the 5000 floor limit) goes to
// the issuer with the bit set.
func TestContactlessRestrictions(t *testing.T) {
	for _, tc := range []struct {
		name  string
		tweak func(*sim.Profile)
		flag  emv.TVRFlag
	}{
		{"expired", func(p *sim.Profile) { p.Apps[0].Expiry = "261120" }, emv.TVRExpiredApplication},
		{"not yet effective", func(p *sim.Profile) { p.Apps[0].Effective = "261122" }, emv.TVRAppNotYetEffective},
		{"AUC not valid at non-ATM terminals", func(p *sim.Profile) { p.Apps[0].AUC = "FE00" }, emv.TVRServiceNotAllowed},
	} {
		t.Run(tc.name+"/offline", func(t *testing.T) {
			s := newScenario(t, nil)
			res := s.contactless(t, loadCard(t, "visa_qvsdc", tc.tweak), 2000)
			if res.CID.Type() != emv.TC {
				t.Fatalf("the card answered %v; the test needs an offline approval", res.CID)
			}
			expect(t, res, expectation{Outcome: Declined})
			wantTVR(t, res, tc.flag)
			if s.h.calls != 0 {
				t.Fatal("went online")
			}
		})
		t.Run(tc.name+"/online", func(t *testing.T) {
			s := newScenario(t, nil)
			res := s.contactless(t, loadCard(t, "visa_qvsdc", tc.tweak), 8000)
			expect(t, res, expectation{Outcome: Approved})
			wantTVR(t, res, tc.flag, emv.TVROfflineDataAuthNotPerformed)
			if s.h.calls != 1 || !s.h.verified {
				t.Fatalf("host calls %d", s.h.calls)
			}
		})
	}
}

// TestContactlessOnlinePINWithoutPINPad: Book C-3 — the card asks for an
// online PIN (CTQ 8000) over the CVM limit; a reader without PIN pad (no
// OnlinePIN hook) goes online with TVR "PIN entry required and PIN pad
// not present" (byte 3 b5) and 9F34 02 00 01 (failed); a bypass sets
// "PIN pad present, PIN not entered" (byte 3 b4) instead. Byte 1 b8: no
// ODA for an online cryptogram.
func TestContactlessOnlinePINWithoutPINPad(t *testing.T) {
	s := newScenario(t, nil)
	s.k.hooks.OnlinePIN = nil
	res := s.contactless(t, loadCard(t, "visa_qvsdc", nil), 15000)
	expect(t, res, expectation{Outcome: Approved})
	wantTVR(t, res, emv.TVROfflineDataAuthNotPerformed, emv.TVRPINPadNotPresent)
	if res.CVMResults != [3]byte{0x02, 0x00, 0x01} || res.OnlinePINBlock != nil {
		t.Fatalf("CVM %X", res.CVMResults)
	}
	s = newScenario(t, nil)
	s.k.hooks.OnlinePIN = func(context.Context, emv.PAN) ([]byte, error) { return nil, ErrPINBypass }
	res = s.contactless(t, loadCard(t, "visa_qvsdc", nil), 15000)
	wantTVR(t, res, emv.TVROfflineDataAuthNotPerformed, emv.TVRPINNotEntered)
	if res.CVMResults != [3]byte{0x02, 0x00, 0x01} {
		t.Fatalf("CVM %X", res.CVMResults)
	}
}

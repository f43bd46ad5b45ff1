package kernel

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/reader"
	"github.com/possdk/pos/reader/sim"
	"github.com/possdk/pos/tlv"
)

var testIMK, _ = keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")

var testDay = time.Date(2026, 11, 21, 10, 30, 0, 0, time.UTC)

func loadConfig(t testing.TB) *Config {
	t.Helper()
	c, err := LoadConfigFile("testdata/terminal.json")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func loadCard(t testing.TB, name string, tweak func(*sim.Profile)) *sim.Card {
	t.Helper()
	p, err := sim.LoadProfileFile("../../reader/sim/testdata/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	if tweak != nil {
		tweak(p)
	}
	c, err := sim.New(p)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// host is a test issuer: it verifies every ARQC with emv's issuer
// functions and answers with an ARPC, an ARC and optional scripts.
type host struct {
	t       testing.TB
	decline bool
	arc     string
	scripts []byte // 71/72 templates appended to the response field 55
	// scriptCmds are MAC'd per transaction and appended, one template each.
	scriptCmds []scriptCmd
	calls      int
	verified   bool
	lastPIN    []byte
	last55     []byte
	down       bool
	// issuerDeclines: a request the issuer cannot verify (field 55, the
	// ARQC) is declined (ARC 05) as a real issuer does, instead of
	// failing the test (FuzzKernel feeds corrupted cards).
	issuerDeclines bool
	// noIssuerAuth: the response carries no 91.
	noIssuerAuth bool
}

// methodFor picks the issuer's cryptogram method from the AID and the IAD
// (a UnionPay card with a 07-length IAD is PBOC/UICS CVN 01).
func methodFor(aid, iad []byte) emv.CryptogramMethod {
	if m, err := emv.CryptogramMethodOf(aid, iad); err == nil {
		return m
	}
	if emv.SchemeOfAID(aid) == emv.SchemeVisa {
		return emv.VisaCVN18
	}
	return emv.CCD
}

// scriptCmd is an issuer script command without its secure-messaging MAC:
// the test host appends the MAC (EMV Book 2 §9.2, VIS 1.5 Appendix B
// session key) so that the card can check it.
type scriptCmd struct {
	template tlv.Tag // 71 or 72
	apdu     []byte  // CLA INS P1 P2 Lc(without MAC) data
	badMAC   bool
}

// visaScriptMAC is the MAC of a Visa CVN 10/18 script command: MAC
// algorithm 3, padding method 2, over CLA INS P1 P2 Lc ATC ARQC data,
// under the VIS secure-messaging session key derived from MK_SMI (here the
// AC issuer key, as the profiles personalise it).
func visaScriptMAC(pan emv.PAN, psn string, atc uint16, arqc, cmd []byte) ([]byte, error) {
	mk, err := emv.DeriveICCKeyA(testIMK, pan, psn)
	if err != nil {
		return nil, err
	}
	sk, err := emv.VisaSessionKey(mk, atc)
	if err != nil {
		return nil, err
	}
	k, k2, err := sk.DESParts()
	if err != nil {
		return nil, err
	}
	msg := append([]byte(nil), cmd[:4]...)
	msg = append(msg, byte(len(cmd)-5+8), byte(atc>>8), byte(atc))
	msg = append(append(msg, arqc...), cmd[5:]...)
	return keys.AppendRetailMAC(nil, k, k2, msg, keys.Padding2, 8)
}

func (h *host) online(ctx context.Context, req *OnlineRequest) (*OnlineResponse, error) {
	h.calls++
	h.lastPIN = req.PINBlock
	h.last55 = append([]byte(nil), req.Field55...)
	if h.down {
		return nil, fmt.Errorf("connection refused")
	}
	d, err := emv.CryptogramDataFromTLV(req.Field55)
	if err != nil && h.issuerDeclines {
		return &OnlineResponse{ARC: [2]byte{'0', '5'}}, nil
	}
	if err != nil {
		h.t.Errorf("host: field 55: %v", err)
		return nil, err
	}
	arqc, ok, _ := tlv.Find(req.Field55, 0x9F26)
	aid, _, _ := tlv.Find(req.Field55, 0x84)
	if !ok && h.issuerDeclines {
		return &OnlineResponse{ARC: [2]byte{'0', '5'}}, nil
	}
	if !ok {
		h.t.Error("host: no ARQC")
		return nil, fmt.Errorf("no ARQC")
	}
	iad, _, _ := tlv.Find(req.Field55, 0x9F10)
	m := methodFor(aid, iad)
	sk, err := m.VerifyARQC(testIMK, req.PAN, req.PSN, &d, arqc)
	if err != nil && h.issuerDeclines {
		return &OnlineResponse{ARC: [2]byte{'0', '5'}}, nil
	}
	if err != nil {
		h.t.Errorf("host: ARQC does not verify: %v", err)
		return nil, err
	}
	h.verified = true
	arc := h.arc
	if arc == "" {
		arc = "00"
		if h.decline {
			arc = "05"
		}
	}
	in := emv.ARPCInput{ARC: [2]byte{arc[0], arc[1]}}
	arpc, err := m.ARPC(sk, arqc, in)
	if err != nil {
		return nil, err
	}
	var f55 []byte
	if !h.noIssuerAuth {
		f55 = tlv.AppendTLV(nil, 0x91, m.IssuerAuthenticationData(arpc, in))
	}
	f55 = append(f55, h.scripts...)
	for _, sc := range h.scriptCmds {
		atc := uint16(d.ATC[0])<<8 | uint16(d.ATC[1])
		mac, err := visaScriptMAC(req.PAN, req.PSN, atc, arqc, sc.apdu)
		if err != nil {
			return nil, err
		}
		if sc.badMAC {
			mac[0] ^= 0xFF
		}
		cmd := append(append([]byte(nil), sc.apdu...), mac...)
		cmd[4] = byte(len(cmd) - 5)
		f55 = tlv.AppendTLV(f55, sc.template, tlv.AppendTLV(tlv.AppendTLV(nil, 0x9F18, []byte{0, 0, 0, 1}), 0x86, cmd))
	}
	return &OnlineResponse{Approved: arc == "00", ARC: in.ARC, AuthCode: "123456", Field55: f55}, nil
}

// pinPad answers PIN requests from a list, then bypasses.
type pinPad struct {
	pins  []string
	asked int
}

func (p *pinPad) pin(ctx context.Context, kind PINKind, tries int) (string, error) {
	p.asked++
	if len(p.pins) == 0 {
		return "", ErrPINBypass
	}
	pin := p.pins[0]
	p.pins = p.pins[1:]
	return pin, nil
}

func onlinePIN(ctx context.Context, pan emv.PAN) ([]byte, error) {
	return []byte{0xEE, 1, 2, 3, 4, 5, 6, 7}, nil
}

type scenario struct {
	h   *host
	pad *pinPad
	k   *Kernel
}

func newScenario(t testing.TB, cfg *Config, pins ...string) *scenario {
	if cfg == nil {
		cfg = loadConfig(t)
	}
	s := &scenario{h: &host{t: t}, pad: &pinPad{pins: pins}}
	c := *cfg
	c.Hooks = Hooks{PIN: s.pad.pin, OnlinePIN: onlinePIN, Online: s.h.online}
	c.Clock = func() time.Time { return testDay }
	k, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	s.k = k
	return s
}

func (s *scenario) contact(t testing.TB, card reader.Card, amount int64) *Result {
	t.Helper()
	res, _ := s.k.RunContact(context.Background(), reader.NewTransport(card, reader.TransportOptions{}), Transaction{Amount: amount, Time: testDay})
	return res
}

func (s *scenario) contactless(t testing.TB, card reader.Card, amount int64) *Result {
	t.Helper()
	res, _ := s.k.RunContactless(context.Background(), reader.NewTransport(card, reader.TransportOptions{}), Transaction{Amount: amount, Time: testDay})
	return res
}

// expectation is what a scenario expects: the outcome, TVR bits that must be
// set and bits that must be clear, TSI bits that must be set (issue 24:
// named fields, so the two TVR lists cannot be swapped silently).
type expectation struct {
	Outcome Outcome
	Set     []emv.TVRFlag
	Clear   []emv.TVRFlag
	TSI     []emv.TSIFlag
}

func expect(t *testing.T, res *Result, w expectation) {
	t.Helper()
	o, set, clear, tsi := w.Outcome, w.Set, w.Clear, w.TSI
	if res.Outcome != o {
		t.Fatalf("outcome %v (err %v), want %v; TVR %s %v", res.Outcome, res.Err, o, res.TVR, res.TVR.Describe())
	}
	for _, f := range set {
		if !res.TVR.Has(f) {
			t.Errorf("TVR %s lacks %q", res.TVR, f)
		}
	}
	for _, f := range clear {
		if res.TVR.Has(f) {
			t.Errorf("TVR %s has %q", res.TVR, f)
		}
	}
	for _, f := range tsi {
		if !res.TSI.Has(f) {
			t.Errorf("TSI %s lacks %q", res.TSI, f)
		}
	}
}

func h2b(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// cryptogramOf checks that the result's final cryptogram is the one in its
// field 55.
func cryptogramOf(t *testing.T, res *Result) {
	t.Helper()
	ac, ok, _ := tlv.Find(res.Field55, 0x9F26)
	if !ok || !bytes.Equal(ac, res.Cryptogram) || len(ac) != 8 {
		t.Errorf("field 55 cryptogram %X, result %X", ac, res.Cryptogram)
	}
}

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
	t        testing.TB
	decline  bool
	arc      string
	scripts  []byte // 71/72 templates appended to the response field 55
	calls    int
	verified bool
	lastPIN  []byte
	last55   []byte
	down     bool
}

func methodFor(aid []byte) emv.CryptogramMethod {
	if emv.SchemeOfAID(aid) == emv.SchemeVisa {
		return emv.VisaCVN18
	}
	return emv.CCD
}

func (h *host) online(ctx context.Context, req *OnlineRequest) (*OnlineResponse, error) {
	h.calls++
	h.lastPIN = req.PINBlock
	h.last55 = append([]byte(nil), req.Field55...)
	if h.down {
		return nil, fmt.Errorf("connection refused")
	}
	d, err := emv.CryptogramDataFromTLV(req.Field55)
	if err != nil {
		h.t.Errorf("host: field 55: %v", err)
		return nil, err
	}
	arqc, ok, _ := tlv.Find(req.Field55, 0x9F26)
	aid, _, _ := tlv.Find(req.Field55, 0x84)
	if !ok {
		h.t.Error("host: no ARQC")
		return nil, fmt.Errorf("no ARQC")
	}
	m := methodFor(aid)
	sk, err := m.VerifyARQC(testIMK, req.PAN, req.PSN, &d, arqc)
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
	f55 := tlv.AppendTLV(nil, 0x91, m.IssuerAuthenticationData(arpc, in))
	f55 = append(f55, h.scripts...)
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
	k, err := New(cfg, Hooks{PIN: s.pad.pin, OnlinePIN: onlinePIN, Online: s.h.online}, nil)
	if err != nil {
		t.Fatal(err)
	}
	k.now = func() time.Time { return testDay }
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

func expect(t *testing.T, res *Result, o Outcome, set []emv.TVRFlag, clear []emv.TVRFlag, tsi []emv.TSIFlag) {
	t.Helper()
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

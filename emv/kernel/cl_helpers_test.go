package kernel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/reader"
	"github.com/possdk/pos/reader/sim"
	"github.com/possdk/pos/tlv"
)

// clCase is one Kernel 2 or Kernel 7 scenario: the card, the terminal's
// settings and the transaction, and the whole observable state expected —
// outcome, TVR, TSI, CVM Results (9F34), the final CID, the exact APDU
// sequence ("xx" matches any byte) and the data the host received in
// field 55. Expected values are derived by hand from the Book clause
// named and the card's personalisation (reader/sim/testdata), never
// pasted from a run.
type clCase struct {
	name, clause string
	card         string
	tweak        func(*sim.Profile)
	cfg          func(*Config)
	amount       int64
	txType       byte
	decline      bool // the host declines
	hostDown     bool // the host cannot be reached
	issuerChecks bool // see acHost
	badAC        bool // the host must have found the cryptogram wrong
	noPINPad     bool
	// relay rewrites the card's responses (an attacker between reader
	// and card); nil: none.
	relay func(cmd, resp []byte) []byte

	outcome Outcome
	errIs   error  // the result's error wraps it (nil: not checked)
	tvr     string // hex
	tsi     string
	cvm     string
	cid     string // 9F27 hex, "" when the card gave none
	apdus   []string
	// online: the host was asked; f55 are tag values it must have
	// received ("xx" matches any byte).
	online bool
	f55    map[tlv.Tag]string
	check  func(t *testing.T, res *Result, card *sim.Card)
}

// relayCard passes commands to the card and lets a function rewrite the
// responses.
type relayCard struct {
	reader.Card
	fn func(cmd, resp []byte) []byte
}

func (r *relayCard) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	resp, err := r.Card.Transmit(ctx, apdu)
	if err != nil || r.fn == nil {
		return resp, err
	}
	return r.fn(apdu, append([]byte(nil), resp...)), nil
}

// methodOf is the issuer's choice of cryptogram method: an M/Chip IAD
// (18 bytes or more, CVN 10/11/14/15 in byte 2) is M/Chip, otherwise
// emv.CryptogramMethodOf.
func methodOf(aid, iad []byte) (emv.ACMethod, error) {
	if len(iad) >= 18 {
		switch c := emv.MastercardCVN(iad[1]); c {
		case emv.MChipCVN16, emv.MChipCVN17, emv.MChipCVN20, emv.MChipCVN21:
			return c, nil
		}
	}
	return emv.CryptogramMethodOf(aid, iad)
}

// acHost is the issuer for the contactless kernels: it verifies the
// cryptogram in field 55 with emv.VerifyAC (the issuer's own functions)
// and answers approve or decline.
type acHost struct {
	t        testing.TB
	decline  bool
	down     bool
	calls    int
	verified bool
	// issuerChecks: a cryptogram that does not verify is declined (the
	// issuer's answer to a forged request) instead of failing the test.
	issuerChecks bool
	badAC        bool
	last         *OnlineRequest
	last55       []byte
}

func (h *acHost) online(ctx context.Context, req *OnlineRequest) (*OnlineResponse, error) {
	h.calls++
	h.last = req
	h.last55 = append([]byte(nil), req.Field55...)
	if h.down {
		return nil, errors.New("connection refused")
	}
	d, err := emv.CryptogramDataFromTLV(req.Field55)
	ac, _, _ := tlv.Find(req.Field55, 0x9F26)
	aid, _, _ := tlv.Find(req.Field55, 0x84)
	iad, _, _ := tlv.Find(req.Field55, 0x9F10)
	var m emv.ACMethod
	if err == nil {
		m, err = methodOf(aid, iad)
	}
	var k *emv.ACKeys
	if err == nil {
		k, err = emv.VerifyAC(m, testIMK, req.PAN, req.PSN, &d, ac)
	}
	if err != nil && h.issuerChecks {
		h.badAC = true
		return &OnlineResponse{Approved: false, ARC: [2]byte{'0', '5'}}, nil
	}
	if err != nil {
		h.t.Errorf("host: cryptogram does not verify: %v", err)
		return nil, err
	}
	k.Zero()
	h.verified = true
	arc := [2]byte{'0', '0'}
	if h.decline {
		arc = [2]byte{'0', '5'}
	}
	return &OnlineResponse{Approved: !h.decline, ARC: arc, AuthCode: "123456"}, nil
}

// run runs the case with a zero random source (UN 00000000) on the test
// day and checks everything.
func (c clCase) run(t *testing.T) {
	t.Helper()
	cfg := loadConfig(t)
	if c.cfg != nil {
		c.cfg(cfg)
		if err := cfg.check(); err != nil {
			t.Fatal(err)
		}
	}
	card := loadCard(t, c.card, c.tweak)
	res, h, rc := runCL(t, cfg, card, c)
	c.verify(t, res, h, rc, card)
}

func runCL(t *testing.T, cfg *Config, card *sim.Card, c clCase) (*Result, *acHost, *recordingCard) {
	t.Helper()
	h := &acHost{t: t}
	hooks := Hooks{OnlinePIN: onlinePIN, Online: h.online}
	if c.noPINPad {
		hooks.OnlinePIN = nil
	}
	clk := &fakeClock{t: testDay}
	kc := *cfg
	kc.Hooks, kc.Rand, kc.Clock = hooks, zeroRand{}, clk.now
	k, err := New(kc)
	if err != nil {
		t.Fatal(err)
	}
	h.decline, h.down, h.issuerChecks = c.decline, c.hostDown, c.issuerChecks
	card.SetSleep(clk.advance)
	var inner reader.Card = card
	if c.relay != nil {
		inner = &relayCard{Card: card, fn: c.relay}
	}
	rc := &recordingCard{Card: inner}
	res, _ := k.RunContactless(context.Background(), reader.NewTransport(rc, reader.TransportOptions{}),
		Transaction{Amount: c.amount, Type: c.txType, Time: testDay})
	return res, h, rc
}

func (c clCase) verify(t *testing.T, res *Result, h *acHost, rc *recordingCard, card *sim.Card) {
	t.Helper()
	var errs []string
	check := func(what, got, want string) {
		if got != want {
			errs = append(errs, fmt.Sprintf("%s %s, want %s", what, got, want))
		}
	}
	check("outcome", res.Outcome.String(), c.outcome.String())
	if c.errIs != nil && !errors.Is(res.Err, c.errIs) {
		errs = append(errs, fmt.Sprintf("error %v, want %v", res.Err, c.errIs))
	}
	check("TVR", fmt.Sprintf("%X", res.TVR[:]), c.tvr)
	check("TSI", fmt.Sprintf("%X", res.TSI[:]), c.tsi)
	check("9F34", fmt.Sprintf("%X", res.CVMResults[:]), c.cvm)
	check("9F27", fmt.Sprintf("%X", res.Data[0x9F27]), c.cid)
	n := max(len(rc.cmds), len(c.apdus))
	for i := 0; i < n; i++ {
		var got, want string
		if i < len(rc.cmds) {
			got = fmt.Sprintf("%X", rc.cmds[i])
		}
		if i < len(c.apdus) {
			want = strings.ReplaceAll(c.apdus[i], " ", "")
		}
		if !apduMatch(got, want) {
			errs = append(errs, fmt.Sprintf("APDU %d: %s, want %s", i+1, got, want))
		}
	}
	if h.badAC != c.badAC {
		errs = append(errs, fmt.Sprintf("host found the cryptogram bad: %v, want %v", h.badAC, c.badAC))
	}
	if (h.calls > 0) != c.online {
		errs = append(errs, fmt.Sprintf("host called %d times, want online %v", h.calls, c.online))
	}
	if c.online && h.calls > 0 {
		if !h.down && !h.verified && !c.badAC {
			errs = append(errs, "the host did not verify the cryptogram")
		}
		if ac, _, _ := tlv.Find(h.last55, 0x9F26); !bytes.Equal(ac, res.Cryptogram) {
			errs = append(errs, fmt.Sprintf("field 55 cryptogram %X, result %X", ac, res.Cryptogram))
		}
		// The whole field 55, tag by tag and in the scheme's order, as
		// the contact goldens check it (golden_f55_test.go): terminal
		// data from terminal.json and the scenario's configuration, card
		// data from its personalisation, and the scenario's own values
		// (c.f55: amount, TVR, CVM results, AIP, the IAD's layout).
		g := golden{card: c.card, tweak: c.tweak, cfg: c.cfg, amount: c.amount, txType: c.txType,
			apdus: c.apdus, contactless: true, cvm: c.cvm, f55: c.f55}
		order, want := g.wantF55(t, g.facts(t, c.hostDown), f55Request)
		if _, given := c.f55[0x9F33]; !given {
			if tc := k2Capabilities(t, c); tc != "" {
				want[0x9F33] = tc
			}
		}
		errs = append(errs, checkF55("field 55", h.last55, order, want)...)
	}
	if res.Outcome == Approved && !res.WentOnline && res.CID.Type() != emv.TC {
		errs = append(errs, fmt.Sprintf("offline approval with a %v", res.CID.Type()))
	}
	if len(errs) > 0 {
		t.Errorf("%s (%s) — err %v\n\t%s", c.name, c.clause, res.Err, strings.Join(errs, "\n\t"))
	}
	if c.check != nil {
		c.check(t, res, card)
	}
}

// withF55 is the expected field 55 m with tag set to v.
func withF55(m map[tlv.Tag]string, tag tlv.Tag, v string) map[tlv.Tag]string {
	m[tag] = v
	return m
}

// k2Capabilities is the Terminal Capabilities (9F33) a Kernel 2 reader
// sends for c, "" for the other kernels. Book C-2 (pre-processing of the
// Kernel 2 configuration): byte 2 is 'CVM Capability – CVM Required' when
// the amount is over the Reader CVM Required Limit, else 'CVM Capability –
// No CVM Required'; bytes 1 and 3 are the terminal's (terminal.json).
func k2Capabilities(t *testing.T, c clCase) string {
	t.Helper()
	cfg := loadConfig(t)
	if c.cfg != nil {
		c.cfg(cfg)
	}
	for _, a := range cfg.AIDs {
		k2 := a.Kernel2
		if k2 == nil || k2.CVMRequiredLimit == nil {
			continue
		}
		capCVM := k2.CVMCapabilityNoCVM
		if c.amount > *k2.CVMRequiredLimit {
			capCVM = k2.CVMCapabilityCVMRequired
		}
		return cfg.Capabilities[:2] + capCVM + cfg.Capabilities[4:]
	}
	return ""
}

// fakeClock is the time the card's processing delay advances and the
// kernel's relay resistance timer reads: no test depends on real time.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

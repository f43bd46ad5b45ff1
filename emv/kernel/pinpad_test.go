package kernel

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"math/big"
	"testing"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/emv/oda/odatest"
	"github.com/possdk/pos/reader/sim"
)

// testPad is a PIN pad holding the PIN as bytes; it records requests.
type testPad struct {
	pin  []byte
	reqs []PINRequest
}

func (p *testPad) VerifyCommand(ctx context.Context, req PINRequest) (emv.Command, error) {
	p.reqs = append(p.reqs, req)
	return BuildVerify(p.pin, req, rand.Reader)
}

// TestBuildVerifyPlaintext: Book 3 §6.5.12 — VERIFY 00 20 00 80 08 with
// the format 2 block 2L PPPP...FF (L the PIN length).
func TestBuildVerifyPlaintext(t *testing.T) {
	for pin, want := range map[string]string{
		"1234":         "002000800824" + "1234FFFFFFFFFF",
		"123456789012": "00200080082C" + "123456789012FF",
	} {
		cmd, err := BuildVerify([]byte(pin), PINRequest{Kind: PINOfflinePlaintext}, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := cmd.Bytes()
		if !bytes.Equal(b, h2b(want)) {
			t.Errorf("PIN of %d digits: %X, want %s", len(pin), b, want)
		}
	}
	for _, bad := range []string{"", "123", "1234567890123", "12a4", "12 4"} {
		if _, err := BuildVerify([]byte(bad), PINRequest{Kind: PINOfflinePlaintext}, rand.Reader); !errors.Is(err, ErrPIN) {
			t.Errorf("PIN %d chars: error %v, want ErrPIN", len(bad), err)
		}
	}
}

// TestBuildVerifyEnciphered: Book 2 §7.2 — the data deciphers, under the
// ICC private key, to 7F | format 2 block | challenge | pad; P2 88.
func TestBuildVerifyEnciphered(t *testing.T) {
	key := odatest.ICCKey(2)
	ch := h2b("0102030405060708")
	req := PINRequest{Kind: PINOfflineEnciphered, Challenge: ch, Modulus: key.N.Bytes(), Exponent: big.NewInt(int64(key.E)).Bytes()}
	cmd, err := BuildVerify([]byte("1234"), req, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if cmd.INS != 0x20 || cmd.P2 != 0x88 || len(cmd.Data) != len(req.Modulus) {
		t.Fatalf("%02X %02X len %d", cmd.INS, cmd.P2, len(cmd.Data))
	}
	m := new(big.Int).Exp(new(big.Int).SetBytes(cmd.Data), key.D, key.N).FillBytes(make([]byte, len(cmd.Data)))
	if m[0] != 0x7F || !bytes.Equal(m[1:9], h2b("241234FFFFFFFFFF")) || !bytes.Equal(m[9:17], ch) {
		t.Fatalf("deciphered %X", m[:17])
	}
	for _, bad := range []PINRequest{
		{Kind: PINOfflineEnciphered, Modulus: req.Modulus, Exponent: req.Exponent},                          // no challenge
		{Kind: PINOfflineEnciphered, Challenge: ch, Exponent: req.Exponent},                                 // no key
		{Kind: PINOfflineEnciphered, Challenge: ch, Modulus: []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}}, // tiny key
	} {
		if _, err := BuildVerify([]byte("1234"), bad, rand.Reader); !errors.Is(err, ErrPIN) {
			t.Errorf("error %v, want ErrPIN", err)
		}
	}
}

// TestPINPadBuildsVerify: with Hooks.PINPad the kernel asks the PIN pad
// for the command (Book 3 §10.5.1): an enciphered PIN gets the card's
// fresh challenge and the ICC key (visa_dda: odatest key 1); the card
// accepts it (CVM Results 04 03 02).
func TestPINPadBuildsVerify(t *testing.T) {
	s := newScenario(t, nil)
	pad := &testPad{pin: []byte("1234")}
	s.k.hooks.PIN, s.k.hooks.PINPad = nil, pad
	card := loadCard(t, "visa_dda", func(p *sim.Profile) { p.Apps[0].CVMList = "00000000000000000403" })
	res := s.contact(t, card, 20000)
	expect(t, res, expectation{Outcome: Approved, TSI: append(allTSI, emv.TSIIssuerAuthPerformed)})
	wantTVR(t, res, emv.TVRFloorLimitExceeded)
	if res.CVMResults != [3]byte{0x04, 0x03, 0x02} || len(pad.reqs) != 1 {
		t.Fatalf("CVM results %X, requests %d", res.CVMResults, len(pad.reqs))
	}
	r := pad.reqs[0]
	if r.Kind != PINOfflineEnciphered || r.TriesLeft != 3 || len(r.Challenge) != 8 || !bytes.Equal(r.Modulus, odatest.ICCKey(1).N.Bytes()) {
		t.Fatalf("request kind %v tries %d challenge %d bytes", r.Kind, r.TriesLeft, len(r.Challenge))
	}
}

// badPad returns something other than a VERIFY.
type badPad struct{}

func (badPad) VerifyCommand(context.Context, PINRequest) (emv.Command, error) {
	return emv.GetChallenge(), nil
}

// TestPINPadNotVerify: a PIN pad that builds another command is refused
// with an error wrapping ErrPIN, and nothing is sent.
func TestPINPadNotVerify(t *testing.T) {
	s := newScenario(t, nil)
	s.k.hooks.PIN, s.k.hooks.PINPad = nil, badPad{}
	card := loadCard(t, "visa_dda", func(p *sim.Profile) { p.Apps[0].CVMList = "00000000000000000103" })
	res := s.contact(t, card, 20000)
	if res.Outcome != Failed || !errors.Is(res.Err, ErrPIN) {
		t.Fatalf("outcome %v err %v", res.Outcome, res.Err)
	}
}

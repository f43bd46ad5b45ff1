package link

import (
	"context"
	"testing"
	"time"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/emv/kernel"
	"github.com/possdk/pos/hsm"
	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/pinblock"
	"github.com/possdk/pos/reader"
	"github.com/possdk/pos/reader/sim"
	"github.com/possdk/pos/tlv"
)

// chipDay is inside the test cards' validity.
var chipDay = time.Date(2026, 11, 21, 10, 30, 0, 0, time.UTC)

// chipRun is one contact chip sale: the EMV kernel drives a software card
// (reader/sim, whose cryptogram and ARPC checks are the card's own code)
// and sends the ARQC through a link.Client to a Host with an HSM, whose
// SimIssuer verifies the ARQC and answers the ARPC through the same HSM.
type chipRun struct {
	res      *kernel.Result
	card     *sim.Card
	resp     *iso8583.Transaction
	saleErr  error
	tampered bool
}

func runChipSale(t *testing.T, profile string, amount int64, tamper bool) (*chipRun, *testEnv) {
	t.Helper()
	e := newHSMTestEnv(t, nil)
	p, err := sim.LoadProfileFile("testdata/chip/" + profile + ".json")
	if err != nil {
		t.Fatal(err)
	}
	imk, err := keys.FromHex(keys.TDES2, p.Apps[0].IMK)
	if err != nil {
		t.Fatal(err)
	}
	imkBlock, err := e.hsm.Wrap(imk, hsm.IssuerMasterKeyAC)
	if err != nil {
		t.Fatal(err)
	}
	e.issuer.HSM, e.issuer.IMK = e.hsm, imkBlock
	card, err := sim.New(p)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := e.terminal(t, t.TempDir(), "50080401", nil)
	ctx := ctxT(t)
	if err := c.SignIn(ctx); err != nil {
		t.Fatal(err)
	}
	cfg, err := kernel.LoadConfigFile("testdata/chip/terminal.json")
	if err != nil {
		t.Fatal(err)
	}
	run := &chipRun{card: card, tampered: tamper}
	hooks := kernel.Hooks{
		PIN:       func(context.Context, kernel.PINKind, int) (string, error) { return p.PIN, nil },
		OnlinePIN: func(context.Context, emv.PAN) ([]byte, error) { return nil, kernel.ErrPINBypass },
		Online: func(ctx context.Context, req *kernel.OnlineRequest) (*kernel.OnlineResponse, error) {
			f55 := append([]byte(nil), req.Field55...)
			if tamper {
				// An ARQC that is not the card's (a replayed or forged
				// request): flip one bit of 9F26's value.
				i := indexTag(t, f55, 0x9F26)
				f55[i] ^= 0x01
			}
			psn := ""
			if req.PSN != "" {
				psn = "0" + req.PSN
			}
			s, err := c.Sale(ctx, Card{PAN: iso8583.PAN(req.PAN.Digits()), Expiry: req.Expiry, EntryMode: "051",
				CardSequence: psn, ICC: f55}, req.Amount, pinblock.PIN{})
			if err != nil {
				run.saleErr = err
				return nil, err
			}
			run.resp = s.Response
			r := s.Response
			return &kernel.OnlineResponse{Approved: r.ResponseCode.Approved(), ARC: [2]byte{r.ResponseCode[0], r.ResponseCode[1]},
				AuthCode: r.AuthCode, Field55: r.ICC}, nil
		},
	}
	kc := *cfg
	kc.Hooks = hooks
	k, err := kernel.New(kc)
	if err != nil {
		t.Fatal(err)
	}
	run.res, _ = k.RunContact(ctx, reader.NewTransport(card, reader.TransportOptions{}), kernel.Transaction{Amount: amount, Time: chipDay})
	return run, e
}

// indexTag returns the offset of the first value byte of tag in a TLV
// list.
func indexTag(t *testing.T, b []byte, tag tlv.Tag) int {
	t.Helper()
	v, ok, err := tlv.Find(b, tag)
	if !ok || err != nil || len(v) == 0 {
		t.Fatalf("no tag %X in field 55", tag)
	}
	for i := range b {
		if len(b)-i >= len(v) && &b[i] == &v[0] {
			return i
		}
	}
	t.Fatal("tag value is not inside the list")
	return 0
}

// TestChipARPCEndToEnd (issue 17): for each ARPC method (Visa CVN 10 and
// UnionPay PBOC CVN 01: method 1, ARPC || ARC; CCD: method 2, ARPC || CSU),
// the issuer behind the host verifies the card's ARQC through the HSM and
// answers an ARPC that the card itself accepts: EMV Book 3 §10.9, the
// kernel performs issuer authentication (TSI b5) without failure (TVR
// byte 5 b7 clear) and the card answers the second GENERATE AC with a TC.
// The issuer's ledger holds exactly the approved amount.
func TestChipARPCEndToEnd(t *testing.T) {
	for _, profile := range []string{"visa_dda", "unionpay_sda", "mc_cda"} {
		t.Run(profile, func(t *testing.T) {
			run, e := runChipSale(t, profile, 20000, false)
			res := run.res
			if run.saleErr != nil || run.resp == nil {
				t.Fatalf("online sale: %v; kernel %v (%v) TVR %v", run.saleErr, res.Outcome, res.Err, res.TVR.Describe())
			}
			if run.resp.ResponseCode != iso8583.Approved {
				t.Fatalf("issuer answered %s, want 00", run.resp.ResponseCode)
			}
			iad, ok, _ := tlv.Find(run.resp.ICC, 0x91)
			if !ok || (len(iad) != 10 && len(iad) != 8) {
				t.Fatalf("response field 55 %X: want tag 91 with an ARPC", []byte(run.resp.ICC))
			}
			if !res.WentOnline || res.Outcome != kernel.Approved {
				t.Fatalf("kernel outcome %v (err %v), want approved online; TVR %s %v", res.Outcome, res.Err, res.TVR, res.TVR.Describe())
			}
			if res.CID.Type() != emv.TC {
				t.Fatalf("final cryptogram %s, want a TC from the second GENERATE AC", res.CID)
			}
			if res.TVR.Has(emv.TVRIssuerAuthFailed) {
				t.Fatalf("TVR %s: issuer authentication failed", res.TVR)
			}
			if !res.TSI.Has(emv.TSIIssuerAuthPerformed) {
				t.Fatalf("TSI %s: issuer authentication not performed", res.TSI)
			}
			if res.ReversalRequired {
				t.Fatal("a reversal is required after an approved TC")
			}
			st := e.issuer.Stats()
			if st.Approved != 1 || st.Declined != 0 || st.Amount != 20000 {
				t.Fatalf("issuer ledger %+v, want one approved sale of 20000", st)
			}
		})
	}
}

// TestChipWrongARQCDeclined (issue 17): an ARQC that does not verify
// under the issuer master key is declined 05 with no ARPC; the card,
// which never gets issuer authentication data, ends with an AAC and no
// money moves at the issuer.
func TestChipWrongARQCDeclined(t *testing.T) {
	for _, profile := range []string{"visa_dda", "unionpay_sda"} {
		t.Run(profile, func(t *testing.T) {
			run, e := runChipSale(t, profile, 20000, true)
			if run.saleErr != nil || run.resp == nil {
				t.Fatalf("online sale: %v", run.saleErr)
			}
			if run.resp.ResponseCode != RCDoNotHonour {
				t.Fatalf("issuer answered %s to a wrong ARQC, want 05", run.resp.ResponseCode)
			}
			if len(run.resp.ICC) != 0 {
				t.Fatalf("a declined cryptogram got field 55 %X", []byte(run.resp.ICC))
			}
			if run.res.Outcome != kernel.OnlineDeclined || run.res.CID.Type() != emv.AAC {
				t.Fatalf("kernel %v with %s, want online-declined with an AAC", run.res.Outcome, run.res.CID)
			}
			st := e.issuer.Stats()
			if st.Approved != 0 || st.Declined != 1 || st.Amount != 0 {
				t.Fatalf("issuer ledger %+v, want one declined and no money", st)
			}
		})
	}
}

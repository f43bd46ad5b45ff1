//go:build pcsc && (cgo || windows)

package pcsc

import (
	"context"
	"testing"
	"time"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/emv/kernel"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/reader"
	"github.com/possdk/pos/reader/sim"
	"github.com/possdk/pos/tlv"
)

// TestPCSCWholeEMVTransaction runs whole contact transactions through the
// real pcscd: the software card is inserted through vsmartcard-vpcd, opened
// with the PC/SC backend, wrapped in the EMV transport, and driven by the
// kernel; a test issuer verifies the ARQC and answers with an ARPC. The
// Mastercard-like card speaks T=0, so every case-4 command crosses the
// daemon as case 3 followed by GET RESPONSE.
func TestPCSCWholeEMVTransaction(t *testing.T) {
	imk, err := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := kernel.LoadConfigFile("../../emv/kernel/testdata/terminal.json")
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		profile string
		proto   reader.Protocol
		method  emv.CryptogramMethod
	}{
		{"visa_dda", reader.ProtocolT1, emv.VisaCVN18},
		{"mc_cda", reader.ProtocolT0, emv.CCD},
	} {
		t.Run(tc.profile, func(t *testing.T) {
			c := open(t)
			card, err := sim.NewFromFile("../sim/testdata/" + tc.profile + ".json")
			if err != nil {
				t.Fatal(err)
			}
			insert(t, card)
			waitFor(t, c, reader.Inserted)
			ctx := context.Background()
			rc, err := c.Open(ctx, slot0)
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			tr := reader.NewTransport(rc, reader.TransportOptions{})
			if tr.Protocol() != tc.proto {
				t.Fatalf("protocol %v, want %v", tr.Protocol(), tc.proto)
			}
			verified := false
			online := func(ctx context.Context, req *kernel.OnlineRequest) (*kernel.OnlineResponse, error) {
				d, err := emv.CryptogramDataFromTLV(req.Field55)
				if err != nil {
					return nil, err
				}
				arqc, _, _ := tlv.Find(req.Field55, 0x9F26)
				sk, err := tc.method.VerifyARQC(imk, req.PAN, req.PSN, &d, arqc)
				if err != nil {
					t.Errorf("issuer: %v", err)
					return nil, err
				}
				verified = true
				in := emv.ARPCInput{ARC: [2]byte{'0', '0'}}
				arpc, err := tc.method.ARPC(sk, arqc, in)
				if err != nil {
					return nil, err
				}
				return &kernel.OnlineResponse{Approved: true, ARC: in.ARC,
					Field55: tlv.AppendTLV(nil, 0x91, tc.method.IssuerAuthenticationData(arpc, in))}, nil
			}
			kc := *cfg
			kc.Hooks = kernel.Hooks{
				PIN:       func(context.Context, kernel.PINKind, int) (string, error) { return "1234", nil },
				OnlinePIN: func(context.Context, emv.PAN) ([]byte, error) { return []byte{1, 2, 3, 4, 5, 6, 7, 8}, nil },
				Online:    online,
			}
			k, err := kernel.New(kc)
			if err != nil {
				t.Fatal(err)
			}
			res, err := k.RunContact(ctx, tr, kernel.Transaction{Amount: 20000, Time: day})
			if err != nil {
				t.Fatal(err)
			}
			if res.Outcome != kernel.Approved || !verified || res.CID.Type() != emv.TC {
				t.Fatalf("outcome %v, host verified %v, CID %v, TVR %s", res.Outcome, verified, res.CID, res.TVR)
			}
			for _, bad := range []emv.TVRFlag{emv.TVRDDAFailed, emv.TVRCDAFailed, emv.TVRIssuerAuthFailed} {
				if res.TVR.Has(bad) {
					t.Errorf("TVR %s has %q", res.TVR, bad)
				}
			}
			t.Logf("%s through pcscd: %v, %s %v, TVR %s TSI %s", tc.profile, res.Outcome, res.Label, res.PAN, res.TVR, res.TSI)
		})
	}
}

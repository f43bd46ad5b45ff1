package kernel

import (
	"context"
	"testing"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/reader/sim"
	"github.com/possdk/pos/tlv"
)

// clFuzzCard answers from the fuzz input: with a real card it relays and
// flips bytes of the responses where the input says; without one it
// answers raw slices of the input (every answer 9000).
type clFuzzCard struct {
	real *sim.Card
	data []byte
	n    int
}

func (c *clFuzzCard) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	c.n++
	if c.n > 100 {
		return nil, errDone
	}
	if c.real != nil {
		resp, err := c.real.Transmit(ctx, apdu)
		for err == nil && len(c.data) >= 3 && int(c.data[0]) == c.n && len(resp) > 0 {
			resp[int(c.data[1])%len(resp)] ^= c.data[2] | 1
			c.data = c.data[3:]
		}
		return resp, err
	}
	if len(c.data) == 0 {
		return nil, errDone
	}
	n := min(int(c.data[0]), len(c.data)-1)
	resp := append(append([]byte(nil), c.data[1:1+n]...), 0x90, 0x00)
	c.data = c.data[1+n:]
	return resp, nil
}

// fuzzCL runs one tap of the card through a kernel whose host declines
// any cryptogram that does not verify (as an issuer does), and checks:
// an outcome always, an error exactly when Failed, and never an approval
// from answers nobody signed — in raw mode (made-up answers) nothing is
// approved at all; in relay mode an offline approval's cryptogram (TC)
// verifies under the issuer key over the data the kernel holds, and the
// amount is the transaction's (Kernel 2: the TC is signed by CDA).
func fuzzCL(t *testing.T, cfg *Config, profile string, mutate bool, data []byte, tcVerifies bool) {
	h := &acHost{t: t, issuerChecks: true}
	clk := &fakeClock{t: testDay}
	kc := *cfg
	kc.Hooks, kc.Rand, kc.Clock = Hooks{OnlinePIN: onlinePIN, Online: h.online}, zeroRand{}, clk.now
	k, err := New(kc)
	if err != nil {
		t.Fatal(err)
	}
	c := &clFuzzCard{data: data}
	if mutate {
		c.real = loadCard(t, profile, nil)
		c.real.SetSleep(clk.advance)
	}
	res, err := k.RunContactless(context.Background(), c, Transaction{Amount: 2000, Time: testDay})
	if res == nil {
		t.Fatal("no result")
	}
	if (res.Outcome == Failed) != (err != nil) {
		t.Fatalf("outcome %v with error %v", res.Outcome, err)
	}
	if res.Outcome != Approved {
		return
	}
	if !mutate {
		t.Fatalf("approved (online %v) on made-up card answers", res.WentOnline)
	}
	if res.WentOnline {
		if h.badAC {
			t.Fatal("approved although the issuer found the cryptogram bad")
		}
		return
	}
	if res.CID.Type() != emv.TC || string(res.Data[0x9F02]) != string(bcdAmount(2000)) {
		t.Fatalf("offline approval with %v, amount %X", res.CID.Type(), res.Data[0x9F02])
	}
	if tcVerifies {
		d, derr := emv.CryptogramDataFromTLV(res.Field55)
		iad, _, _ := tlv.Find(res.Field55, 0x9F10)
		m, merr := methodOf(res.AID, iad)
		if derr != nil || merr != nil {
			t.Fatalf("offline approval: field 55 %v %v", derr, merr)
		}
		k, verr := emv.VerifyAC(m, testIMK, res.PAN, "01", &d, res.Cryptogram)
		if verr != nil {
			t.Fatalf("offline approval whose TC does not verify: %v", verr)
		}
		k.Zero()
	}
}

func FuzzKernel2Responses(f *testing.F) {
	cfg := loadConfig(f)
	k2Config(cfg)
	f.Add(true, []byte{3, 2, 0x40})  // GPO AIP
	f.Add(true, []byte{4, 5, 0x01})  // relay resistance answer
	f.Add(true, []byte{9, 12, 0x80}) // GENERATE AC
	f.Add(true, []byte{9, 40, 0x01})
	f.Add(false, []byte{0x04, 0x6F, 0x02, 0x84, 0x00})
	f.Fuzz(func(t *testing.T, mutate bool, data []byte) {
		fuzzCL(t, cfg, "mc_contactless", mutate, data, true)
	})
}

func FuzzKernel7Responses(f *testing.F) {
	cfg := loadConfig(f)
	k7Config(cfg)
	f.Add(true, []byte{3, 10, 0x40})
	f.Add(true, []byte{3, 60, 0x01})
	f.Add(true, []byte{5, 20, 0x01})
	f.Add(false, []byte{0x04, 0x6F, 0x02, 0x84, 0x00})
	f.Fuzz(func(t *testing.T, mutate bool, data []byte) {
		fuzzCL(t, cfg, "unionpay_quics", mutate, data, false)
	})
}

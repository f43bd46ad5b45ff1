package kernel

import (
	"context"
	"errors"
	"testing"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/reader/sim"
)

// fuzzCard answers from the fuzz input: in mutate mode it relays a real
// software card and corrupts its answers where the input says; otherwise it
// answers raw slices of the input.
type fuzzCard struct {
	real *sim.Card
	data []byte
	n    int
}

var errDone = errors.New("fuzz card: out of data")

func (c *fuzzCard) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	c.n++
	if c.n > 200 {
		return nil, errDone
	}
	if c.real != nil {
		resp, err := c.real.Transmit(ctx, apdu)
		if err != nil || len(c.data) < 3 {
			return resp, err
		}
		step, pos, val := int(c.data[0]), int(c.data[1]), c.data[2]
		if step == c.n%256 && len(resp) > 0 {
			resp[pos%len(resp)] ^= val
			c.data = c.data[3:]
		}
		if len(c.data) > 0 && c.data[0] == 0xFF && c.n%7 == 0 { // truncate sometimes
			resp = resp[:len(resp)/2]
		}
		return resp, nil
	}
	if len(c.data) == 0 {
		return nil, errDone
	}
	n := int(c.data[0])
	c.data = c.data[1:]
	if n > len(c.data) {
		n = len(c.data)
	}
	resp := append(append([]byte(nil), c.data[:n]...), 0x90, 0x00)
	c.data = c.data[n:]
	return resp, nil
}

// FuzzKernel: whatever the card answers, the kernel never panics and always
// ends with an outcome, and an approval is one EMV allows (Book 3 §9.3,
// §10.11; Book 4 §6.3.7): the card's last cryptogram is a TC (CID b8-b7 =
// 01) of 8 bytes; an online approval carries the host's approval; a
// reversal is only asked for after going online.
func FuzzKernel(f *testing.F) {
	cfg := loadConfig(f)
	f.Add(true, byte(0), []byte{5, 3, 0x10, 9, 40, 0x01})
	f.Add(true, byte(1), []byte{14, 200, 0x80})
	f.Add(true, byte(0), []byte{}) // the card unchanged: an online approval
	f.Add(true, byte(1), []byte{})
	f.Add(true, byte(2), []byte{6, 10, 0x40})
	f.Add(false, byte(0), []byte{0x04, 0x6F, 0x02, 0x84, 0x00})
	f.Add(false, byte(0), []byte("\x2b\x6f\x29\x84\x0e1PAY.SYS.DDF01\xa5\x17\x88\x01\x01"))
	// The software cards the test configuration supports (mc_cda's AID is
	// not in it: it exercises "no supported application").
	cards := []string{"visa_dda", "unionpay_sda", "mc_cda"}
	f.Fuzz(func(t *testing.T, mutate bool, which byte, data []byte) {
		s := newScenario(t, cfg, "1234")
		s.h.issuerDeclines = true
		c := &fuzzCard{data: data}
		if mutate {
			c.real = loadCard(t, cards[int(which)%len(cards)], nil)
		}
		for _, run := range []func(context.Context, Card, Transaction) (*Result, error){s.k.RunContact, s.k.RunContactless} {
			c.n = 0
			res, err := run(context.Background(), c, Transaction{Amount: 20000, Time: testDay})
			if res == nil {
				t.Fatal("no result")
			}
			if (res.Outcome == Failed) != (err != nil) {
				t.Fatalf("outcome %v with error %v", res.Outcome, err)
			}
			if res.Outcome == Approved {
				if res.CID.Type() != emv.TC || len(res.Cryptogram) != 8 {
					t.Fatalf("approved with CID %v and a %d-byte cryptogram", res.CID, len(res.Cryptogram))
				}
				if res.WentOnline && (res.HostResponse == nil || !res.HostResponse.Approved) {
					t.Fatalf("approved after going online without the host's approval: %v", res.HostResponse)
				}
			}
			if res.ReversalRequired && !res.WentOnline {
				t.Fatal("reversal required without going online")
			}
		}
	})
}

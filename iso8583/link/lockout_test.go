package link

import (
	"context"
	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/keys"
	"net"
	"sync"
	"testing"
)

func fromAddr(ip string) context.Context {
	return context.WithValue(context.Background(), remoteKey{}, &net.TCPAddr{IP: net.ParseIP(ip), Port: 40000})
}

// TestHostMACFloodLockedOut (issue 23): a flood of requests with a wrong
// MAC from one address is answered A0 only up to the limit, then not at
// all, and raises one alarm for the address and one for the terminal;
// the real terminal (good MAC, its own address) and another terminal are
// served throughout.
func TestHostMACFloodLockedOut(t *testing.T) { forEachKeyMode(t, testHostMACFloodLockedOut) }

func testHostMACFloodLockedOut(t *testing.T, e *testEnv) {
	var mu sync.Mutex
	var alarms []HostAlarm
	e.reconfigure(t, func(c *HostConfig) {
		c.Alarm = func(a HostAlarm) { mu.Lock(); alarms = append(alarms, a); mu.Unlock() }
		c.MACFailureLimit = 5
	})
	victim, _ := e.terminal(t, t.TempDir(), "50080201", nil)
	other, _ := e.terminal(t, t.TempDir(), "50080202", nil)
	ctx := ctxT(t)
	for _, c := range []*Client{victim, other} {
		if err := c.SignIn(ctx); err != nil {
			t.Fatal(err)
		}
	}
	answered := 0
	for i := 0; i < 50; i++ {
		f := rawSale(t, victim, uint32(900+i), 100)
		f[len(f)-1] ^= 0xFF // wrong MAC
		if resp := e.host.ServeFrame(fromAddr("10.0.0.66"), f); resp != nil {
			if rc := respCode(t, victim, resp); rc != "A0" {
				t.Fatalf("bad MAC answered %s", rc)
			}
			answered++
		}
	}
	if answered != 4 {
		t.Fatalf("%d of 50 bad-MAC requests answered; want the 4 before the lock-out", answered)
	}
	mu.Lock()
	if len(alarms) != 2 || alarms[0].Kind != AlarmMACFailures {
		t.Fatalf("alarms %+v; want one for the terminal and one for the address", alarms)
	}
	mu.Unlock()
	// The locked-out address gets nothing, even with a good MAC.
	if resp := e.host.ServeFrame(fromAddr("10.0.0.66"), rawSale(t, other, 1, 100)); resp != nil {
		t.Fatal("the locked-out address was answered")
	}
	// The real terminals, from their own addresses, are served.
	for _, c := range []*Client{victim, other} {
		if rc := respCode(t, c, e.host.ServeFrame(fromAddr("10.0.0.1"), rawSale(t, c, 77, 100))); rc != "00" {
			t.Fatalf("terminal %s answered %s after the flood", c.cfg.Terminal.TerminalID, rc)
		}
	}
	if st := e.issuer.Stats(); st.Approved != 2 {
		t.Fatalf("issuer %+v: want only the two real sales", st)
	}
}

// TestHostForgedSignIn (issue 23): anyone can send an 0800 naming a
// terminal. The host issues new keys but keeps the terminal's previous
// (confirmed) keys valid, so the real terminal's next sale is approved;
// once the terminal signs in and uses its new keys, the old ones stop
// working.
func TestHostForgedSignIn(t *testing.T) { forEachKeyMode(t, testHostForgedSignIn) }

func testHostForgedSignIn(t *testing.T, e *testEnv) {
	c, _, ctx := e.signedIn(t, t.TempDir(), "50080203", nil)
	if s, err := c.Sale(ctx, testCard(), 100, mustPIN(t, testPIN)); err != nil || !s.Approved() {
		t.Fatalf("first sale: %v", err)
	}
	// The forger's sign-in (no MAC, no TMK needed to send it).
	forged := c.cfg.Terminal.SignIn(500, c.cfg.Counters.Batch(), keys.ModeTDES)
	f, err := iso8583.NewCodec(nil, iso8583.Framing{}).Pack(c.cfg.Envelope, forged)
	if err != nil {
		t.Fatal(err)
	}
	before := e.working("50080203")
	if rc := respCodeRaw(t, e.host.ServeFrame(fromAddr("10.9.9.9"), f)); rc != "00" {
		t.Fatalf("the forged sign-in was answered %q", rc)
	}
	if after := e.working("50080203"); after == before {
		t.Fatal("the forged sign-in did not issue new keys: the test proves nothing")
	}
	s, err := c.Sale(ctx, testCard(), 200, mustPIN(t, testPIN))
	if err != nil || !s.Approved() {
		t.Fatalf("the real terminal's sale after a forged sign-in: %v", err)
	}
	old := rawSale(t, c, 990100, 1)
	if err := c.SignIn(ctx); err != nil {
		t.Fatal(err)
	}
	if s, err := c.Sale(ctx, testCard(), 300, mustPIN(t, testPIN)); err != nil || !s.Approved() {
		t.Fatalf("sale with the new keys: %v", err)
	}
	if rc := respCodeRaw(t, e.host.ServeFrame(ctx, old)); rc != "A0" {
		t.Fatalf("a request under keys the terminal has replaced was answered %s, want A0", rc)
	}
}

// TestHostSignInFlood (issue 23): sign-ins beyond the per-minute limit go
// unanswered and raise an alarm.
func TestHostSignInFlood(t *testing.T) {
	e := newTestEnv(t, false, nil)
	var alarms []HostAlarm
	e.reconfigure(t, func(c *HostConfig) {
		c.SignInLimit = 3
		c.Alarm = func(a HostAlarm) { alarms = append(alarms, a) }
	})
	c, _ := e.terminal(t, t.TempDir(), "50080204", nil)
	answered := 0
	for i := 0; i < 10; i++ {
		f, err := iso8583.NewCodec(nil, iso8583.Framing{}).Pack(c.cfg.Envelope, c.cfg.Terminal.SignIn(uint32(800+i), 1, keys.ModeTDES))
		if err != nil {
			t.Fatal(err)
		}
		if e.host.ServeFrame(fromAddr("10.9.9.9"), f) != nil {
			answered++
		}
	}
	if answered != 3 || len(alarms) != 1 || alarms[0].Kind != AlarmSignInRate {
		t.Fatalf("%d sign-ins answered, alarms %+v; want 3 and one sign-in-rate alarm", answered, alarms)
	}
}

// respCodeRaw reads field 39 of an answer without verifying its MAC.
func respCodeRaw(t *testing.T, frame []byte) iso8583.ResponseCode {
	t.Helper()
	if frame == nil {
		return ""
	}
	_, resp, err := iso8583.NewCodec(nil, iso8583.Framing{}).Unpack(frame)
	if err != nil {
		t.Fatalf("answer: %v", err)
	}
	return resp.ResponseCode
}

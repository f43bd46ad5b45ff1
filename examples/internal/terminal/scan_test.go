package terminal

import (
	"bytes"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/possdk/pos/examples/internal/acquirer"
	"github.com/possdk/pos/examples/internal/fixtures"
	"github.com/possdk/pos/iso8583/link"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *testClock) sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

// The terminal's dynamic code: asked of the acquirer, drawn in the
// window, paid after the customer scans (simulated time), receipt
// printed; then a payment code whose customer never confirms is
// cancelled with no receipt.
func TestScanOrderAndCancel(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)}
	a, err := acquirer.New(acquirer.Config{})
	if err != nil {
		t.Fatal(err)
	}
	gw := acquirer.NewWalletGateway()
	gw.Behave, gw.Clock = acquirer.DemoBehaviour, clock.now
	a.ServeScans(gw, link.ScanProfile{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go a.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		a.Shutdown(ctx)
	})
	tmk, err := fixtures.TestKeys().TMK(fixtures.TerminalID)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	term, err := Open(Config{HostAddr: ln.Addr().String(), StateDir: t.TempDir(), TMK: tmk, Timeout: 2 * time.Second, Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	defer term.Close()
	ctx := context.Background()
	if err := term.SignIn(ctx); err != nil {
		t.Fatal(err)
	}
	opt := link.ScanOptions{Deadline: 20 * time.Second, Clock: clock.now, Sleep: clock.sleep}
	s, err := term.ScanOrder(ctx, 3600, opt)
	if err != nil || !s.Approved() {
		t.Fatalf("%+v %v\n%s", s, err, out.String())
	}
	for _, want := range []string{"weixin://wxpay/bizpayurl?pr=4200", "▀", "QR ORDER", "ORDER NO.   4200"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("transcript lacks %q", want)
		}
	}
	out.Reset()
	s, err = term.ScanSale(ctx, "131234567890120000", 100, opt)
	if err != nil || s.Outcome != link.ScanCancelled || s.CancelAction != "close" {
		t.Fatalf("%+v %v", s, err)
	}
	if strings.Contains(out.String(), "MERCHANT COPY") || strings.Contains(out.String(), "131234567890120000") {
		t.Errorf("a receipt or the full code for a cancelled scan:\n%s", out.String())
	}
	if _, err := term.ScanSale(ctx, "https://qr.alipay.com/abc", 100, opt); err == nil {
		t.Error("a merchant URL was taken as a payment code")
	}
}

package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/possdk/pos/examples/internal/acquirer"
	"github.com/possdk/pos/examples/internal/fixtures"
	"github.com/possdk/pos/examples/internal/tlsconf"
	"github.com/possdk/pos/iso8583/link"
)

// hostLog is the acquirer's operator log, as the host program prints it.
type hostLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *hostLog) logf(format string, a ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, a...))
}

func (l *hostLog) count(substr string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, s := range l.lines {
		if strings.Contains(s, substr) {
			n++
		}
	}
	return n
}

func (l *hostLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// startHost runs the examples' acquirer on loopback, over TLS when tls is
// set, and returns its address and TLS pin.
func startHost(t *testing.T, tls bool) (addr, pin string) {
	addr, pin, _, _ = startHostOn(t, "127.0.0.1:0", tls)
	return addr, pin
}

// startHostOn is startHost on a given address, returning the acquirer and
// its log too.
func startHostOn(t *testing.T, listen string, tls bool) (addr, pin string, a *acquirer.Acquirer, log *hostLog) {
	t.Helper()
	log = &hostLog{}
	cfg := acquirer.Config{PINs: fixtures.CardPINs(), Logf: log.logf}
	if tls {
		c, p, err := tlsconf.ServerTLS("", "")
		if err != nil {
			t.Fatal(err)
		}
		cfg.TLS, pin = c, p.String()
	}
	a, err := acquirer.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a.ServeScans(acquirer.NewWalletGateway(), link.ScanProfile{}) // wallets pay at once
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = a.Serve(ln) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			a.Shutdown(ctx)
			<-done
		})
	}
	t.Cleanup(stop)
	stoppers.Store(a, stop)
	return ln.Addr().String(), pin, a, log
}

// stoppers lets a test stop a host before its cleanup (to restart it).
var stoppers sync.Map

func stopHost(a *acquirer.Acquirer) {
	if f, ok := stoppers.Load(a); ok {
		f.(func())()
	}
}

func term(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// One terminal state across commands, as on a real terminal: sales from
// each reader, then a settlement that balances with the host.
func TestCommands(t *testing.T) {
	addr, _ := startHost(t, false)
	state := t.TempDir()
	base := []string{"-host", addr, "-state", state, "-timeout", "2s"}
	steps := []struct {
		args []string
		want []string
	}{
		{[]string{"sale", "12.34"}, []string{"CHIP sale of 12.34", "CVM online PIN", "MERCHANT COPY", "622588******6780"}},
		{[]string{"-card", "visa_dda", "sale", "150.00"}, []string{"offline PIN entered", "kernel: approved, TC", "VISA CREDIT"}},
		{[]string{"tap", "158.00"}, []string{"CONTACTLESS sale of 158.00", "consumer device (phone)"}},
		{[]string{"qr", "5.00"}, []string{"merchant-presented code (UnionPay profile", "the demo wallet shows its payment code", "QR CODE"}},
		{[]string{"settle"}, []string{"terminal 4 debit(s) 325.34, 0 credit(s) 0.00, host 4 debit(s) 325.34", ": balanced"}},
	}
	for _, st := range steps {
		code, out, errOut := term(t, append(append([]string{}, base...), st.args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s\n%s", st.args, code, errOut, out)
		}
		for _, w := range st.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: output lacks %q", st.args, w)
			}
		}
		for _, pan := range []string{"6225880123456780", "4761739001010010", "4895370099887766", "6250947000000014"} {
			if strings.Contains(out, pan) {
				t.Errorf("%v: PAN %s printed", st.args, pan)
			}
		}
	}
	// The scripted day continues the same terminal state (STANs go on).
	code, out, errOut := term(t, append(append([]string{}, base...), "day")...)
	if code != 0 || !strings.Contains(out, "every step behaved as expected") {
		t.Fatalf("day: exit %d: %s\n%s", code, errOut, out)
	}
}

func TestTLS(t *testing.T) {
	addr, pin := startHost(t, true)
	code, out, errOut := term(t, "-host", addr, "-tls-pin", pin, "-state", t.TempDir(), "tap", "20.00")
	if code != 0 || !strings.Contains(out, "approved") {
		t.Fatalf("exit %d: %s\n%s", code, errOut, out)
	}
	// Another key's pin: the handshake is refused before any card data.
	other := "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI="
	code, _, errOut = term(t, "-host", addr, "-tls-pin", other, "-state", t.TempDir(), "signin")
	if code != 1 || !strings.Contains(errOut, "does not match a pin") {
		t.Errorf("wrong pin: exit %d: %s", code, errOut)
	}
}

func TestDeclines(t *testing.T) {
	addr, _ := startHost(t, false)
	base := []string{"-host", addr, "-state", t.TempDir()}
	// A wrong online PIN: the issuer declines with 55.
	code, _, errOut := term(t, append(base, "-pin", "000000", "sale", "10.00")...)
	if code != 1 || !strings.Contains(errOut, "not approved") {
		t.Errorf("wrong PIN: exit %d: %s", code, errOut)
	}
	// A code that is not a CPM payload.
	code, _, errOut = term(t, append(base, "qr", "1.00", "bm90IGEgY29kZQ==")...)
	if code != 1 || !strings.Contains(errOut, "terminal: qr:") {
		t.Errorf("bad CPM: exit %d: %s", code, errOut)
	}
}

func TestBadArguments(t *testing.T) {
	// Commands without -state use the user's cache directory: point it
	// into the test's temporary directory (tests write nowhere else).
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("HOME", cache)
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"-h"}, 0, "usage: terminal"},
		{nil, 2, "usage: terminal"},
		{[]string{"-h"}, 0, "-tls-pin is the\nhost's TLS public-key pin"},
		{[]string{"-h"}, 0, "-pin is the cardholder's PIN typed on the PIN pad"},
		{[]string{"pay"}, 2, `unknown command "pay"`},
		{[]string{"refund"}, 2, "usage: terminal refund TRACE AMOUNT"},
		{[]string{"refund", "12", "x"}, 2, `amount "x" is not a positive amount`},
		{[]string{"void", "abc"}, 2, `trace number "abc" is not 1 to 6 digits`},
		{[]string{"complete", "1234567", "1.00"}, 2, "is not 1 to 6 digits"},
		{[]string{"balance", "1.00"}, 2, "unexpected arguments"},
		{[]string{"-pin", "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=", "sale", "1.00"}, 2, "-pin is the cardholder's PIN: 4 to 12 digits (the host's TLS key pin is -tls-pin)"},
		{[]string{"-pin", "12", "sale", "1.00"}, 2, "-pin is the cardholder's PIN: 4 to 12 digits"},
		{[]string{"-tls-pin", "1234", "signin"}, 2, "-tls-pin (the host's TLS key pin, printed by examples/host -tls)"},
		{[]string{"-tls-pin", "MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=", "day"}, 2, "relays plain TCP: run it without -tls, -tls-pin and -ca"},
		{[]string{"sale"}, 2, "give the amount"},
		{[]string{"sale", "12,34"}, 2, "is not a positive amount"},
		{[]string{"sale", "-1"}, 2, "is not a positive amount"},
		{[]string{"sale", "1.00", "extra"}, 2, "unexpected arguments"},
		{[]string{"-tls", "settle"}, 2, "TLS needs -ca"},
		{[]string{"-tls", "day"}, 2, "relays plain TCP"},
		{[]string{"-reader", "nfc", "-host", "127.0.0.1:1", "sale", "1.00"}, 1, "terminal: sale:"},
		{[]string{"-keys", "/nonexistent.json", "settle"}, 1, "open /nonexistent.json"},
		{[]string{"-host", "127.0.0.1:1", "-state", "", "-timeout", "1s", "signin"}, 1, "terminal: signin: link: sign-in"},
		{[]string{"-host", "127.0.0.1:1", "-state", "", "-timeout", "1s", "signin"}, 1, "nothing listens on 127.0.0.1:1: is the host running"},
	}
	for _, tc := range tests {
		code, _, errOut := term(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.msg) {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, errOut)
		}
	}
}

func TestOpenCardErrors(t *testing.T) {
	addr, _ := startHost(t, false)
	code, _, errOut := term(t, "-host", addr, "-state", t.TempDir(), "-card", "amex_gold", "sale", "1.00")
	if code != 1 || !strings.Contains(errOut, "unknown card") {
		t.Errorf("unknown card: exit %d, %q", code, errOut)
	}
	code, _, errOut = term(t, "-host", addr, "-state", t.TempDir(), "-reader", "pcsc", "sale", "1.00")
	if code != 1 || !strings.Contains(errOut, "pcsc") {
		t.Errorf("pcsc without the tag: exit %d, %q", code, errOut)
	}
}

// The scan command charges a wallet payment code; the receipts name the
// wallet and show the code masked and the acquirer's order number, and
// the full code appears nowhere in the output.
func TestScanCommand(t *testing.T) {
	addr, _ := startHost(t, false)
	base := []string{"-host", addr, "-state", t.TempDir(), "-timeout", "2s"}
	const code = "134567890123456789"
	rc, out, errOut := term(t, append(base, "scan", "36.00", code)...)
	if rc != 0 {
		t.Fatalf("scan: %d\n%s\n%s", rc, out, errOut)
	}
	for _, want := range []string{"WALLET                WeChat Pay", "PAY CODE      13************6789", "ORDER NO.   4200", "RMB 36.00"} {
		if !strings.Contains(out, want) {
			t.Errorf("receipt lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out+errOut, code) {
		t.Error("the payment code appears in full")
	}
	for _, bad := range [][]string{{"scan", "1.00", "1234"}, {"scan", "1.00", "6222021234567890"}, {"scan", "x"}} {
		if rc, _, _ := term(t, append(base, bad...)...); rc == 0 {
			t.Errorf("%q: exit 0", bad)
		}
	}
}

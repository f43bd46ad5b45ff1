package terminal

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/possdk/pos/examples/internal/acquirer"
	"github.com/possdk/pos/examples/internal/fixtures"
	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/reader"
	"github.com/possdk/pos/reader/link/ecr"
)

func startAcquirer(t *testing.T) string {
	t.Helper()
	a, err := acquirer.New(acquirer.Config{PINs: fixtures.CardPINs()})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = a.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		a.Shutdown(ctx)
		<-done
	})
	return ln.Addr().String()
}

func openTestTerminal(t *testing.T, addr, state string) *Terminal {
	t.Helper()
	tmk, err := fixtures.TestKeys().TMK(fixtures.TerminalID)
	if err != nil {
		t.Fatal(err)
	}
	term, err := Open(Config{HostAddr: addr, StateDir: state, TMK: tmk, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return term
}

// TestECRRecoveryAcrossConnectionsAndRestart (issue 15): a register that
// lost its connection asks LAST on a new one and must get the approved
// sale (not "no transaction yet", which invites charging again); the same
// after the terminal restarts; and a void by trace number works in a new
// connection after the restart.
func TestECRRecoveryAcrossConnectionsAndRestart(t *testing.T) {
	addr := startAcquirer(t)
	state := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := fixtures.Profile("unionpay_sda")
	if err != nil {
		t.Fatal(err)
	}
	opt := ECROptions{PINPad: PINPad{PIN: p.PIN}, Card: func(ctx context.Context) (reader.Card, func(), error) {
		c, err := fixtures.Card("unionpay_sda")
		return c, func() {}, err
	}}
	quiet := func(ecr.Status) {}

	term := openTestTerminal(t, addr, state)
	if err := term.SignIn(ctx); err != nil {
		t.Fatal(err)
	}
	sale := term.ECRHandler(opt).Handle(ctx, &ecr.Request{Command: ecr.Sale, Amount: 1234, Currency: cny, Ref: "A1"}, quiet)
	if sale.Result != ecr.ResultApproved || sale.Trace == "" {
		t.Fatalf("sale: %+v", sale)
	}

	// A new connection: a new handler.
	last := term.ECRHandler(opt).Handle(ctx, &ecr.Request{Command: ecr.LastTransaction}, quiet)
	if last.Result != ecr.ResultApproved || last.Trace != sale.Trace || last.Amount != 1234 || last.AuthCode != sale.AuthCode {
		t.Fatalf("LAST on a new connection: %+v, want the approved sale %+v", last, sale)
	}

	// The terminal restarts.
	if err := term.Close(); err != nil {
		t.Fatal(err)
	}
	term = openTestTerminal(t, addr, state)
	defer term.Close()
	last = term.ECRHandler(opt).Handle(ctx, &ecr.Request{Command: ecr.LastTransaction}, quiet)
	if last.Result != ecr.ResultApproved || last.Trace != sale.Trace || last.RRN != sale.RRN {
		t.Fatalf("LAST after restart: %+v, want the approved sale %+v", last, sale)
	}
	if r := term.ECRHandler(opt).Handle(ctx, &ecr.Request{Command: ecr.Reprint}, quiet); r.Result != ecr.ResultApproved {
		t.Fatalf("REPRINT after restart: %+v", r)
	}
	if err := term.SignIn(ctx); err != nil {
		t.Fatal(err)
	}
	void := term.ECRHandler(opt).Handle(ctx, &ecr.Request{Command: ecr.Void, OrigTrc: sale.Trace}, quiet)
	if void.Result != ecr.ResultApproved || void.Amount != 1234 {
		t.Fatalf("VOID by trace %s after restart: %+v", sale.Trace, void)
	}
	again := term.ECRHandler(opt).Handle(ctx, &ecr.Request{Command: ecr.Void, OrigTrc: sale.Trace}, quiet)
	if again.Result != "25" {
		t.Fatalf("second VOID of trace %s: %+v, want 25 (no such sale)", sale.Trace, again)
	}
	tot, err := term.Totals()
	if err != nil || tot.DebitCount != 0 {
		t.Fatalf("batch after the void: %+v %v", tot, err)
	}
}

// countingMetrics counts the host's requests by kind.
type countingMetrics struct {
	mu    sync.Mutex
	kinds map[iso8583.Kind]int
}

func (m *countingMetrics) Request(k iso8583.Kind, _ iso8583.ResponseCode, _ time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.kinds[k]++
}
func (m *countingMetrics) n(k iso8583.Kind) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.kinds[k]
}
func (*countingMetrics) MACFailure()                         {}
func (*countingMetrics) Duplicate()                          {}
func (*countingMetrics) Junk()                               {}
func (*countingMetrics) Issuer(string, time.Duration, error) {}
func (*countingMetrics) StoreError(string)                   {}
func (*countingMetrics) ReversalWait(int)                    {}

// A register's settlement of an empty batch sends nothing to the host and
// answers "no transactions"; a batch with a sale is settled once.
func TestECREmptySettlement(t *testing.T) {
	m := &countingMetrics{kinds: map[iso8583.Kind]int{}}
	a, err := acquirer.New(acquirer.Config{PINs: fixtures.CardPINs(), Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go a.Serve(ln)
	defer a.Shutdown(context.Background())
	term := openTestTerminal(t, ln.Addr().String(), t.TempDir())
	defer term.Close()
	h := term.ECRHandler(ECROptions{PINPad: PINPad{PIN: "888888"}, Card: func(context.Context) (reader.Card, func(), error) {
		c, err := fixtures.Card("unionpay_sda")
		return c, func() {}, err
	}})
	ctx := context.Background()
	nop := func(ecr.Status) {}
	r := h.Handle(ctx, &ecr.Request{Command: ecr.Settlement, Ref: "s1"}, nop)
	if !r.Approved() || r.Text != "NO TRANSACTIONS TO SETTLE" || m.n(iso8583.KindSettlement) != 0 {
		t.Fatalf("empty batch: %+v, %d settlement(s) sent", r, m.n(iso8583.KindSettlement))
	}
	if r := h.Handle(ctx, &ecr.Request{Command: ecr.Sale, Ref: "a1", Amount: 1000, Currency: 156}, nop); !r.Approved() {
		t.Fatalf("sale: %+v", r)
	}
	r = h.Handle(ctx, &ecr.Request{Command: ecr.Settlement, Ref: "s2"}, nop)
	if !r.Approved() || r.Text != "SETTLED: 1 SALE(S) RMB 10.00, 0 REFUND(S) RMB 0.00, BALANCED" || m.n(iso8583.KindSettlement) != 1 {
		t.Fatalf("batch of one sale: %+v, %d settlement(s) sent", r, m.n(iso8583.KindSettlement))
	}
}

// The register's other counter transactions: refund and pre-authorisation
// completion by the original trace, pre-authorisation and balance with the
// card. Oracle: the issuer's ledger (net on cards) and the answers' texts.
func TestECRCounterCommands(t *testing.T) {
	a, err := acquirer.New(acquirer.Config{PINs: fixtures.CardPINs()})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go a.Serve(ln)
	defer a.Shutdown(context.Background())
	term := openTestTerminal(t, ln.Addr().String(), t.TempDir())
	defer term.Close()
	// The card keeps its ATC between transactions (the host refuses a
	// replayed one), as a real card does.
	cardDir := t.TempDir()
	h := term.ECRHandler(ECROptions{PINPad: PINPad{PIN: "888888"}, Card: func(context.Context) (reader.Card, func(), error) {
		c, save, err := fixtures.CardIn("unionpay_sda", cardDir)
		if err != nil {
			return nil, nil, err
		}
		return c, func() { save(); c.Close() }, nil
	}})
	ctx := context.Background()
	nop := func(ecr.Status) {}
	do := func(req *ecr.Request) *ecr.Response {
		t.Helper()
		r := h.Handle(ctx, req, nop)
		if !r.Approved() {
			t.Fatalf("%s: %+v", req.Command, r)
		}
		return r
	}
	sale := do(&ecr.Request{Command: ecr.Sale, Ref: "1", Amount: 10000, Currency: 156})
	do(&ecr.Request{Command: ecr.Refund, Ref: "2", OrigTrc: sale.Trace, Amount: 2500, Currency: 156})
	hold := do(&ecr.Request{Command: ecr.PreAuth, Ref: "3", Amount: 5000, Currency: 156})
	do(&ecr.Request{Command: ecr.PreAuthCompletion, Ref: "4", OrigTrc: hold.Trace, Amount: 4000, Currency: 156})
	if r := do(&ecr.Request{Command: ecr.Balance, Ref: "5"}); r.Text != "BALANCE RMB 8888.00 AVAILABLE" {
		t.Errorf("balance: %q", r.Text)
	}
	// A second completion of the same hold: no such pre-authorisation.
	if r := h.Handle(ctx, &ecr.Request{Command: ecr.PreAuthCompletion, Ref: "6", OrigTrc: hold.Trace, Amount: 100, Currency: 156}, nop); r.Result != "25" {
		t.Errorf("second completion: %+v", r)
	}
	// 100.00 - 25.00 + 40.00 (the hold released, the completion debited).
	if st := a.Issuer.Stats(); st.Amount != 11500 || st.Holds != 0 {
		t.Errorf("issuer ledger %+v, want 11500 and no hold", st)
	}
}

package terminal

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/emv/kernel"
	"github.com/possdk/pos/examples/internal/acquirer"
	"github.com/possdk/pos/examples/internal/fixtures"
	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/reader/sim"
)

// TestChipSaleCardDeclinesAfterHostApproval: the terminal runs the kernel
// through the outcome API (Online Request → host → Resume). The issuer
// approves, the card rejects the issuer authentication (its ARPC check
// fails) and answers the second GENERATE AC with an AAC (EMV Book 3
// §10.9): the sale is not approved and the approval is reversed (CUP
// practice: reversal reason 06), so the cardholder is not charged. Oracle:
// the host's count of requests (one sale, one reversal), nothing pending,
// an empty batch.
func TestChipSaleCardDeclinesAfterHostApproval(t *testing.T) {
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
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := term.SignIn(ctx); err != nil {
		t.Fatal(err)
	}
	p, err := fixtures.Profile("unionpay_sda")
	if err != nil {
		t.Fatal(err)
	}
	p.Faults.RejectARPC = true
	card, err := sim.New(p)
	if err != nil {
		t.Fatal(err)
	}
	s, err := term.ChipSale(ctx, card, 1234, PINPad{PIN: p.PIN})
	if err != nil {
		t.Fatal(err)
	}
	if s.Approved || s.Link == nil || !s.Link.Approved() || !strings.Contains(s.Why, "declined after the host approved") {
		t.Fatalf("sale approved %v, host approved %v, why %q: want a card decline after the host's approval", s.Approved, s.Link != nil && s.Link.Approved(), s.Why)
	}
	if s.Kernel.Outcome != kernel.Declined || !s.Kernel.ReversalRequired || s.Kernel.CID.Type() != emv.AAC {
		t.Fatalf("kernel %v", s.Kernel)
	}
	if n := m.n(iso8583.KindSale); n != 1 {
		t.Fatalf("%d sales sent, want 1", n)
	}
	if n := m.n(iso8583.KindReversal); n != 1 {
		t.Fatalf("%d reversals sent, want 1", n)
	}
	if n := term.client.Pending(); n != 0 {
		t.Fatalf("%d reversals pending, want 0 (acknowledged)", n)
	}
	if tot, err := term.Totals(); err != nil || tot.DebitCount != 0 {
		t.Fatalf("batch %+v %v: the declined sale must not be in it", tot, err)
	}
}

// TestChipSaleHostUnreachable: the authorisation cannot be sent (the
// host is gone after sign-in), so the terminal resumes the card with no
// answer (Session.Resume(nil), EMV Book 3 §10.7): the TAC/IAC Default of
// the UnionPay AID (D84000A800, DC4000A800) name "floor limit exceeded"
// (TVR byte 4 b8), so the card is asked for an AAC with 8A Z3 (Book 4
// Annex A6) and the sale is declined offline, not approved.
func TestChipSaleHostUnreachable(t *testing.T) {
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
	term := openTestTerminal(t, ln.Addr().String(), t.TempDir())
	defer term.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := term.SignIn(ctx); err != nil {
		t.Fatal(err)
	}
	sctx, scancel := context.WithTimeout(ctx, 5*time.Second)
	a.Shutdown(sctx)
	scancel()
	<-done
	p, err := fixtures.Profile("unionpay_sda")
	if err != nil {
		t.Fatal(err)
	}
	card, err := sim.New(p)
	if err != nil {
		t.Fatal(err)
	}
	s, err := term.ChipSale(ctx, card, 1234, PINPad{PIN: p.PIN})
	if err != nil {
		t.Fatal(err)
	}
	k := s.Kernel
	if s.Approved || s.Link != nil || s.LinkErr == nil {
		t.Fatalf("sale approved %v, host result %v, link error %v: want a decline with no host answer", s.Approved, s.Link != nil, s.LinkErr)
	}
	if k.Outcome != kernel.Declined || k.WentOnline || k.ReversalRequired || string(k.Data[0x8A]) != "Z3" || k.CID.Type() != emv.AAC {
		t.Fatalf("kernel %v, 8A %q: want declined offline with Z3", k, k.Data[0x8A])
	}
}

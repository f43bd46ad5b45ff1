package acquirer

import (
	"errors"
	"fmt"
	"testing"

	"github.com/possdk/pos/qr"
)

func wechatCode(t *testing.T) qr.PaymentCode {
	t.Helper()
	s, err := qr.Recognize("120061098828009406") // WeChat micropay doc sample
	if err != nil {
		t.Fatal(err)
	}
	return s.Code
}

// payCycle is a bare terminal loop (pay, up to maxPolls queries, then
// cancel until acknowledged) written here independently of the link
// client, so the gateway's answers are checked against the closed-loop
// rule (WeChat Pay "Closed-loop transactions": every order ends SUCCESS,
// CLOSED or REVOKED) rather than against the code under test.
func payCycle(g *WalletGateway, order string, code qr.PaymentCode, amount int64, maxPolls int) (approved bool, action CancelAction) {
	o, err := g.Pay(order, code, amount)
	for i := 0; ; i++ {
		if err == nil && o.Status == WalletSuccess {
			return true, ""
		}
		if err == nil && o.Status == WalletPayError {
			return false, ""
		}
		if i == maxPolls {
			break
		}
		o, err = g.Query(order)
	}
	a, _ := g.Cancel(order)
	return false, a
}

// TestWalletGatewayBehaviours: for every configured behaviour the cycle's
// outcome and the wallet ledger agree — approved exactly when the
// customer's money stays with the merchant — and every order ends closed-loop.
func TestWalletGatewayBehaviours(t *testing.T) {
	cases := []struct {
		name       string
		b          WalletBehaviour
		approved   bool
		action     CancelAction
		status     WalletStatus
		wantCharge int64
	}{
		{"immediate success", WalletBehaviour{}, true, "", WalletSuccess, 100},
		{"USERPAYING 3 polls then success", WalletBehaviour{PendingPolls: 3}, true, "", WalletSuccess, 100},
		{"USERPAYING then customer cancels", WalletBehaviour{PendingPolls: 2, CustomerCancels: true}, false, "", WalletPayError, 0},
		{"USERPAYING past the deadline", WalletBehaviour{PendingPolls: 50}, false, CancelClose, WalletClosed, 0},
		// The answers are lost but the wallet took the money: only the
		// cancel gets through, and it refunds.
		{"never answers, paid at the wallet", WalletBehaviour{NeverAnswers: true}, false, CancelRefund, WalletRefunded, 0},
		{"never answers, customer never confirms", WalletBehaviour{NeverAnswers: true, PendingPolls: 50}, false, CancelClose, WalletClosed, 0},
		{"success arrives at the cancel", WalletBehaviour{PaysAtCancel: true}, false, CancelRefund, WalletRefunded, 0},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := NewWalletGateway()
			g.Behave = func(qr.PaymentCode, int64) WalletBehaviour { return c.b }
			order := fmt.Sprintf("T%06d", i)
			approved, action := payCycle(g, order, wechatCode(t), 100, 5)
			if approved != c.approved || action != c.action {
				t.Fatalf("approved %v action %q, want %v %q", approved, action, c.approved, c.action)
			}
			o := g.Ledger()[order]
			if o.Status != c.status || o.Charged() != c.wantCharge {
				t.Fatalf("ledger %s charged %d, want %s %d", o.Status, o.Charged(), c.status, c.wantCharge)
			}
			// Invariant: the terminal shows approved iff the wallet kept the money.
			if approved != (o.Charged() > 0) {
				t.Fatalf("terminal approved=%v but wallet charged %d", approved, o.Charged())
			}
			// A retried cancel (terminal restarted before the acknowledgement)
			// gets the same answer and moves no more money.
			if action != "" {
				a, err := g.Cancel(order)
				if err != nil || a != action || g.Ledger()[order].Charged() != 0 {
					t.Fatalf("retried cancel: %q %v", a, err)
				}
			}
		})
	}
}

// TestWalletGatewayIdempotent: a repeated pay (the terminal resending after
// a lost answer) never charges twice; a pay after the order was cancelled,
// or reusing an order number with another amount, is refused.
func TestWalletGatewayIdempotent(t *testing.T) {
	g := NewWalletGateway()
	code := wechatCode(t)
	a, _ := g.Pay("T1", code, 100)
	b, _ := g.Pay("T1", code, 100)
	if a.WalletNo != b.WalletNo || len(g.Ledger()) != 1 {
		t.Fatalf("repeated pay made two orders")
	}
	if _, err := g.Pay("T1", code, 200); !errors.Is(err, ErrWalletOrder) {
		t.Fatalf("reuse with another amount: %v", err)
	}
	if act, _ := g.Cancel("T2"); act != CancelClose {
		t.Fatalf("cancel of an unseen order: %q", act)
	}
	if _, err := g.Pay("T2", code, 100); !errors.Is(err, ErrWalletOrder) {
		t.Fatalf("pay after cancel: %v", err)
	}
	if o := g.Ledger()["T2"]; o.Charged() != 0 {
		t.Fatalf("charged after cancel")
	}
	if s := fmt.Sprintf("%+v", g.Ledger()["T1"]); contains(s, code.Digits()) {
		t.Fatalf("ledger prints the payment code: %s", s)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

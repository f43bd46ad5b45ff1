package terminal

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/possdk/pos/iso8583"

	"github.com/possdk/pos/reader"
	framed "github.com/possdk/pos/reader/link"
	"github.com/possdk/pos/reader/link/ecr"
)

// CardSource presents the card of one transaction (the cardholder inserts
// or taps it); the function returned closes it.
type CardSource func(ctx context.Context) (reader.Card, func(), error)

// ECROptions say how a terminal driven by a cash register takes cards.
type ECROptions struct {
	Card        CardSource
	PINPad      PINPad
	Contactless bool
}

// cny is ISO 4217 numeric for the yuan, the demonstration's currency.
const cny = 156

// resultUnsupported answers commands this terminal does not offer (ISO
// 8583 "40": requested function not supported).
const resultUnsupported = "40"

// ecrHandler serves a cash register: sales, voids by trace number,
// settlement, sign-in, echo, last transaction and reprint.
type ecrHandler struct {
	t   *Terminal
	opt ECROptions

	// mu serialises the handler's use of the terminal's ECR records
	// (last answer, slip, sales by trace), which live in its state
	// directory so that they outlive the connection and the process.
	mu sync.Mutex
}

// ECRHandler returns the handler that lets a cash register drive t over
// reader/link/ecr.
func (t *Terminal) ECRHandler(opt ECROptions) ecr.Handler {
	return &ecrHandler{t: t, opt: opt}
}

func (h *ecrHandler) Handle(ctx context.Context, req *ecr.Request, status func(ecr.Status)) *ecr.Response {
	h.t.say("ECR %s request %q", req.Command, req.Ref)
	switch req.Command {
	case ecr.Echo:
		return &ecr.Response{Result: ecr.ResultApproved, TerminalID: h.t.cfg.TerminalID, MerchantID: h.t.cfg.MerchantID, Text: "TERMINAL READY"}
	case ecr.SignIn:
		if err := h.t.SignIn(ctx); err != nil {
			return failed(err)
		}
		return &ecr.Response{Result: ecr.ResultApproved, Batch: fmt.Sprintf("%06d", h.t.Batch()), Text: "SIGNED IN"}
	case ecr.Settlement:
		s, err := h.t.Settle(ctx)
		if errors.Is(err, ErrEmptyBatch) {
			return &ecr.Response{Result: ecr.ResultApproved, Batch: fmt.Sprintf("%06d", h.t.Batch()),
				Text: "NO TRANSACTIONS TO SETTLE"}
		}
		if err != nil {
			return failed(err)
		}
		r := &ecr.Response{Result: ecr.ResultApproved, Batch: fmt.Sprintf("%06d", s.Batch),
			Text: "SETTLED: " + totalsWords(s.Terminal) + ", BALANCED"}
		if !s.Balanced {
			r.Result, r.Text = "95", "SETTLED: "+totalsWords(s.Terminal)+", NOT BALANCED, BATCH UPLOADED" // ISO 8583: reconcile error
		}
		return r
	case ecr.LastTransaction:
		h.mu.Lock()
		last, err := h.t.lastECR()
		h.mu.Unlock()
		if err != nil {
			return failed(err)
		}
		if last == nil {
			return &ecr.Response{Result: "25", Text: "NO TRANSACTION YET"} // unable to locate record
		}
		r := *last
		r.Command, r.Ref = 0, ""
		return &r
	case ecr.Reprint:
		h.mu.Lock()
		s, err := h.t.lastSlip()
		h.mu.Unlock()
		if err != nil {
			return failed(err)
		}
		if s == nil {
			return &ecr.Response{Result: "25", Text: "NOTHING TO REPRINT"}
		}
		h.t.printReceipts(s)
		return &ecr.Response{Result: ecr.ResultApproved, Text: "SLIP REPRINTED"}
	case ecr.Sale, ecr.PreAuth, ecr.Balance:
		return h.remember(h.sale(ctx, req, status))
	case ecr.Void:
		return h.remember(h.void(ctx, req))
	case ecr.Refund, ecr.PreAuthCompletion:
		return h.remember(h.byTrace(ctx, req))
	}
	return &ecr.Response{Result: resultUnsupported, Text: req.Command.String() + " is not offered by this terminal"}
}

func (h *ecrHandler) sale(ctx context.Context, req *ecr.Request, status func(ecr.Status)) (*ecr.Response, *Sale) {
	if req.Currency != cny && !(req.Command == ecr.Balance && req.Currency == 0) {
		return &ecr.Response{Result: ecr.ResultFormatError, Text: fmt.Sprintf("CURRENCY %03d: THIS TERMINAL TAKES 156 (CNY)", req.Currency)}, nil
	}
	status(ecr.Status{Code: ecr.StatusWaitCard})
	card, closeCard, err := h.opt.Card(ctx)
	if err != nil {
		return failedCtx(ctx, err), nil
	}
	defer closeCard()
	progress := func(c ecr.StatusCode) { status(ecr.Status{Code: c}) }
	entry := Chip
	if h.opt.Contactless {
		entry = Contactless
	}
	kind := iso8583.KindSale
	switch req.Command {
	case ecr.PreAuth:
		kind = iso8583.KindPreAuth
	case ecr.Balance:
		kind = iso8583.KindBalance
	}
	s, err := h.t.cardSale(ctx, kind, entry, card, req.Amount, h.opt.PINPad, progress)
	if err != nil {
		return failedCtx(ctx, err), nil
	}
	if kind == iso8583.KindBalance && s.Link != nil && s.Link.Approved() {
		s.Approved, s.Why = true, ""
		s.Balance = BalanceWords(s.Link.Response.AdditionalAmounts)
	}
	if entry == Chip {
		status(ecr.Status{Code: ecr.StatusRemoveCard})
	}
	return h.answer(ctx, s), s
}

func (h *ecrHandler) void(ctx context.Context, req *ecr.Request) (*ecr.Response, *Sale) {
	h.mu.Lock()
	orig, err := h.t.saleByTrace(req.OrigTrc)
	h.mu.Unlock()
	if err != nil {
		return failed(err), nil
	}
	if orig == nil {
		return &ecr.Response{Result: "25", Text: "NO APPROVED SALE WITH TRACE " + req.OrigTrc + " IN THIS BATCH"}, nil
	}
	s, err := h.t.Void(ctx, orig)
	if err != nil {
		return failedCtx(ctx, err), nil
	}
	if s.Approved {
		h.mu.Lock()
		err := h.t.forgetSale(req.OrigTrc)
		h.mu.Unlock()
		if err != nil {
			h.t.cfg.Logger.Error("terminal: forgetting a voided sale", "err", err)
		}
	}
	return h.answer(ctx, s), s
}

// byTrace runs a refund or a pre-authorisation completion of the
// transaction with the register's original trace number.
func (h *ecrHandler) byTrace(ctx context.Context, req *ecr.Request) (*ecr.Response, *Sale) {
	h.mu.Lock()
	orig, err := h.t.saleByTrace(req.OrigTrc)
	h.mu.Unlock()
	if err != nil {
		return failed(err), nil
	}
	want := iso8583.KindSale
	if req.Command == ecr.PreAuthCompletion {
		want = iso8583.KindPreAuth
	}
	if orig == nil || orig.Kind != want && !(want == iso8583.KindSale && orig.Kind == iso8583.KindPreAuthCompletion) {
		return &ecr.Response{Result: "25", Text: "NO APPROVED " + strings.ToUpper(want.String()) + " WITH TRACE " + req.OrigTrc + " IN THIS BATCH"}, nil
	}
	var s *Sale
	if req.Command == ecr.Refund {
		s, err = h.t.Refund(ctx, orig, req.Amount)
	} else {
		s, err = h.t.Complete(ctx, orig, req.Amount, h.opt.PINPad)
	}
	if err != nil {
		return failedCtx(ctx, err), nil
	}
	return h.answer(ctx, s), s
}

// answer turns a sale or void into the register's answer.
func (h *ecrHandler) answer(ctx context.Context, s *Sale) *ecr.Response {
	r := &ecr.Response{Amount: s.Amount, Currency: cny, MaskedPAN: s.PAN, Scheme: s.Label,
		TerminalID: h.t.cfg.TerminalID, MerchantID: h.t.cfg.MerchantID, Time: h.t.cfg.Now().Format("20060102150405")}
	switch {
	case s.Approved && s.Kind == iso8583.KindBalance:
		r.Result, r.Text = ecr.ResultApproved, "BALANCE "+strings.ToUpper(s.Balance)
	case s.Approved:
		r.Result, r.Text = ecr.ResultApproved, "APPROVED"
	case ctx.Err() != nil:
		r.Result, r.Text = ecr.ResultAborted, "ABORTED"
	case s.Link != nil:
		rc := s.Link.Response.ResponseCode
		r.Result, r.Text = string(rc), "DECLINED"
		if m := rc.Meaning(); m != "" {
			r.Text = "DECLINED: " + strings.ToUpper(m)
		}
	default:
		r.Result, r.Text = ecr.ResultFailed, s.Why
	}
	if s.Link != nil {
		req, resp := s.Link.Request, s.Link.Response
		r.AuthCode, r.RRN, r.Trace = resp.AuthCode, resp.RRN, fmt.Sprintf("%06d", req.STAN)
		if req.Field60 != nil {
			r.Batch = fmt.Sprintf("%06d", req.Field60.Batch)
		}
	}
	return r
}

// remember keeps the answer for LastTransaction and an approved sale for
// a later void and reprint.
func (h *ecrHandler) remember(r *ecr.Response, s *Sale) *ecr.Response {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.t.rememberECR(r, s); err != nil {
		// The answer stands (the money moved); only the register's later
		// LAST would miss it.
		h.t.cfg.Logger.Error("terminal: recording the ECR answer", "err", err)
	}
	return r
}

func failed(err error) *ecr.Response {
	return &ecr.Response{Result: ecr.ResultFailed, Text: err.Error()}
}

func failedCtx(ctx context.Context, err error) *ecr.Response {
	if ctx.Err() != nil {
		return &ecr.Response{Result: ecr.ResultAborted, Text: "ABORTED"}
	}
	return failed(err)
}

// ServeECR answers a cash register on rw (a serial port, a TCP
// connection) until ctx ends or the link fails.
func (t *Terminal) ServeECR(ctx context.Context, rw io.ReadWriter, opt ECROptions) error {
	l := framed.New(rw, framed.Config{})
	defer l.Close()
	return ecr.NewServer(l, t.ECRHandler(opt)).Serve(ctx)
}

// totalsWords is a batch's totals as a register's display shows them.
func totalsWords(x iso8583.Totals) string {
	return fmt.Sprintf("%d SALE(S) RMB %s, %d REFUND(S) RMB %s", x.DebitCount, money(x.DebitAmount), x.CreditCount, money(x.CreditAmount))
}

package ecr

import (
	"context"
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/possdk/pos/reader/link"
	"github.com/possdk/pos/reader/serial"
)

var linkCfg = link.Config{ACKTimeout: 200 * time.Millisecond, FrameTimeout: 200 * time.Millisecond}

// ptyLinks returns two links joined by a pseudo-terminal: the cash
// register's on the serial port (the pty slave), the terminal's on the
// master.
func ptyLinks(t *testing.T) (ecrSide, posSide *link.Link) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	port, err := serial.Open(tty.Name(), serial.Config{BaudRate: 115200})
	tty.Close()
	if err != nil {
		ptmx.Close()
		t.Fatal(err)
	}
	// pty.Open leaves the master blocking (Fd does that); a non-blocking
	// duplicate lets Close interrupt Read.
	fd, err := syscall.Dup(int(ptmx.Fd()))
	ptmx.Close()
	if err != nil {
		t.Fatal(err)
	}
	syscall.SetNonblock(fd, true)
	master := os.NewFile(uintptr(fd), "ptmx")
	a, b := link.New(port, linkCfg), link.New(master, linkCfg)
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

func serve(t *testing.T, l *link.Link, h Handler) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- NewServer(l, h).Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Serve: %v", err)
		}
	})
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestSaleOverPty(t *testing.T) {
	ecrLink, posLink := ptyLinks(t)
	var calls atomic.Int32
	serve(t, posLink, HandlerFunc(func(ctx context.Context, req *Request, status func(Status)) *Response {
		calls.Add(1)
		status(Status{Code: StatusWaitCard, Text: "请插卡"})
		status(Status{Code: StatusWaitPIN})
		status(Status{Code: StatusOnline})
		return &Response{Result: ResultApproved, Amount: req.Amount, Currency: req.Currency, AuthCode: "123456",
			RRN: "000000000001", MaskedPAN: "622848******1234"}
	}))
	c := NewClient(ecrLink, ClientConfig{ResponseTimeout: 5 * time.Second})
	var seen []StatusCode
	resp, err := c.Do(ctxT(t), &Request{Command: Sale, Ref: "42", Amount: 1234, Currency: 156}, func(s Status) {
		if s.Ref != "42" {
			t.Errorf("status for ref %q", s.Ref)
		}
		seen = append(seen, s.Code)
	})
	if err != nil {
		t.Fatal(err)
	}
	if !resp.Approved() || resp.Ref != "42" || resp.Command != Sale || resp.Amount != 1234 || resp.AuthCode != "123456" {
		t.Errorf("response %+v", resp)
	}
	if len(seen) != 3 || seen[0] != StatusWaitCard || seen[2] != StatusOnline {
		t.Errorf("statuses %v", seen)
	}
	// Every other command round-trips through the server too.
	for _, req := range []Request{
		{Command: Void, Ref: "43", OrigTrc: "000007"},
		{Command: Refund, Ref: "44", Amount: 100, Currency: 156, OrigRRN: "000000000001", OrigDate: "20260115"},
		{Command: Balance, Ref: "45"},
		{Command: PreAuth, Ref: "46", Amount: 100, Currency: 156},
		{Command: PreAuthCompletion, Ref: "47", Amount: 100, Currency: 156, OrigAuth: "123456", OrigRRN: "000000000002"},
		{Command: Settlement, Ref: "48"}, {Command: SignIn, Ref: "49"}, {Command: Echo, Ref: "50"},
		{Command: LastTransaction, Ref: "51"}, {Command: Reprint, Ref: "52"},
	} {
		resp, err := c.Do(ctxT(t), &req, nil)
		if err != nil || resp.Command != req.Command || resp.Ref != req.Ref {
			t.Errorf("%v: %+v %v", req.Command, resp, err)
		}
	}
	if n := calls.Load(); n != 11 {
		t.Errorf("handler ran %d times, want 11", n)
	}
}

func TestAbortAndBusy(t *testing.T) {
	ecrLink, posLink := ptyLinks(t)
	started := make(chan struct{})
	serve(t, posLink, HandlerFunc(func(ctx context.Context, req *Request, status func(Status)) *Response {
		close(started)
		status(Status{Code: StatusWaitCard})
		<-ctx.Done() // waiting for a card that never comes
		return &Response{Result: ResultAborted, Text: "aborted"}
	}))
	c := NewClient(ecrLink, ClientConfig{ResponseTimeout: 5 * time.Second})
	var resp *Response
	var err error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		resp, err = c.Do(ctxT(t), &Request{Command: Sale, Ref: "77", Amount: 1, Currency: 156}, nil)
	}()
	<-started
	// A second register request while the sale runs: busy. It goes
	// straight through the link, since the Client serialises Do.
	other, _ := AppendRequest(nil, &Request{Command: Settlement, Ref: "78"})
	if err := ecrLink.Send(ctxT(t), other); err != nil {
		t.Fatal(err)
	}
	if err := c.Abort(ctxT(t), "77"); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if resp.Result != ResultAborted || resp.Ref != "77" {
		t.Errorf("aborted sale answered %+v", resp)
	}
}

// rawTerminal answers through the link by hand: it counts the requests it
// receives and answers only those answer says to.
func rawTerminal(t *testing.T, l *link.Link, answer func(n int, req *Request) bool) *atomic.Int32 {
	var n atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() {
		for {
			b, err := l.Receive(ctx)
			if err != nil {
				return
			}
			m, err := Parse(b)
			req, ok := m.(*Request)
			if err != nil || !ok {
				continue
			}
			if k := int(n.Add(1)); answer(k, req) {
				msg, _ := AppendResponse(nil, &Response{Command: req.Command, Ref: req.Ref, Result: ResultApproved})
				l.Send(ctx, msg)
			}
		}
	}()
	return &n
}

func TestMoneyNeverResent(t *testing.T) {
	ecrLink, posLink := ptyLinks(t)
	n := rawTerminal(t, posLink, func(k int, req *Request) bool { return req.Command != Sale && k > 2 })
	c := NewClient(ecrLink, ClientConfig{ResponseTimeout: 300 * time.Millisecond, Retries: 3})
	_, err := c.Do(ctxT(t), &Request{Command: Sale, Ref: "90", Amount: 100, Currency: 156}, nil)
	if !errors.Is(err, ErrNoResponse) {
		t.Fatalf("sale with no answer: %v, want ErrNoResponse", err)
	}
	if got := n.Load(); got != 1 {
		t.Fatalf("the terminal received the sale %d times, want exactly 1", got)
	}
	// LastTransaction is safe to repeat: the first is ignored, the
	// re-sent one is answered.
	resp, err := c.Do(ctxT(t), &Request{Command: LastTransaction, Ref: "91"}, nil)
	if err != nil || !resp.Approved() {
		t.Fatalf("LastTransaction: %+v %v", resp, err)
	}
	if got := n.Load(); got != 3 {
		t.Fatalf("terminal saw %d requests, want 3 (sale, LAST twice)", got)
	}
}

func TestDuplicateRequestServedOnce(t *testing.T) {
	ecrLink, posLink := ptyLinks(t)
	var calls atomic.Int32
	serve(t, posLink, HandlerFunc(func(ctx context.Context, req *Request, status func(Status)) *Response {
		calls.Add(1)
		return &Response{Result: ResultApproved, AuthCode: "654321"}
	}))
	ctx := ctxT(t)
	msg, _ := AppendRequest(nil, &Request{Command: Sale, Ref: "5", Amount: 10, Currency: 156})
	for i := 0; i < 2; i++ { // the second is what a lost ACK makes the link do
		if err := ecrLink.Send(ctx, msg); err != nil {
			t.Fatal(err)
		}
		b, err := ecrLink.Receive(ctx)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Parse(b)
		if r, ok := m.(*Response); err != nil || !ok || r.AuthCode != "654321" {
			t.Fatalf("answer %d: %+v %v", i, m, err)
		}
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("handler ran %d times for one sale sent twice", n)
	}
}

func TestNotSent(t *testing.T) {
	ecrLink, posLink := ptyLinks(t)
	posLink.Close() // nobody acknowledges
	c := NewClient(ecrLink, ClientConfig{ResponseTimeout: time.Second})
	_, err := c.Do(ctxT(t), &Request{Command: Echo, Ref: "1"}, nil)
	if !errors.Is(err, ErrNotSent) && !errors.Is(err, link.ErrPeerGone) {
		t.Fatalf("Do with no terminal: %v", err)
	}
}

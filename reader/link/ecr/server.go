package ecr

import (
	"bytes"
	"context"
	"errors"

	"github.com/possdk/pos/reader/link"
)

// Handler serves one request on the terminal: it runs the transaction and
// returns the answer (Command and Ref are filled in if left empty). It may
// call status to tell the cash register what is happening. ctx is cancelled
// when the cash register sends Abort; the handler should then stop and
// return Result ResultAborted.
type Handler interface {
	Handle(ctx context.Context, req *Request, status func(Status)) *Response
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, req *Request, status func(Status)) *Response

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, req *Request, status func(Status)) *Response {
	return f(ctx, req, status)
}

// Server is the terminal's end of the ECR link.
type Server struct {
	l *link.Link
	h Handler
}

// NewServer answers requests from l with h.
func NewServer(l *link.Link, h Handler) *Server { return &Server{l: l, h: h} }

type result struct {
	raw  []byte // the request as received
	resp []byte // the encoded answer
}

// Serve answers requests until ctx ends or the link fails. One request runs
// at a time; while it runs, Abort (for its Ref) cancels it, Echo is
// answered at once, and anything else gets ResultBusy. A request identical
// to the last one served (the cash register's link resent it because our
// ACK was lost) is answered with the stored answer instead of running
// twice.
func (s *Server) Serve(ctx context.Context) error {
	type running struct {
		raw    []byte
		req    *Request
		cancel context.CancelFunc
	}
	var (
		cur  *running
		last *result
		done = make(chan result, 1)
		in   = make(chan []byte)
		rerr = make(chan error, 1)
	)
	rctx, stopRecv := context.WithCancel(ctx)
	defer stopRecv()
	go func() {
		for {
			b, err := s.l.Receive(rctx)
			if err != nil {
				rerr <- err
				return
			}
			select {
			case in <- b:
			case <-rctx.Done():
				rerr <- rctx.Err()
				return
			}
		}
	}()
	defer func() {
		if cur != nil {
			cur.cancel()
			<-done
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-rerr:
			if errors.Is(err, context.Canceled) && ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		case r := <-done:
			cur = nil
			last = &r
			if err := s.l.Send(ctx, r.resp); err != nil {
				return err
			}
		case b := <-in:
			m, err := Parse(b)
			req, isReq := m.(*Request)
			if err != nil || !isReq {
				if err := s.reply(ctx, &Response{Command: Echo, Ref: "?", Result: ResultFormatError, Text: errText(err)}); err != nil {
					return err
				}
				continue
			}
			switch {
			case cur != nil && bytes.Equal(b, cur.raw):
				continue // link-level duplicate of the running request
			case cur == nil && last != nil && bytes.Equal(b, last.raw):
				if err := s.l.Send(ctx, last.resp); err != nil {
					return err
				}
			case cur != nil && req.Command == Abort && (req.Ref == cur.req.Ref):
				cur.cancel()
				if err := s.reply(ctx, &Response{Command: Abort, Ref: req.Ref, Result: ResultApproved}); err != nil {
					return err
				}
			case cur != nil && req.Command == Echo:
				if err := s.reply(ctx, &Response{Command: Echo, Ref: req.Ref, Result: ResultApproved}); err != nil {
					return err
				}
			case cur != nil:
				if err := s.reply(ctx, &Response{Command: req.Command, Ref: req.Ref, Result: ResultBusy, Text: "busy"}); err != nil {
					return err
				}
			case req.Command == Abort:
				// Nothing running: nothing to stop.
				if err := s.reply(ctx, &Response{Command: Abort, Ref: req.Ref, Result: ResultApproved, Text: "idle"}); err != nil {
					return err
				}
			default:
				hctx, cancel := context.WithCancel(ctx)
				cur = &running{raw: b, req: req, cancel: cancel}
				go s.run(hctx, cancel, b, req, done)
			}
		}
	}
}

func errText(err error) string {
	if err == nil {
		return "not a request"
	}
	return err.Error()
}

// run serves one request in its own goroutine.
func (s *Server) run(ctx context.Context, cancel context.CancelFunc, raw []byte, req *Request, done chan<- result) {
	defer cancel()
	status := func(st Status) {
		st.Command, st.Ref = req.Command, req.Ref
		if msg, err := AppendStatus(nil, &st); err == nil {
			s.l.Send(ctx, msg) // best effort: a lost status is not fatal
		}
	}
	resp := s.h.Handle(ctx, req, status)
	if resp == nil {
		resp = &Response{Result: ResultFailed}
	}
	if resp.Command == 0 {
		resp.Command = req.Command
	}
	if resp.Ref == "" {
		resp.Ref = req.Ref
	}
	msg, err := AppendResponse(nil, resp)
	if err != nil {
		msg, _ = AppendResponse(nil, &Response{Command: req.Command, Ref: req.Ref, Result: ResultFailed, Text: "bad answer from handler"})
	}
	done <- result{raw: raw, resp: msg}
}

func (s *Server) reply(ctx context.Context, r *Response) error {
	msg, err := AppendResponse(nil, r)
	if err != nil {
		return err
	}
	return s.l.Send(ctx, msg)
}

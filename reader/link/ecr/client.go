package ecr

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/possdk/pos/reader/link"
)

// ClientConfig tunes a Client.
type ClientConfig struct {
	// ResponseTimeout is how long Do waits for the final answer after
	// the request was acknowledged; each status frame restarts it. 0
	// means 180 s (card, PIN and host can take that long).
	ResponseTimeout time.Duration
	// Retries is how many times Do re-sends a request whose answer did
	// not come, for commands that cannot move money (Echo,
	// LastTransaction, Reprint, Balance). Money-moving requests are never
	// re-sent. 0 means 1; negative means none.
	Retries int
}

// Client is the cash register's end: it sends requests and waits for the
// terminal's answer, passing status frames to a callback on the way.
type Client struct {
	l   *link.Link
	cfg ClientConfig
	mu  sync.Mutex // one request at a time
}

// NewClient drives a terminal over l.
func NewClient(l *link.Link, cfg ClientConfig) *Client {
	if cfg.ResponseTimeout <= 0 {
		cfg.ResponseTimeout = 180 * time.Second
	}
	if cfg.Retries == 0 {
		cfg.Retries = 1
	} else if cfg.Retries < 0 {
		cfg.Retries = 0
	}
	return &Client{l: l, cfg: cfg}
}

// Do sends req and returns the terminal's answer to it (same command and
// Ref); status frames for req go to status, which may be nil. Frames for
// other references (late answers to earlier requests) are skipped.
//
// When the answer does not come, Do returns ErrNoResponse. For a
// money-moving command that means the outcome is unknown: do not send it
// again, ask for LastTransaction and act on that. ErrNotSent means the
// terminal never acknowledged the frame.
func (c *Client) Do(ctx context.Context, req *Request, status func(Status)) (*Response, error) {
	msg, err := AppendRequest(nil, req)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	tries := 1
	if req.Command.retrySafe() {
		tries += c.cfg.Retries
	}
	for try := 0; ; try++ {
		resp, err := c.exchange(ctx, req, msg, status)
		if err == nil || !errors.Is(err, ErrNoResponse) || try+1 >= tries {
			return resp, err
		}
	}
}

func (c *Client) exchange(ctx context.Context, req *Request, msg []byte, status func(Status)) (*Response, error) {
	if err := c.l.Send(ctx, msg); err != nil {
		if errors.Is(err, link.ErrNoAck) {
			return nil, fmt.Errorf("%w: %v %s: %w", ErrNotSent, req.Command, req.Ref, err)
		}
		return nil, err
	}
	for {
		wctx, cancel := context.WithTimeout(ctx, c.cfg.ResponseTimeout)
		b, err := c.l.Receive(wctx)
		cancel()
		if err != nil {
			if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
				return nil, fmt.Errorf("%w: %v %s after %v", ErrNoResponse, req.Command, req.Ref, c.cfg.ResponseTimeout)
			}
			return nil, err
		}
		m, err := Parse(b)
		if err != nil || m.ref() != req.Ref {
			continue // garbage or someone else's answer: keep waiting
		}
		switch m := m.(type) {
		case *Status:
			if status != nil {
				status(*m)
			}
		case *Response:
			if m.Command == req.Command {
				return m, nil
			}
		}
	}
}

// Abort asks the terminal to stop the request with reference ref, which a
// Do on this Client is normally waiting for; that Do then returns the
// terminal's answer, Result ResultAborted if it stopped in time. Abort only
// sends: the terminal's answer to the Abort itself is skipped by Do.
func (c *Client) Abort(ctx context.Context, ref string) error {
	msg, err := AppendRequest(nil, &Request{Command: Abort, Ref: ref})
	if err != nil {
		return err
	}
	return c.l.Send(ctx, msg)
}

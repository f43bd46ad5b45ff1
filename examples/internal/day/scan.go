package day

import (
	"fmt"

	"context"
	"github.com/possdk/pos/examples/internal/terminal"
	"sync"
	"time"

	"github.com/possdk/pos/iso8583/link"
)

// The day's scan-code payments: WeChat Pay payment codes (18 digits,
// prefix 13). The demonstration wallet's customer is chosen by the last
// four digits (acquirer.DemoBehaviour): …6789 confirms after 4 s of
// USERPAYING, …0000 never confirms.
const (
	scanAmount        = 3600
	scanConfirms      = "134567890123456789"
	scanNeverConfirms = "131234567890120000"
	scanDeadline      = 15 * time.Second
)

// simClock is the simulated time the in-process wallet and the
// terminal's polling share.
type simClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *simClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *simClock) sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
	return ctx.Err()
}

func (d *dayRun) scanOptions() link.ScanOptions {
	o := link.ScanOptions{Deadline: scanDeadline, FirstPoll: 2 * time.Second, MaxPoll: 5 * time.Second}
	if d.clock != nil {
		o.Clock, o.Sleep = d.clock.now, d.clock.sleep
	}
	return o
}

func (d *dayRun) scanSales() {
	if d.clock == nil {
		// The customers are the in-process wallet's; against another
		// host, try them with "terminal scan".
		d.say("skipped: the scan step runs against the in-process wallet gateway (try: go run ./examples/terminal scan 36.00 134567890123456789)")
		return
	}
	d.say("the customer shows a WeChat Pay payment code and confirms the payment on the phone")
	s, err := d.term.ScanSale(d.ctx, scanConfirms, scanAmount, d.scanOptions())
	ok := err == nil && s.Approved() && s.Polls > 0 && s.AcquirerOrder != ""
	d.check("scan sale", ok, "%s", scanWords(s, err))

	d.say("the next customer never confirms: at the %v deadline the terminal cancels the order", scanDeadline)
	s, err = d.term.ScanSale(d.ctx, scanNeverConfirms, scanAmount, d.scanOptions())
	ok = err == nil && s.Outcome == link.ScanCancelled && !s.CancelPending && s.CancelAction == "close"
	d.check("scan sale cancelled at the deadline", ok, "%s", scanWords(s, err))
}

func scanWords(s *terminal.ScanSale, err error) string {
	switch {
	case err != nil:
		return "error: " + err.Error()
	case s == nil:
		return "no result"
	case s.Approved():
		return fmt.Sprintf("approved %s %s code %s, order %s, after %d queries", s.Wallet, money(s.Amount), s.Code, s.AcquirerOrder, s.Polls)
	case s.CancelPending:
		return fmt.Sprintf("%s after %d queries, cancel pending", s.Outcome, s.Polls)
	case s.Outcome == link.ScanCancelled:
		return fmt.Sprintf("%s after %d queries (acquirer: %s); not charged", s.Outcome, s.Polls, s.CancelAction)
	}
	return fmt.Sprintf("%s after %d queries", s.Outcome, s.Polls)
}

package link

import (
	"strings"
	"sync"
	"time"

	"github.com/possdk/pos/iso8583"
)

// RiskCheck runs on the host before a debit (sale, pre-authorisation,
// completion) is authorised. Check returns iso8583.Approved to go on or
// the response code to decline with; Undo gives back what Check counted
// when the transaction is declined by the issuer, reversed or voided.
type RiskCheck interface {
	Check(t *iso8583.Transaction) iso8583.ResponseCode
	Undo(t *iso8583.Transaction)
}

// Response codes a Limits check declines with (CUP/ISO 8583:1987 table).
const (
	RCExceedsAmount    iso8583.ResponseCode = "61" // exceeds withdrawal amount limit
	RCExceedsFrequency iso8583.ResponseCode = "65" // exceeds withdrawal frequency limit
)

// Alarm describes an abnormal transaction (异常交易) for monitoring.
type Alarm struct {
	Terminal string
	PAN      iso8583.PAN // prints masked
	Amount   int64
	Reason   string
}

// Limits is the built-in RiskCheck: per-card and per-terminal amount and
// count limits over a fixed window, and an alarm for any single amount at
// or above AlarmAmount. Zero limits are not enforced. Set the fields before
// use; a Limits is safe for concurrent use.
type Limits struct {
	CardAmount     int64 // fen per window per card
	CardCount      int   // debits per window per card
	TerminalAmount int64 // fen per window per terminal
	TerminalCount  int   // debits per window per terminal
	AlarmAmount    int64 // alarm (not decline) on a single debit this large
	Window         time.Duration
	// Alarm, if set, is called (synchronously) for every limit breach
	// and large amount.
	Alarm func(Alarm)
	// Now returns the time (default time.Now).
	Now func() time.Time

	mu    sync.Mutex
	cards map[string]*usage
	terms map[string]*usage
}

type usage struct {
	start  time.Time
	amount int64
	count  int
}

func (l *Limits) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

func (l *Limits) window() time.Duration {
	if l.Window > 0 {
		return l.Window
	}
	return 24 * time.Hour
}

func (l *Limits) get(m map[string]*usage, k string, now time.Time) *usage {
	u := m[k]
	if u == nil || now.Sub(u.start) >= l.window() {
		u = &usage{start: now}
		m[k] = u
	}
	return u
}

func (l *Limits) alarm(t *iso8583.Transaction, reason string) {
	if l.Alarm != nil {
		l.Alarm(Alarm{Terminal: t.TerminalID, PAN: cardOf(t), Amount: t.Amount, Reason: reason})
	}
}

// cardOf returns the PAN of field 2 or of track 2.
func cardOf(t *iso8583.Transaction) iso8583.PAN {
	if t.PAN != "" {
		return t.PAN
	}
	if i := strings.IndexByte(string(t.Track2), '='); i > 0 {
		return iso8583.PAN(t.Track2[:i])
	}
	return ""
}

// Check implements RiskCheck.
func (l *Limits) Check(t *iso8583.Transaction) iso8583.ResponseCode {
	now := l.now()
	card := string(cardOf(t))
	l.mu.Lock()
	if l.cards == nil {
		l.cards, l.terms = make(map[string]*usage), make(map[string]*usage)
	}
	if len(l.cards) > 1<<16 {
		l.sweep(now)
	}
	cu, tu := l.get(l.cards, card, now), l.get(l.terms, t.TerminalID, now)
	var rc iso8583.ResponseCode = iso8583.Approved
	var reason string
	switch {
	case l.CardCount > 0 && cu.count+1 > l.CardCount:
		rc, reason = RCExceedsFrequency, "card count limit"
	case l.CardAmount > 0 && cu.amount+t.Amount > l.CardAmount:
		rc, reason = RCExceedsAmount, "card amount limit"
	case l.TerminalCount > 0 && tu.count+1 > l.TerminalCount:
		rc, reason = RCExceedsFrequency, "terminal count limit"
	case l.TerminalAmount > 0 && tu.amount+t.Amount > l.TerminalAmount:
		rc, reason = RCExceedsAmount, "terminal amount limit"
	default:
		cu.count++
		cu.amount += t.Amount
		tu.count++
		tu.amount += t.Amount
	}
	l.mu.Unlock()
	if rc != iso8583.Approved {
		l.alarm(t, reason)
	} else if l.AlarmAmount > 0 && t.Amount >= l.AlarmAmount {
		l.alarm(t, "large amount")
	}
	return rc
}

// Undo implements RiskCheck.
func (l *Limits) Undo(t *iso8583.Transaction) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, x := range []struct {
		m map[string]*usage
		k string
	}{{l.cards, string(cardOf(t))}, {l.terms, t.TerminalID}} {
		if u := x.m[x.k]; u != nil && u.count > 0 {
			u.count--
			u.amount = max(u.amount-t.Amount, 0)
		}
	}
}

// sweep drops expired windows so the maps stay bounded by active cards.
func (l *Limits) sweep(now time.Time) {
	for _, m := range []map[string]*usage{l.cards, l.terms} {
		for k, u := range m {
			if now.Sub(u.start) >= l.window() {
				delete(m, k)
			}
		}
	}
}

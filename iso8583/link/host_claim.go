package link

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/possdk/pos/iso8583"
)

// errNoAnswer makes the host stay silent: the request's outcome may be
// recorded or not, and only the terminal's reversal settles it safely.
var errNoAnswer = errors.New("link: host: outcome not recorded")

// claim is a store record a host holds while it works on a request.
type claim struct {
	key       TxnKey
	owner     string
	recovered bool // taken over from a host that went silent
	done      bool // the answer is recorded (or the claim released)
}

// batchOf returns the batch number of field 60.2.
func batchOf(t *iso8583.Transaction) uint32 {
	if t.Field60 == nil {
		return 0
	}
	return t.Field60.Batch
}

// debit reports whether the kind takes money from the card and counts as a
// debit in the settlement totals (CUP 借记).
func debit(k iso8583.Kind) bool {
	switch k {
	case iso8583.KindSale, iso8583.KindPreAuthCompletion, iso8583.KindPreAuthCompletionAdvice:
		return true
	}
	return false
}

// transient reports response codes that say "try again", never "done":
// they are not recorded as the final answer.
func transient(rc iso8583.ResponseCode) bool {
	return rc == RCSystemError || rc == "91" || rc == "98"
}

// cardHash is the keyed hash the store keeps instead of the PAN.
func (h *Host) cardHash(pan iso8583.PAN) [32]byte {
	var out [32]byte
	if pan == "" {
		return out
	}
	m := hmac.New(sha256.New, h.cardKey)
	m.Write([]byte(pan))
	copy(out[:], m.Sum(nil))
	return out
}

// maskPAN keeps the first 6 and last 4 digits.
func maskPAN(p iso8583.PAN) string {
	s := string(p)
	if len(s) < 11 {
		return ""
	}
	return s[:6] + "******"[:min(6, len(s)-10)] + s[len(s)-4:]
}

// claim records req as pending under this host, or returns the record a
// previous request with the same key left. A pending record whose host is
// still working is waited for; one whose lease ran out is taken over.
func (h *Host) claim(ctx context.Context, key TxnKey, req *iso8583.Transaction, fpr [32]byte) (*claim, *HostTxn, error) {
	pan := cardOf(req)
	wait := 5 * time.Millisecond
	pending := func(now time.Time) *HostTxn {
		return &HostTxn{
			Key: key, Kind: req.Kind, State: HostPending, Fingerprint: fpr, Amount: req.Amount,
			CardHash: h.cardHash(pan), CardMasked: maskPAN(pan),
			Owner: h.owner, Lease: now.Add(h.lease()), Created: now,
		}
	}
	if fast, ok := h.store.(StoreFastPath); ok {
		created, err := fast.Create(ctx, pending(h.now()))
		if err != nil {
			return nil, nil, err
		}
		if created {
			return &claim{key: key, owner: h.owner}, nil, nil
		}
	}
	for {
		var (
			cl   *claim
			prev *HostTxn
		)
		now := h.now()
		err := h.store.Update(ctx, []TxnKey{key}, func(recs []*HostTxn) error {
			cl, prev = nil, nil
			r := recs[0]
			switch {
			case r == nil:
				recs[0] = pending(now)
				cl = &claim{key: key, owner: h.owner}
			case r.State == HostPending && r.Fingerprint == fpr && now.After(r.Lease):
				// Its host went silent: take it over. The issuer
				// answers a repeat with its first answer.
				r.Owner, r.Lease = h.owner, now.Add(h.lease())
				cl = &claim{key: key, owner: h.owner, recovered: true}
			default:
				c := r.clone()
				prev = &c
			}
			return nil
		})
		if err != nil || cl != nil {
			return cl, nil, err
		}
		if prev.State != HostPending || prev.Fingerprint != fpr {
			return nil, prev, nil
		}
		// Another request with this key is being worked on (here or at
		// another host): wait for its answer.
		select {
		case <-ctx.Done():
			return nil, nil, nil
		case <-time.After(wait):
		}
		wait = min(2*wait, 100*time.Millisecond)
	}
}

// commit records the final answer to r's request, atomically with eff's
// changes to the records of others. approved marks an approval that moved
// or holds money. It fails with ErrLeaseLost if another host took the
// request over.
func (h *Host) commit(ctx context.Context, r *Request, a Answer, approved bool, others []TxnKey, eff func(self *HostTxn, others []*HostTxn) error) error {
	cl := r.claim
	if cl == nil {
		if eff == nil {
			return nil
		}
		return fmt.Errorf("%w: %s is not recorded", ErrStore, r.Txn.Kind)
	}
	if f, ok := h.store.(StoreFastPath); ok && eff == nil && len(others) == 0 {
		err := f.Finish(ctx, cl.key, cl.owner, a, approved)
		if err == nil {
			cl.done = true
		}
		return err
	}
	keys := append([]TxnKey{cl.key}, others...)
	err := h.store.Update(ctx, keys, func(recs []*HostTxn) error {
		self := recs[0]
		if self == nil || self.State != HostPending || self.Owner != cl.owner {
			return ErrLeaseLost
		}
		self.State, self.Answer, self.Approved = HostAnswered, a, approved
		if eff != nil {
			return eff(self, recs[1:])
		}
		return nil
	})
	if err == nil {
		cl.done = true
	}
	return err
}

// release drops r's pending claim (a transient answer: the retransmission
// is processed again). Failing to release only delays the retransmission
// until the lease runs out.
func (h *Host) release(r *Request) {
	cl := r.claim
	if cl == nil || cl.done {
		return
	}
	cl.done = true
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := h.store.Update(ctx, []TxnKey{cl.key}, func(recs []*HostTxn) error {
		if s := recs[0]; s != nil && s.State == HostPending && s.Owner == cl.owner {
			s.Lease = time.Time{}
		}
		return nil
	})
	if err != nil {
		h.metrics.StoreError("release")
	}
}

// HostMetrics receives a Host's measurements. Package link/hostmetrics
// implements it with Prometheus. Methods must be safe for concurrent use
// and fast.
type HostMetrics interface {
	// Request counts an answered (or unanswered: rc "--") request.
	Request(kind iso8583.Kind, rc iso8583.ResponseCode, took time.Duration)
	// MACFailure counts a request whose MAC did not verify.
	MACFailure()
	// Duplicate counts a retransmission answered from the store.
	Duplicate()
	// Junk counts frames that could not be read at all.
	Junk()
	// Issuer times a call to the issuer (op "authorize" or "reverse").
	Issuer(op string, took time.Duration, err error)
	// StoreError counts a failed store operation.
	StoreError(op string)
	// ReversalWait counts reversals waiting for their original (+1) and
	// done waiting (-1): the host's reversal backlog.
	ReversalWait(delta int)
}

type noMetrics struct{}

func (noMetrics) Request(iso8583.Kind, iso8583.ResponseCode, time.Duration) {}
func (noMetrics) MACFailure()                                               {}
func (noMetrics) Duplicate()                                                {}
func (noMetrics) Junk()                                                     {}
func (noMetrics) Issuer(string, time.Duration, error)                       {}
func (noMetrics) StoreError(string)                                         {}
func (noMetrics) ReversalWait(int)                                          {}

// authorize calls the issuer and times it.
func (h *Host) authorize(ctx context.Context, t *iso8583.Transaction, pin []byte) (IssuerResult, error) {
	start := time.Now()
	res, err := h.cfg.Issuer.Authorize(ctx, t, pin)
	h.metrics.Issuer("authorize", time.Since(start), err)
	return res, err
}

// reverse calls the issuer's Reverse and times it.
func (h *Host) reverse(ctx context.Context, t *iso8583.Transaction) error {
	start := time.Now()
	err := h.cfg.Issuer.Reverse(ctx, t)
	h.metrics.Issuer("reverse", time.Since(start), err)
	return err
}

package link

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/possdk/pos/iso8583"
)

// ErrLeaseLost is returned when a host tries to finish a request whose
// claim another host took over (the first one was presumed dead).
var ErrLeaseLost = errors.New("link: host store: claim taken over by another host")

// ErrStore wraps failures of a Store's backing service.
var ErrStore = errors.New("link: host store")

// TxnKey names a request at the host: terminal (41), batch (60.2), STAN (11)
// and request MTI. A terminal's STAN is unique within its batch for one
// message type, so the key finds a retransmission whatever its date or
// time (CUP requests carry no field 13).
type TxnKey struct {
	TID   string
	Batch uint32
	STAN  uint32
	MTI   string
}

func (k TxnKey) String() string {
	return fmt.Sprintf("%s/%06d/%06d/%s", k.TID, k.Batch, k.STAN, k.MTI)
}

// Compare orders keys by terminal, batch, STAN and MTI (-1, 0, +1): the
// order in which a Store locks several records, so that two updates
// never wait for each other in a cycle.
func (k TxnKey) Compare(o TxnKey) int {
	return cmp.Or(strings.Compare(k.TID, o.TID), cmp.Compare(k.Batch, o.Batch),
		cmp.Compare(k.STAN, o.STAN), strings.Compare(k.MTI, o.MTI))
}

// HostState is where a request stands at the host.
type HostState uint8

const (
	// HostPending: claimed by a host (Owner) that is working on it until
	// Lease. A pending record whose lease ran out belongs to a host that
	// died; another host takes it over.
	HostPending HostState = iota + 1
	// HostAnswered: the final answer is recorded; a retransmission gets it
	// again and is never processed twice.
	HostAnswered
	// HostTombstone: a reversal arrived before this original (UnionPay
	// practice: the reversal is acknowledged, and the late original is
	// declined 12, never authorised and left standing).
	HostTombstone
)

func (s HostState) String() string {
	switch s {
	case HostPending:
		return "pending"
	case HostAnswered:
		return "answered"
	case HostTombstone:
		return "tombstone"
	}
	return fmt.Sprintf("HostState(%d)", uint8(s))
}

// Answer is what the host answered to a request: enough to repeat the
// answer to a retransmission (MACed again under the terminal's current
// keys). It holds no card data.
type Answer struct {
	RC                 iso8583.ResponseCode
	AuthCode           string         // 38
	RRN                string         // 37
	LocalTime          string         // 12
	LocalDate          string         // 13
	SettlementDate     string         // 15
	AdditionalResponse string         // 44
	AdditionalData     string         // 48 (settlement totals)
	AdditionalAmounts  string         // 54 (balances)
	IssuerData         iso8583.Hidden // 55 in the response (issuer authentication data, scripts)
	// Keys is field 62 of a sign-in answer: the working keys it issued,
	// enciphered under the terminal's TMK. A retransmitted sign-in gets
	// the same keys again, and the host's keys do not change.
	Keys iso8583.Hidden
}

// MarshalJSON writes the answer with fields 55 and 62 as their lengths
// only (they hold key material and issuer data): a record logged or
// exported as JSON shows no key bytes.
func (a Answer) MarshalJSON() ([]byte, error) {
	type plain Answer
	return json.Marshal(struct {
		plain
		IssuerData string
		Keys       string
	}{plain(a), a.IssuerData.String(), a.Keys.String()})
}

// HostTxn is the host's record of one request. It keeps no track data,
// PIN block or card chip data (PCI DSS 3.2: no sensitive authentication
// data after authorisation): the card is a keyed hash and a masked PAN.
type HostTxn struct {
	Key         TxnKey
	Kind        iso8583.Kind
	State       HostState
	Fingerprint [32]byte // SHA-256 of the request without its MAC
	Amount      int64
	CardHash    [32]byte // HMAC-SHA-256 of the PAN under the host's card key
	CardMasked  string   // first 6, last 4
	Answer      Answer

	// Approved: the answer approved the request and it moved money (or
	// holds it, for a pre-authorisation).
	Approved bool
	// Reversed: undone by a reversal (or, for a pending record taken over
	// by a reversal, cleaned up at the issuer).
	Reversed bool
	// Voided: cancelled by an approved void.
	Voided bool
	// Refunded: the sum of approved refunds against this original.
	Refunded int64
	// Completed: the amount completed against this pre-authorisation
	// (0: hold still open).
	Completed int64
	// Orig names the original of a void, refund, completion or reversal.
	Orig *TxnKey
	// Settled: included in a settlement (archived: a later batch with
	// the same number starts empty).
	Settled bool

	Owner   string
	Lease   time.Time
	Created time.Time
}

// Store holds all of a Host's state that matters: requests and their
// answers, their life cycle (authorised, voided, reversed, completed,
// settled), reversal tombstones, running refund and completion totals,
// sequences for RRNs and authorisation codes, and per-card ATC
// high-water marks. Several hosts may share one Store: it serialises
// every change. Implementations: NewMemoryStore (in process, the
// default) and the PostgreSQL store in package link/pgstore. StoreSuite
// (storetest.go) is the conformance test every implementation passes.
type Store interface {
	// Update runs fn on the records for keys, atomically with respect to
	// every other Update on any of the keys, from any host. recs[i] is nil
	// for a key with no record; fn may set it to create the record, or
	// change the records it got. If fn returns an error nothing is
	// written and Update returns it. fn may be run more than once (a
	// backend retries a conflict), so it must do no I/O.
	Update(ctx context.Context, keys []TxnKey, fn func(recs []*HostTxn) error) error
	// Get returns the record for k, or (nil, nil) if none.
	Get(ctx context.Context, k TxnKey) (*HostTxn, error)
	// FindAuth returns the approved pre-authorisations of terminal tid
	// with authorisation code auth (CUP finds the original of a completion
	// or pre-authorisation void by 38 and 61.3, not 61.1/61.2).
	FindAuth(ctx context.Context, tid, auth string) ([]HostTxn, error)
	// Settle totals the terminal's unsettled batch as CUP settlement does
	// (approved debits and refunds not reversed or voided) and archives
	// its records, atomically.
	Settle(ctx context.Context, tid string, batch uint32) (iso8583.Totals, error)
	// Totals returns the batch's totals as Settle computes them: open
	// (not yet settled) and settled (archived by settlements of this
	// batch number).
	Totals(ctx context.Context, tid string, batch uint32) (open, settled iso8583.Totals, err error)
	// Next returns the next value of the named sequence: unique across
	// every host sharing the store, and across restarts.
	Next(ctx context.Context, name string) (uint64, error)
	// AdvanceATC records that card used application transaction counter
	// atc. It reports false, and records nothing, when atc is not above
	// the card's high-water mark (a replayed cryptogram).
	AdvanceATC(ctx context.Context, card [32]byte, atc uint32) (bool, error)
	// AddUploaded counts batch-upload detail records and returns the total.
	AddUploaded(ctx context.Context, tid string, batch uint32, n int) (int, error)
	// Prune deletes what neither settlement nor duplicate detection needs
	// any more: records created before before that are settled, declined,
	// reversed, voided or non-financial. Approved, unsettled records stay
	// until their batch settles.
	Prune(ctx context.Context, before time.Time) (int, error)
}

// StoreFastPath is implemented by stores that can do the host's two most
// frequent changes in one statement each (PostgreSQL: one round trip
// instead of a locking read and a write). The Host uses it when present;
// the result must be what Update would have done.
type StoreFastPath interface {
	// Create inserts r if no record has its key and reports whether it
	// did.
	Create(ctx context.Context, r *HostTxn) (bool, error)
	// Finish records a pending request's final answer if owner still
	// holds it (else ErrLeaseLost).
	Finish(ctx context.Context, k TxnKey, owner string, a Answer, approved bool) error
}

// Sequence names used by the Host.
const (
	SeqRRN  = "rrn"
	SeqAuth = "auth"
)

// moneyKind reports whether settlement counts the kind: debits (sale,
// completion) and credits (refund).
func moneyKind(k iso8583.Kind) bool {
	return debit(k) || k == iso8583.KindRefund
}

// Live reports whether the record counts in settlement: an approved
// debit or refund, not reversed or voided.
func (r *HostTxn) Live() bool {
	return r.State == HostAnswered && r.Approved && !r.Reversed && !r.Voided && moneyKind(r.Kind)
}

// prunable reports whether Prune may drop r.
func (r *HostTxn) prunable() bool {
	switch {
	case r.State == HostPending:
		return false
	case r.State == HostAnswered && r.Kind == iso8583.KindPreAuth && r.Approved && !r.Reversed && !r.Voided && r.Completed == 0:
		// An open hold: a completion may still come, whatever batch
		// settled (the issuer expires holds, not the acquirer).
		return false
	case r.Settled || r.State == HostTombstone:
		return true
	case !r.Approved || r.Reversed || r.Voided:
		return true
	}
	// Approved and unsettled: a completed pre-authorisation, a balance
	// inquiry, a void or a reversal record is no longer needed for
	// settlement.
	return !moneyKind(r.Kind)
}

// addTotals adds r to t if it is live.
func addTotals(t *iso8583.Totals, r *HostTxn) {
	if !r.Live() {
		return
	}
	if r.Kind == iso8583.KindRefund {
		t.CreditAmount += r.Amount
		t.CreditCount++
		return
	}
	t.DebitAmount += r.Amount
	t.DebitCount++
}

// MemoryStore is a Store in process memory: the embedded default, for
// tests, simulators and a single host that may forget on restart. It is
// safe for concurrent use.
type MemoryStore struct {
	mu       sync.Mutex
	m        map[TxnKey]*HostTxn
	auth     map[authKey]map[TxnKey]struct{}
	seq      map[string]uint64
	atc      map[[32]byte]uint32
	uploaded map[batchKey]int
}

type authKey struct{ tid, auth string }

type batchKey struct {
	tid   string
	batch uint32
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{
		m:        make(map[TxnKey]*HostTxn),
		auth:     make(map[authKey]map[TxnKey]struct{}),
		seq:      make(map[string]uint64),
		atc:      make(map[[32]byte]uint32),
		uploaded: make(map[batchKey]int),
	}
}

// Update implements Store.
func (s *MemoryStore) Update(ctx context.Context, keys []TxnKey, fn func(recs []*HostTxn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	recs := make([]*HostTxn, len(keys))
	for i, k := range keys {
		if r := s.m[k]; r != nil {
			c := r.clone()
			recs[i] = &c
		}
	}
	if err := fn(recs); err != nil {
		return err
	}
	for i, k := range keys {
		r := recs[i]
		if r == nil {
			continue
		}
		r.Key = k
		if old := s.m[k]; old != nil && old.Kind == iso8583.KindPreAuth {
			delete(s.auth[authKey{k.TID, old.Answer.AuthCode}], k)
		}
		c := r.clone()
		s.m[k] = &c
		s.index(&c)
	}
	return nil
}

func (r *HostTxn) clone() HostTxn {
	c := *r
	if r.Orig != nil {
		o := *r.Orig
		c.Orig = &o
	}
	c.Answer.IssuerData = append(iso8583.Hidden(nil), r.Answer.IssuerData...)
	c.Answer.Keys = append(iso8583.Hidden(nil), r.Answer.Keys...)
	return c
}

// Create implements StoreFastPath: a claim without Update's copies.
func (s *MemoryStore) Create(ctx context.Context, r *HostTxn) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m[r.Key] != nil {
		return false, nil
	}
	c := r.clone()
	s.m[r.Key] = &c
	s.index(&c)
	return true, nil
}

// Finish implements StoreFastPath: the answer written in place.
func (s *MemoryStore) Finish(ctx context.Context, k TxnKey, owner string, a Answer, approved bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.m[k]
	if r == nil || r.State != HostPending || r.Owner != owner {
		return ErrLeaseLost
	}
	a.IssuerData = append(iso8583.Hidden(nil), a.IssuerData...)
	a.Keys = append(iso8583.Hidden(nil), a.Keys...)
	r.State, r.Answer, r.Approved = HostAnswered, a, approved
	s.index(r)
	return nil
}

// index files an approved pre-authorisation under its authorisation code
// (FindAuth).
func (s *MemoryStore) index(r *HostTxn) {
	if r.Kind == iso8583.KindPreAuth && r.Approved && r.Answer.AuthCode != "" {
		ak := authKey{r.Key.TID, r.Answer.AuthCode}
		if s.auth[ak] == nil {
			s.auth[ak] = make(map[TxnKey]struct{})
		}
		s.auth[ak][r.Key] = struct{}{}
	}
}

// Get implements Store.
func (s *MemoryStore) Get(_ context.Context, k TxnKey) (*HostTxn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.m[k]
	if r == nil {
		return nil, nil
	}
	c := r.clone()
	return &c, nil
}

// FindAuth implements Store.
func (s *MemoryStore) FindAuth(_ context.Context, tid, auth string) ([]HostTxn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []HostTxn
	for k := range s.auth[authKey{tid, auth}] {
		out = append(out, s.m[k].clone())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key.Compare(out[j].Key) < 0 })
	return out, nil
}

// Totals implements Store.
func (s *MemoryStore) Totals(_ context.Context, tid string, batch uint32) (open, settled iso8583.Totals, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, r := range s.m {
		if k.TID == tid && k.Batch == batch {
			if r.Settled {
				addTotals(&settled, r)
			} else {
				addTotals(&open, r)
			}
		}
	}
	return open, settled, nil
}

// Settle implements Store.
func (s *MemoryStore) Settle(_ context.Context, tid string, batch uint32) (iso8583.Totals, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var t iso8583.Totals
	for k, r := range s.m {
		if k.TID == tid && k.Batch == batch && !r.Settled && r.State != HostPending {
			addTotals(&t, r)
			r.Settled = true
		}
	}
	delete(s.uploaded, batchKey{tid, batch})
	return t, nil
}

// Next implements Store.
func (s *MemoryStore) Next(_ context.Context, name string) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq[name]++
	return s.seq[name], nil
}

// AdvanceATC implements Store.
func (s *MemoryStore) AdvanceATC(_ context.Context, card [32]byte, atc uint32) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if hw, ok := s.atc[card]; ok && atc <= hw {
		return false, nil
	}
	s.atc[card] = atc
	return true, nil
}

// AddUploaded implements Store.
func (s *MemoryStore) AddUploaded(_ context.Context, tid string, batch uint32, n int) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.uploaded[batchKey{tid, batch}] += n
	return s.uploaded[batchKey{tid, batch}], nil
}

// Prune implements Store.
func (s *MemoryStore) Prune(_ context.Context, before time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, r := range s.m {
		if r.Created.Before(before) && r.prunable() {
			if r.Kind == iso8583.KindPreAuth {
				delete(s.auth[authKey{k.TID, r.Answer.AuthCode}], k)
				if len(s.auth[authKey{k.TID, r.Answer.AuthCode}]) == 0 {
					delete(s.auth, authKey{k.TID, r.Answer.AuthCode})
				}
			}
			delete(s.m, k)
			n++
		}
	}
	return n, nil
}

// Len returns the number of records held (for memory checks).
func (s *MemoryStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

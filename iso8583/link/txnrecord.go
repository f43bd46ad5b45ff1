package link

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/possdk/pos/iso8583"
)

// TxnState is where a transaction is in the terminal's life cycle. The
// terminal keeps one durable record per money-moving transaction in
// Config.Journal, keyed by batch and STAN; every transition is one synced
// write that replaces the record, so every crash point has one meaning:
//
//	(no record)      nothing was sent
//	StatePrepared    the request may have reached the host and its answer
//	                 is not recorded: the record's reversal (reason 98)
//	                 is sent on restart
//	StateReversing   the terminal decided to reverse (no answer, MAC
//	                 failure A0, amount mismatch or card decline 06): the
//	                 reversal is sent until a MAC-verified 0410 finishes it,
//	                 then the record is deleted
//	StateApproved    approved and recorded: in the batch (sales,
//	                 completions, refunds, voids) or held (pre-auth)
//	(deleted)        reversal acknowledged, declined, or the batch settled
//
// A scan-code payment (Client.ScanSale, ScanOrder) uses the same states
// with its cancel (iso8583.KindScanCancel) in the reversal's place:
// "prepared" while the pay and its queries are in flight (a restart
// cancels), "reversal pending" once the terminal gave up (the cancel is
// sent until acknowledged), "approved" when the wallet paid.
//
// A scan refund (Client.ScanRefund) is never reversed: its "prepared"
// record holds the refund itself, sent again unchanged until the acquirer
// answers it; then it is approved or dropped like any request.
//
// Receipts, batch upload and the cash register's "last transaction" read
// the same record.
type TxnState uint8

const (
	StatePrepared  TxnState = 1
	StateApproved  TxnState = 2
	StateReversing TxnState = 3
)

func (s TxnState) String() string {
	switch s {
	case StatePrepared:
		return "prepared"
	case StateApproved:
		return "approved"
	case StateReversing:
		return "reversal pending"
	}
	return fmt.Sprintf("TxnState(%d)", uint8(s))
}

// txnRecord is the journal payload (sealed at rest when the journal has a
// storage key): the state, the transaction as approved (StateApproved) and
// the reversal to send (StatePrepared, StateReversing). Track data and PIN
// block are never stored; ICC data only the tags a reversal repeats.
type txnRecord struct {
	State TxnState             `json:"s"`
	Txn   *iso8583.Transaction `json:"t,omitempty"`
	Rev   *iso8583.Transaction `json:"r,omitempty"`
	// Orig is the record a completion completes (its pre-authorisation).
	Orig uint64 `json:"o,omitempty"`
}

func (r *txnRecord) pending() bool { return r.State == StatePrepared || r.State == StateReversing }

func encodeRecord(r txnRecord) ([]byte, error) {
	// The transactions are written in their storage form (stored: full
	// PAN, no sensitive authentication data); json.Marshal of a
	// Transaction would mask the PAN the reversal needs. The record's
	// own keys are written directly around them (json.Marshal of a
	// RawMessage would scan each transaction's bytes once more).
	out := append(make([]byte, 0, 1024), `{"s":`...)
	out = strconv.AppendUint(out, uint64(r.State), 10)
	for _, p := range []struct {
		key string
		src *iso8583.Transaction
	}{{`,"t":`, r.Txn}, {`,"r":`, r.Rev}} {
		if p.src == nil {
			continue
		}
		b, err := stored(p.src).MarshalStorage()
		if err != nil {
			return nil, err
		}
		out = append(append(out, p.key...), b...)
	}
	if r.Orig != 0 {
		out = strconv.AppendUint(append(out, `,"o":`...), r.Orig, 10)
	}
	return append(out, '}'), nil
}

func decodeRecord(id uint64, b []byte) (*txnRecord, error) {
	var r txnRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%w: transaction record %016x: %w", ErrCorrupt, id, err)
	}
	switch {
	case r.State == StateApproved && r.Txn == nil,
		r.pending() && r.Rev == nil,
		r.State < StatePrepared || r.State > StateReversing:
		return nil, fmt.Errorf("%w: transaction record %016x: state %v without its transaction", ErrCorrupt, id, r.State)
	}
	return &r, nil
}

// TxnRecord is one transaction record as the terminal holds it.
type TxnRecord struct {
	ID    uint64
	State TxnState
	// Txn is the approved transaction (StateApproved), Reversal the
	// reversal to be sent (StatePrepared, StateReversing).
	Txn, Reversal *iso8583.Transaction
	// Completes is, for a completion, the ID of the pre-authorisation's
	// record (0 otherwise).
	Completes uint64
}

// Records returns the terminal's transaction records, oldest first: what
// a receipt reprint, an operator's "pending reversals" screen or a cash
// register's recovery reads.
func (c *Client) Records() ([]TxnRecord, error) {
	var out []TxnRecord
	for _, e := range c.cfg.Journal.Entries() {
		r, err := decodeRecord(e.ID, e.Payload)
		if err != nil {
			return nil, err
		}
		out = append(out, TxnRecord{ID: e.ID, State: r.State, Txn: r.Txn, Reversal: r.Rev, Completes: r.Orig})
	}
	return out, nil
}

func (c *Client) putRecord(id uint64, r txnRecord) error {
	b, err := encodeRecord(r)
	if err != nil {
		return err
	}
	if err := c.cfg.Journal.Put(id, b); err != nil {
		c.rescan()
		return err
	}
	c.stateMu.Lock()
	if c.pendingIDs == nil {
		c.pendingIDs = make(map[uint64]struct{})
	}
	if r.pending() {
		c.pendingIDs[id] = struct{}{}
	} else {
		delete(c.pendingIDs, id)
	}
	c.stateMu.Unlock()
	return nil
}

// deleteRecord removes a record from the journal.
func (c *Client) deleteRecord(id uint64) error {
	if err := c.cfg.Journal.Delete(id); err != nil {
		c.rescan()
		return err
	}
	c.stateMu.Lock()
	delete(c.pendingIDs, id)
	c.stateMu.Unlock()
	return nil
}

func (c *Client) rescan() {
	c.stateMu.Lock()
	c.scanned = false
	c.stateMu.Unlock()
}

// pendingRecords returns the IDs of the records that owe a reversal,
// oldest first.
func (c *Client) pendingRecords() ([]uint64, error) {
	c.stateMu.Lock()
	defer c.stateMu.Unlock()
	if !c.scanned {
		c.pendingIDs = make(map[uint64]struct{})
		for _, e := range c.cfg.Journal.Entries() {
			r, err := decodeRecord(e.ID, e.Payload)
			if err != nil {
				return nil, err
			}
			if r.pending() {
				c.pendingIDs[e.ID] = struct{}{}
			}
		}
		c.scanned = true
	}
	ids := make([]uint64, 0, len(c.pendingIDs))
	for id := range c.pendingIDs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids, nil
}

func (c *Client) record(id uint64) (*txnRecord, bool, error) {
	b, ok := c.cfg.Journal.Get(id)
	if !ok {
		return nil, false, nil
	}
	r, err := decodeRecord(id, b)
	return r, err == nil, err
}

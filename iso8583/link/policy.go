package link

import (
	"errors"
	"slices"

	"github.com/possdk/pos/iso8583"
)

// ErrLocked reports a journal or counter file that another process (or
// another open in this one) already holds: two writers would lose records
// and issue the same STAN twice.
var ErrLocked = errors.New("link: file is locked by another opener")

// ErrReversalRefused reports a 0410 that does not finish a reversal: its
// response code is not one of ResponsePolicy.ReversalDone, or it did not
// carry a verified MAC. The reversal stays pending.
var ErrReversalRefused = errors.New("link: reversal not acknowledged")

// ResponsePolicy is the terminal's table of what a host answer means for
// the money. The defaults follow UnionPay POS practice:
//
//	what happened                                        what the terminal does
//	---------------------------------------------------  -------------------------------------------
//	request sent, no response within Config.Timeout      reversal, reason 98; connection closed and redialled
//	response MAC does not verify                         reversal, reason A0
//	response amount differs (not a partial approval)     reversal, reason 06
//	partial approval (PartialApproval, default 10) for   approved for the response's amount; the batch
//	  0 < amount ≤ requested                               and any later reversal use that amount
//	approved, then the card declines (Client.Reverse)    reversal, reason 06
//	0410 with a verified MAC and a code in ReversalDone  reversal finished (00 reversed; 12, 25 nothing to undo)
//	any other 0410 (96, 91, A0, no MAC …)                reversal stays pending, sent again with backoff
//
// A reversal record is written and synced before the request leaves, so
// every crash point has one meaning (see the package documentation).
type ResponsePolicy struct {
	// ReversalDone lists the response codes of a MAC-verified 0410 that
	// finish a reversal (default 00, 12, 25).
	ReversalDone []iso8583.ResponseCode
	// PartialApproval is the response code of a partial approval
	// (default 10).
	PartialApproval iso8583.ResponseCode
}

// DefaultResponsePolicy returns the UnionPay defaults.
func DefaultResponsePolicy() ResponsePolicy {
	return ResponsePolicy{ReversalDone: []iso8583.ResponseCode{"00", "12", "25"}, PartialApproval: "10"}
}

func (p ResponsePolicy) withDefaults() ResponsePolicy {
	d := DefaultResponsePolicy()
	if len(p.ReversalDone) == 0 {
		p.ReversalDone = d.ReversalDone
	}
	if p.PartialApproval == "" {
		p.PartialApproval = d.PartialApproval
	}
	return p
}

// reversalDone reports whether the 0410 resp finishes a reversal.
func (p ResponsePolicy) reversalDone(resp *iso8583.Transaction) bool {
	return resp.MACVerified && slices.Contains(p.ReversalDone, resp.ResponseCode)
}

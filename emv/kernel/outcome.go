package kernel

import (
	"context"
	"errors"
	"time"

	"github.com/possdk/pos/reader"
)

// OutcomeKind is an outcome of EMV Contactless Book A §6.2 (Outcome
// Parameter Set, "Status"), used for the contact kernel too.
type OutcomeKind uint8

// Outcome kinds.
const (
	OutcomeApproved OutcomeKind = iota + 1
	OutcomeDeclined
	// OutcomeOnlineRequest: send Step.Online to the host and call
	// Session.Resume with the answer (nil: unable to go online).
	OutcomeOnlineRequest
	OutcomeTryAnotherInterface
	OutcomeTryAgain
	OutcomeEndApplication
	// OutcomeSelectNext: the kernel removed the application from the
	// candidate list (Book B §3.4.2). The contact kernel does this itself
	// (Book 3 §10.1, GPO 6985), so it is only seen from an Entry Point
	// that delegates selection.
	OutcomeSelectNext
)

// ErrSelectNext is returned by a contactless kernel (wrapped) for the
// Select Next outcome: the Entry Point removes the combination from the
// candidate list and selects again (Book B §3.4.2). It reaches the caller
// only from a kernel run outside the Entry Point.
var ErrSelectNext = errors.New("kernel: select next")

func (o OutcomeKind) String() string {
	switch o {
	case OutcomeApproved:
		return "approved"
	case OutcomeDeclined:
		return "declined"
	case OutcomeOnlineRequest:
		return "online request"
	case OutcomeTryAnotherInterface:
		return "try another interface"
	case OutcomeTryAgain:
		return "try again"
	case OutcomeEndApplication:
		return "end application"
	case OutcomeSelectNext:
		return "select next"
	}
	return "none"
}

// MessageID is a user-interface message identifier (Book 4 §11.2 standard
// messages 01-13; Book A §7.1 for the contactless ones from 17).
type MessageID uint8

// Message identifiers the kernel asks for.
const (
	MsgApproved                    MessageID = 0x03
	MsgDeclined                    MessageID = 0x07 // "Declined" (Book A: "Not Authorised")
	MsgPleaseWait                  MessageID = 0x0E
	MsgProcessingError             MessageID = 0x0F
	MsgRemoveCard                  MessageID = 0x10
	MsgTryAgain                    MessageID = 0x13
	MsgCardReadOK                  MessageID = 0x17
	MsgApprovedPleaseSign          MessageID = 0x1A
	MsgAuthorisingPleaseWait       MessageID = 0x1B
	MsgInsertSwipeOrTryAnotherCard MessageID = 0x1C
	MsgPresentCardAgain            MessageID = 0x21
)

// DefaultHoldTime is how long an outcome's message stays up unless the
// caller configures otherwise (Book C-2 Message Hold Time default,
// 13 × 100 ms).
const DefaultHoldTime = 1300 * time.Millisecond

// UIRequest asks the terminal to show a message (Book A §6.3).
type UIRequest struct {
	Message  MessageID
	HoldTime time.Duration
}

// Step is what one call of the outcome API returns: the outcome, what to
// show, what to do next, and the transaction's state so far.
type Step struct {
	Outcome OutcomeKind
	UI      UIRequest
	// Online is the authorisation request when Outcome is
	// OutcomeOnlineRequest.
	Online *OnlineRequest
	// ReversalRequired: the host approved and the transaction did not
	// complete (send a reversal). AdviceRequired: the card asked for an
	// advice (CID b4, Book 3 §6.5.5.4).
	ReversalRequired bool
	AdviceRequired   bool
	// Result is the final result once the transaction has ended (any
	// outcome but OnlineRequest); during an online request it is nil.
	Result *Result
	Err    error
}

// ErrSession is wrapped when a Session is resumed out of turn.
var ErrSession = errors.New("kernel: session")

// Session is one transaction run through the outcome API. The kernel does
// not call the host: at the online step the transaction stops with an
// Online Request, and Resume carries on with the host's answer. A Session
// is not safe for concurrent use. After an Online Request the caller must
// call Resume or Abort (or cancel the context given to Start): until then
// the transaction waits, holding the card.
type Session struct {
	req     chan *OnlineRequest
	resp    chan *OnlineResponse
	done    chan *Result
	waiting bool
	ended   bool
	cancel  context.CancelFunc
}

// StartContact starts a contact transaction (EMV Books 3-4) and returns
// at its first outcome: final, or an Online Request to Resume.
func (k *Kernel) StartContact(ctx context.Context, card Card, tx Transaction) (*Session, Step) {
	return k.start(ctx, func(ctx context.Context, h Hooks) (*Result, error) { return k.runContact(ctx, card, tx, h) })
}

// StartContactless starts a contactless transaction as StartContact does.
func (k *Kernel) StartContactless(ctx context.Context, card Card, tx Transaction) (*Session, Step) {
	return k.start(ctx, func(ctx context.Context, h Hooks) (*Result, error) { return k.runContactless(ctx, card, tx, h) })
}

func (k *Kernel) start(ctx context.Context, run func(context.Context, Hooks) (*Result, error)) (*Session, Step) {
	ctx, cancel := context.WithCancel(ctx)
	s := &Session{req: make(chan *OnlineRequest), resp: make(chan *OnlineResponse), done: make(chan *Result, 1), cancel: cancel}
	// The session's Online hook hands the request to the caller; the
	// kernel itself is shared, not copied.
	hooks := k.hooks
	hooks.Online = s.online
	go func() {
		res, err := run(ctx, hooks)
		if res == nil {
			res = &Result{Outcome: Failed, Err: err}
		}
		s.done <- res
	}()
	return s, s.next()
}

// online is the kernel's Online hook inside a Session: it hands the
// request to the caller and waits for Resume.
func (s *Session) online(ctx context.Context, req *OnlineRequest) (*OnlineResponse, error) {
	select {
	case s.req <- req:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case resp := <-s.resp:
		if resp == nil {
			return nil, ErrOffline
		}
		return resp, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *Session) next() Step {
	select {
	case req := <-s.req:
		s.waiting = true
		return Step{Outcome: OutcomeOnlineRequest, Online: req,
			UI: UIRequest{Message: MsgAuthorisingPleaseWait}}
	case res := <-s.done:
		s.ended = true
		s.cancel()
		return stepOf(res)
	}
}

// Resume continues a transaction stopped at an Online Request with the
// host's answer; nil means unable to go online (Book 3 §10.7: the default
// action codes decide). It returns the next outcome.
func (s *Session) Resume(resp *OnlineResponse) Step {
	if !s.waiting || s.ended {
		return Step{Outcome: OutcomeEndApplication, Err: ErrSession}
	}
	s.waiting = false
	s.resp <- resp
	return s.next()
}

// Abort ends a transaction stopped at an Online Request without an answer
// from the host (the caller gives up: the transaction ends, no second
// GENERATE AC). It returns the final step.
func (s *Session) Abort() Step {
	if s.ended {
		return Step{Outcome: OutcomeEndApplication, Err: ErrSession}
	}
	s.cancel()
	s.waiting = false
	res := <-s.done
	s.ended = true
	return stepOf(res)
}

// stepOf maps a finished Result to its outcome (Book A §6.2) and message.
func stepOf(res *Result) Step {
	st := Step{Result: res, Err: res.Err, ReversalRequired: res.ReversalRequired,
		AdviceRequired: res.CID&0x08 != 0}
	hold := UIRequest{HoldTime: DefaultHoldTime}
	switch res.Outcome {
	case Approved:
		st.Outcome, hold.Message = OutcomeApproved, MsgApproved
		if res.SignatureNeeded {
			hold.Message = MsgApprovedPleaseSign
		}
	case Declined, OnlineDeclined:
		st.Outcome, hold.Message = OutcomeDeclined, MsgDeclined
	default:
		switch {
		case errors.Is(res.Err, ErrSeePhone):
			// Book C-2: the phone asks for its own cardholder
			// verification; tap again after it (Book A "See Phone").
			st.Outcome, hold.Message = OutcomeTryAgain, MsgSeePhone
		case errors.Is(res.Err, ErrTryAnother):
			st.Outcome, hold.Message = OutcomeTryAnotherInterface, MsgInsertSwipeOrTryAnotherCard
		case errors.Is(res.Err, ErrOtherCard):
			st.Outcome, hold.Message = OutcomeEndApplication, MsgInsertSwipeOrTryAnotherCard
		case errors.Is(res.Err, ErrSelectNext):
			st.Outcome = OutcomeSelectNext
		case res.Contactless && (errors.Is(res.Err, reader.ErrCardRemoved) || errors.Is(res.Err, reader.ErrCardMute)):
			// Book A §6.2: a contactless communication error before the
			// outcome is known — present the card again.
			st.Outcome, hold.Message = OutcomeTryAgain, MsgPresentCardAgain
		default:
			st.Outcome, hold.Message = OutcomeEndApplication, MsgProcessingError
		}
	}
	st.UI = hold
	return st
}

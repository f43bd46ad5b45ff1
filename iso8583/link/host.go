package link

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/pinblock"
)

// Issuer authorises on behalf of the card issuer, behind the acquirer
// host: a switch connection in production, SimIssuer in tests.
type Issuer interface {
	// Authorize decides a debit, credit or inquiry. pinBlock is the PIN
	// block translated to the issuer's zone key (Host.ZPK), nil when the
	// cardholder entered no PIN.
	Authorize(ctx context.Context, t *iso8583.Transaction, pinBlock []byte) (iso8583.ResponseCode, error)
	// Reverse undoes an approved authorisation (reversal or void).
	Reverse(ctx context.Context, t *iso8583.Transaction) error
}

// Request is what a TxnHandler sees: the verified request, the envelope
// it came in, the terminal's keys and, for a request with a PIN, the PIN
// block already translated to the issuer's zone key.
type Request struct {
	Txn      *iso8583.Transaction
	Envelope iso8583.Envelope
	Keys     TerminalKeys
	PIN      []byte
}

// TxnHandler answers one request. It returns the response (usually built
// with Txn.Response) or an error, which the Host answers with code 96.
type TxnHandler func(ctx context.Context, h *Host, req *Request) (*iso8583.Transaction, error)

// Response codes the Host itself answers with (CUP POS spec table).
const (
	RCFormatError     iso8583.ResponseCode = "30" // message format error
	RCUnknownTerminal iso8583.ResponseCode = "97" // terminal not registered (终端未登记)
	RCNotFound        iso8583.ResponseCode = "25" // original transaction not found
	RCDuplicate       iso8583.ResponseCode = "94" // duplicate transmission, different content
	RCSystemError     iso8583.ResponseCode = "96"
	RCPINFormat       iso8583.ResponseCode = "99" // PIN block format error
	RCAlreadyVoided   iso8583.ResponseCode = "12" // invalid transaction
)

// Host is an acquirer host's FrameHandler for CUP POS terminals: it
// verifies each request's MAC with the terminal's working keys, answers
// retransmissions from a duplicate cache, routes by transaction kind, and
// MACs the response. Built-in routes: sign-in (new working keys in field
// 62), sign-off, debits and inquiries (PIN translation, risk check,
// Issuer), void, refund, reversal (undoes an approved original),
// settlement (totals compared with the host's ledger) and batch upload.
// Handle replaces or adds routes. Set the fields before the first request.
type Host struct {
	// Codec gives the spec and framing (nil: CUP spec, CUP framing);
	// per-terminal MACs are added to it.
	Codec *iso8583.Codec
	// Keys holds each terminal's TMK and working keys. Required.
	Keys KeyStore
	// KeyMode is the sign-in key mode used when the request names none
	// (default keys.ModeTDES, 003).
	KeyMode keys.KeyMode
	// MAC is the field-64 algorithm (default iso8583.MACX919).
	MAC iso8583.MACAlgorithm
	// PINFormat is the format of terminals' PIN blocks (default ISO
	// 9564 format 0, CUP's "ANSI X9.8 with PAN").
	PINFormat pinblock.Format
	// ZPK is the issuer zone PIN key cipher PIN blocks are translated to.
	// A request with a PIN block is declined 96 when it is nil.
	ZPK *pinblock.Cipher
	// Issuer authorises. Required for financial requests.
	Issuer Issuer
	// Risk runs before debits are authorised (nil: none).
	Risk RiskCheck
	// AcquirerID goes in field 32 of responses ("" leaves it out).
	AcquirerID string
	// DuplicateCache is the number of recent requests remembered for
	// duplicate detection (default 65536). Beyond it, the ledger still
	// answers a retransmitted financial request from its record.
	DuplicateCache int
	// RequestTimeout bounds each request's handling, issuer call included
	// (default 30 s); a request past it is answered 96.
	RequestTimeout time.Duration
	// Rand is the source for working keys (default crypto/rand).
	Rand io.Reader
	// Now returns the time (default time.Now).
	Now func() time.Time
	// Logger (default slog.Default()).
	Logger *slog.Logger

	once     sync.Once
	base     *iso8583.Codec
	dup      *dupCache
	ledger   *ledger
	seq      atomic.Uint64
	sessions sync.Map // terminal ID -> *session
	routes   map[iso8583.Kind]TxnHandler
	routeMu  sync.RWMutex
}

// session holds what the host derives from a terminal's working keys,
// built once per key set.
type session struct {
	w     *keys.WorkingKeys
	codec *iso8583.Codec
	mac   iso8583.MAC // nil before the terminal's first sign-in
	pik   *pinblock.Cipher
}

func (h *Host) init() {
	h.once.Do(func() {
		h.base = h.Codec
		if h.base == nil {
			h.base = iso8583.NewCodec(nil, iso8583.Framing{})
		}
		h.dup = newDupCache(h.DuplicateCache)
		h.ledger = newLedger()
		h.routeMu.Lock()
		if h.routes == nil {
			h.routes = make(map[iso8583.Kind]TxnHandler)
		}
		for k, f := range builtinRoutes {
			if _, ok := h.routes[k]; !ok {
				h.routes[k] = f
			}
		}
		h.routeMu.Unlock()
	})
}

// Handle sets the handler for a transaction kind, replacing the built-in
// one.
func (h *Host) Handle(k iso8583.Kind, f TxnHandler) {
	h.routeMu.Lock()
	defer h.routeMu.Unlock()
	if h.routes == nil {
		h.routes = make(map[iso8583.Kind]TxnHandler)
	}
	h.routes[k] = f
}

func (h *Host) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Host) rand() io.Reader {
	if h.Rand != nil {
		return h.Rand
	}
	return rand.Reader
}

func (h *Host) logger() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.Default()
}

// session returns the terminal's keys and derived ciphers.
func (h *Host) session(tid string) (TerminalKeys, *session, error) {
	tk, err := h.Keys.Terminal(tid)
	if err != nil {
		return tk, nil, err
	}
	if v, ok := h.sessions.Load(tid); ok {
		if s := v.(*session); s.w == tk.Working {
			return tk, s, nil
		}
	}
	s := &session{w: tk.Working, codec: h.base}
	if tk.Working != nil {
		alg := h.MAC
		if alg == 0 {
			alg = iso8583.MACX919
		}
		mac, err := iso8583.NewMAC(alg, tk.Working.MAC)
		if err != nil {
			return tk, nil, err
		}
		s.codec, s.mac = h.base.WithMAC(mac), mac
		if tk.Working.PIN != nil {
			if s.pik, err = pinblock.NewCipher(tk.Working.PIN, h.PINFormat, h.rand()); err != nil {
				return tk, nil, err
			}
		}
	}
	h.sessions.Store(tid, s)
	return tk, s, nil
}

// ident is what the host can read from a request before verifying it,
// enough to address an error response.
type ident struct {
	mti, tid, mid string
	stan          uint32
}

func scanIdent(spec *iso8583.Spec, body []byte) (ident, error) {
	var id ident
	sc := iso8583.NewMessageScanner(spec, body)
	get := func(n int) (string, error) {
		f, err := sc.ScanField(n)
		if err != nil {
			return "", err
		}
		return f.String()
	}
	var err error
	if id.mti, err = get(0); err != nil || len(id.mti) != 4 {
		return id, fmt.Errorf("%w: MTI", iso8583.ErrUnpack)
	}
	s, err := get(11)
	if err != nil {
		return id, fmt.Errorf("%w: field 11: %w", iso8583.ErrUnpack, err)
	}
	stan, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return id, fmt.Errorf("%w: field 11 is not numeric", iso8583.ErrUnpack)
	}
	id.stan = uint32(stan)
	if id.tid, err = get(41); err != nil {
		return id, fmt.Errorf("%w: field 41: %w", iso8583.ErrUnpack, err)
	}
	id.tid = strings.TrimRight(id.tid, " ")
	id.mid, _ = get(42)
	return id, nil
}

// ServeFrame implements FrameHandler. It does not keep frame.
func (h *Host) ServeFrame(ctx context.Context, frame []byte) []byte {
	h.init()
	env, body, err := h.base.Unframe(frame)
	if err != nil {
		h.logger().Warn("link: host: bad frame", "err", err)
		return nil
	}
	// One unpack: the codec reads field 41 and asks for that terminal's
	// MAK before verifying field 64.
	var (
		tk        TerminalKeys
		sess      *session
		lookupErr error
	)
	req, err := h.base.UnpackTransactionFor(body, func(tid string) (iso8583.MAC, error) {
		tk, sess, lookupErr = h.session(tid)
		if lookupErr != nil {
			return nil, lookupErr
		}
		return sess.mac, nil
	})
	if err != nil {
		return h.reject(env, body, lookupErr, err)
	}
	if req.IsResponse() {
		return nil // a response sent to the host: nobody to answer
	}
	id := ident{mti: req.MTI, tid: strings.TrimRight(req.TerminalID, " "), mid: req.MerchantID, stan: req.STAN}

	dk := dupKey{tid: id.tid, batch: batchOf(req), stan: id.stan, mti: id.mti}
	mab := body
	if req.Kind.RequiresMAC() && len(mab) >= iso8583.MACSize {
		// A retransmission after a new sign-in carries a different MAC
		// over the same content.
		mab = mab[:len(mab)-iso8583.MACSize]
	}
	fp := sha256.Sum256(mab)
	entry, fresh := h.dup.begin(dk, fp)
	if !fresh {
		select {
		case <-entry.done:
		case <-ctx.Done():
			return nil
		}
		if entry.fp != fp {
			return h.errorResponse(env, id, RCDuplicate)
		}
		if entry.resp == nil {
			return nil
		}
		// The same answer, MACed under the terminal's current keys.
		out, err := sess.codec.Pack(env.Reply(), entry.resp)
		if err != nil {
			h.logger().Error("link: host: packing a repeated response", "txn", entry.resp, "err", err)
			return nil
		}
		return out
	}
	out, resp := h.answer(ctx, env, tk, sess, req)
	if req.Kind == iso8583.KindSignIn {
		// A sign-in answer carries new working keys: never replayed.
		resp = nil
	}
	h.dup.finish(dk, entry, resp)
	return out
}

// reject answers a request that did not unpack, whose terminal has no
// keys (lookupErr), or whose MAC failed. The fields needed to address the
// answer are scanned from the raw body, which only this rare path pays for.
func (h *Host) reject(env iso8583.Envelope, body []byte, lookupErr, err error) []byte {
	id, serr := scanIdent(h.base.Spec(), body)
	if serr != nil || len(id.mti) != 4 || (id.mti[2]-'0')%2 == 1 {
		// Without terminal and STAN there is nobody to answer.
		h.logger().Warn("link: host: unreadable request", "err", err)
		return nil
	}
	rc := RCFormatError
	switch {
	case errors.Is(lookupErr, ErrUnknownTerminal):
		rc = RCUnknownTerminal
	case lookupErr != nil:
		rc = RCSystemError
	case errors.Is(err, iso8583.ErrMAC):
		rc = iso8583.ReasonMACError
	}
	if lookupErr != nil {
		h.logger().Warn("link: host: terminal keys", "tid", id.tid, "err", lookupErr)
	} else {
		h.logger().Warn("link: host: request rejected", "tid", id.tid, "stan", id.stan, "err", err)
	}
	return h.errorResponse(env, id, rc)
}

// answer routes a verified, new request and packs the response.
func (h *Host) answer(ctx context.Context, env iso8583.Envelope, tk TerminalKeys, sess *session, t *iso8583.Transaction) (out []byte, answered *iso8583.Transaction) {
	r := &Request{Txn: t, Envelope: env, Keys: tk}
	// Every request has a deadline, so a hung issuer cannot hold up the
	// terminal's retransmissions and reversals for ever.
	timeout := h.RequestTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	defer func() {
		// A panicking handler answers 96 and is logged; the host lives on.
		if p := recover(); p != nil {
			h.logger().Error("link: host: handler panicked", "terminal", t.TerminalID, "stan", t.STAN, "kind", t.Kind.String(), "panic", fmt.Sprint(p))
			resp, err := t.Response(RCSystemError)
			if err != nil {
				out, answered = nil, nil
				return
			}
			h.stamp(resp)
			if b, err := sess.codec.Pack(env.Reply(), resp); err == nil {
				out, answered = b, resp
			}
		}
	}()
	h.routeMu.RLock()
	f := h.routes[t.Kind]
	h.routeMu.RUnlock()
	var resp *iso8583.Transaction
	var err error
	switch {
	case f == nil:
		resp, err = t.Response(RCFormatError)
	case len(t.PINBlock) > 0:
		rc := h.translatePIN(sess, r)
		if rc != iso8583.Approved {
			resp, err = t.Response(rc)
			break
		}
		resp, err = f(ctx, h, r)
	default:
		resp, err = f(ctx, h, r)
	}
	if err != nil {
		h.logger().Error("link: host: handler failed", "txn", t, "err", err)
		if resp, err = t.Response(RCSystemError); err != nil {
			return nil, nil
		}
	}
	h.stamp(resp)
	// A sign-in response goes under the keys the request came with: the
	// terminal has not got the new ones yet.
	out, err = sess.codec.Pack(env.Reply(), resp)
	if err != nil {
		h.logger().Error("link: host: packing response", "txn", resp, "err", err)
		return nil, nil
	}
	return out, resp
}

// translatePIN moves the request's PIN block from the terminal's PIK to
// the issuer's ZPK (pinblock.Translate: the clear PIN never leaves it).
func (h *Host) translatePIN(sess *session, r *Request) iso8583.ResponseCode {
	if sess.pik == nil || h.ZPK == nil {
		return RCSystemError
	}
	pan := string(cardOf(r.Txn))
	out, err := pinblock.Translate(nil, r.Txn.PINBlock, pan, sess.pik, h.ZPK)
	if err != nil {
		h.logger().Warn("link: host: PIN translation", "tid", r.Txn.TerminalID, "stan", r.Txn.STAN, "err", err)
		return RCPINFormat
	}
	r.PIN = out
	return iso8583.Approved
}

// stamp sets what the host assigns in every response: time and date,
// settlement date, acquirer, retrieval reference number.
func (h *Host) stamp(resp *iso8583.Transaction) {
	now := h.now()
	if resp.LocalTime == "" {
		resp.LocalTime = now.Format("150405")
	}
	if resp.LocalDate == "" {
		resp.LocalDate = now.Format("0102")
	}
	if resp.Kind.Financial() || resp.Kind == iso8583.KindReversal {
		if resp.SettlementDate == "" {
			resp.SettlementDate = now.Format("0102")
		}
		if resp.RRN == "" {
			resp.RRN = fmt.Sprintf("%s%06d", now.Format("150405"), h.seq.Add(1)%1000000)
		}
	}
	if h.AcquirerID != "" && resp.AcquirerID == "" {
		resp.AcquirerID = h.AcquirerID
	}
}

// errorResponse answers a request that could not be verified or read in
// full, from the fields scanned before field 42. It carries no MAC.
func (h *Host) errorResponse(env iso8583.Envelope, id ident, rc iso8583.ResponseCode) []byte {
	mti := id.mti[:2] + string(id.mti[2]+1) + id.mti[3:]
	t := &iso8583.Transaction{MTI: mti, STAN: id.stan, TerminalID: id.tid, MerchantID: id.mid, ResponseCode: rc}
	if t.MerchantID == "" {
		t.MerchantID = strings.Repeat(" ", 15)
	}
	out, err := h.base.Pack(env.Reply(), t)
	if err != nil {
		h.logger().Error("link: host: packing error response", "err", err)
		return nil
	}
	return out
}

// Totals returns the host's settlement totals for a terminal's batch.
func (h *Host) Totals(tid string, batch uint32) iso8583.Totals {
	h.init()
	return h.ledger.totals(tid, batch)
}

// Uploaded returns how many batch-upload detail records a terminal sent
// for a batch.
func (h *Host) Uploaded(tid string, batch uint32) int {
	h.init()
	h.ledger.mu.Lock()
	defer h.ledger.mu.Unlock()
	return h.ledger.uploaded[batchKey{tid, batch}]
}

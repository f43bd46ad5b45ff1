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
	"time"

	"github.com/possdk/pos/hsm"
	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/pinblock"
)

// Issuer authorises on behalf of the card issuer, behind the acquirer
// host: a switch connection in production, SimIssuer in tests.
//
// The host relies on two properties every issuer connection has (an 0201
// repeat and an 0401 repeat are answered from the issuer's record): a
// repeated Authorize of the same terminal, batch and STAN gets the first
// answer and moves no money again, and Reverse is idempotent and may come
// before the authorisation it undoes (which is then declined). A host that
// died during a request leaves it to another host to repeat it.
type Issuer interface {
	// Authorize decides a debit, credit, inquiry, void (field 61 names
	// the authorisation it cancels) or completion (field 61 names the
	// pre-authorisation it releases). pinBlock is the PIN block
	// translated to the issuer's zone key (HostConfig.ZPK), nil when the
	// cardholder entered no PIN.
	Authorize(ctx context.Context, t *iso8583.Transaction, pinBlock []byte) (IssuerResult, error)
	// Reverse undoes an authorisation (a reversal): the terminal, batch
	// and STAN of t name it. Reversing a void reinstates what it
	// cancelled; reversing a completion restores the hold. An error
	// means nothing was undone.
	Reverse(ctx context.Context, t *iso8583.Transaction) error
}

// IssuerResult is the issuer's answer to an authorisation.
type IssuerResult struct {
	RC iso8583.ResponseCode
	// AuthCode is field 38 ("": the host assigns one to an approval).
	AuthCode string
	// Balance is field 54 (balances, e.g. for a balance inquiry).
	Balance string
	// ICC is field 55 of the response: issuer authentication data (tag
	// 91, the ARPC) and issuer scripts (71, 72) for a chip card.
	ICC []byte
}

// Request is what a TxnHandler sees: the verified request, the envelope
// it came in, the terminal's keys (as key blocks; in clear too when the
// host runs over a KeyStore) and, for a request with a PIN, the PIN block
// already translated to the issuer's zone key.
type Request struct {
	Txn       *iso8583.Transaction
	Envelope  iso8583.Envelope
	KeyBlocks TerminalKeyBlocks
	// Keys are the clear keys of a host with Keys and no HSM; zero
	// otherwise.
	Keys TerminalKeys
	PIN  []byte

	// claim is the store record this host holds for the request (nil for
	// requests the store does not record: network management).
	claim *claim
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
	RCInvalidCard     iso8583.ResponseCode = "14" // invalid card number (not the original's card)
	RCInvalidAmount   iso8583.ResponseCode = "13" // invalid amount (refunds beyond the original)
	RCWrongAmount     iso8583.ResponseCode = "64" // original amount incorrect
	RCDoNotHonour     iso8583.ResponseCode = "05" // do not honour (a replayed cryptogram)
)

// Host is an acquirer host's FrameHandler for CUP POS terminals: it
// verifies each request's MAC with the terminal's working keys, answers
// retransmissions from its Store, routes by transaction kind, and MACs the
// response. Built-in routes: sign-in (new working keys in field 62),
// sign-off, debits and inquiries (PIN translation, risk check, Issuer),
// void, refund, completion, reversal, settlement (totals compared with the
// store's and the batch archived) and batch upload. Handle replaces or
// adds routes. Build one with NewHost.
//
// The host's cryptography goes through an HSM (package hsm): sign-in keys
// are generated under the terminal's TMK by the HSM, MACs are generated
// and verified by it, PIN blocks are translated by it; the host holds key
// blocks, never clear keys. A host configured the older way, with a
// KeyStore of clear keys, runs a software HSM over it (KeyStoreHSM).
//
// A Host holds nothing that matters beyond its Store and key store:
// several Host instances (processes, machines) sharing one Store and key
// store serve the same terminals, and a host that restarts or dies loses
// nothing (a request it was working on is taken over by the next host
// that sees it, after Lease).
type Host struct {
	cfg HostConfig

	hsm       hsm.HSM
	terminals TerminalKeyStore
	legacy    *KeyStoreHSM // the host runs over Keys
	macAlg    hsm.MACAlgorithm
	base      *iso8583.Codec
	store     Store
	owner     string
	cardKey   []byte
	metrics   HostMetrics
	sessions  sync.Map // terminal ID -> *session
	locks     lockout
	signIns   lockout
	routes    map[iso8583.Kind]TxnHandler
	routeMu   sync.RWMutex
}

// HostConfig configures a Host (see NewHost). A Host keeps its own copy;
// changing a HostConfig after NewHost changes nothing.
type HostConfig struct {
	// Codec gives the spec and framing (nil: CUP spec, CUP framing);
	// per-terminal MACs are added to it.
	Codec *iso8583.Codec
	// HSM does the host's cryptography (hsm.Software, or an adapter to a
	// network HSM). With HSM, Terminals is required (unless HSM is a
	// KeyStoreHSM) and Keys must be nil.
	HSM hsm.HSM
	// Terminals holds each terminal's TMK and working keys as key blocks
	// under the HSM's LMK.
	Terminals TerminalKeyStore
	// ZoneKey is the issuer zone PIN key (class hsm.PINKey) PIN blocks
	// are translated to, in ZoneFormat (default ISO 9564 format 0). A
	// request with a PIN block is declined 96 when neither ZoneKey nor,
	// for a host over Keys, ZPK is set.
	ZoneKey    hsm.KeyBlock
	ZoneFormat pinblock.Format
	// BDK finds the base derivation key (a key block of class
	// hsm.BaseDerivationKey) of a DUKPT PIN pad's key serial number, for
	// requests whose PIN block arrives with a KSN (Transaction.KSN, in the
	// field iso8583.WithKSNField gave Codec's spec). How a KSN splits into
	// key set ID, device and counter is the acquirer's, so it is a
	// function. Such a block is translated from the BDK-derived PIN key
	// (ISO 9564 format 0) to ZoneKey, which BDK requires. A KSN with no
	// BDK, or at a host without BDK, is answered RCSystemError without
	// reaching the issuer, as is every PIN key the host cannot find.
	BDK func(ksn []byte) (hsm.KeyBlock, bool)
	// Keys holds each terminal's TMK and working keys in clear: the
	// configuration before HSM. Without HSM, the host runs a KeyStoreHSM
	// over it (keys in process memory).
	Keys KeyStore
	// Store holds the transactions (nil: a MemoryStore of this process).
	Store Store
	// ID names this host instance as the owner of the requests it works
	// on (default: random).
	ID string
	// CardKey keys the hash the store keeps instead of PANs (HMAC-SHA-256).
	// Hosts sharing a Store must share it; nil: random per process, which
	// only suits a MemoryStore.
	CardKey []byte
	// KeyMode is the sign-in key mode used when the request names none
	// (default keys.ModeTDES, 003).
	KeyMode keys.KeyMode
	// MAC is the field-64 algorithm (default iso8583.MACX919).
	MAC iso8583.MACAlgorithm
	// PINFormat is the format of terminals' PIN blocks (default ISO
	// 9564 format 0, CUP's "ANSI X9.8 with PAN").
	PINFormat pinblock.Format
	// ZPK is the clear issuer zone PIN key cipher PIN blocks are
	// translated to by a host over Keys when ZoneKey is not set.
	ZPK *pinblock.Cipher
	// Issuer authorises. Required for financial requests.
	Issuer Issuer
	// Risk runs before debits are authorised (nil: none).
	Risk RiskCheck
	// AcquirerID goes in field 32 of responses ("" leaves it out).
	AcquirerID string
	// RequestTimeout bounds each request's handling, issuer call included
	// (default 30 s); a request past it is answered 96.
	RequestTimeout time.Duration
	// Lease is how long another host waits before taking over a request
	// whose host went silent (default 2 × RequestTimeout). Hosts sharing
	// a store need clocks in step (NTP) to well within it.
	Lease time.Duration
	// CompletionTolerance is how far, in percent, a pre-authorisation
	// completion may exceed the hold (default 15: UnionPay's 115% rule;
	// negative: not at all).
	CompletionTolerance int
	// AllowATCReplay turns off the refusal (05) of a chip request whose
	// ATC (9F36) is not above the last one the card used: a replayed or
	// cloned cryptogram.
	AllowATCReplay bool
	// Metrics receives the host's measurements (nil: none). See
	// package link/hostmetrics for Prometheus.
	Metrics HostMetrics
	// MACFailureLimit locks out a terminal or a source address after
	// this many requests that fail their MAC (or, for an address, name
	// unregistered terminals) within LockoutWindow, for LockoutDuration
	// (defaults DefaultMACFailureLimit, DefaultLockoutWindow,
	// DefaultLockoutDuration; negative: no lock-out). A locked-out address
	// gets no answers at all; for a locked-out terminal, requests that
	// fail their MAC go unanswered (no oracle) while requests with a good
	// MAC are still served, so an attacker cannot lock a real terminal
	// out. Each lock-out raises Alarm and an Error log.
	MACFailureLimit int
	LockoutWindow   time.Duration
	LockoutDuration time.Duration
	// Alarm, if set, receives security alarms (lock-outs, sign-in
	// floods), synchronously.
	Alarm func(HostAlarm)
	// SignInLimit is how many sign-ins a terminal may make per minute
	// (default 30; negative: no limit). Beyond it sign-ins go unanswered
	// for a minute and an alarm is raised.
	SignInLimit int
	// Rand is the source of the PIN blocks' random fill on the clear-ZPK
	// path (default crypto/rand); working keys come from the HSM's.
	Rand io.Reader
	// Now returns the time (default time.Now).
	Now func() time.Time
	// Logger (default slog.Default()) gets an operator line per request.
	Logger *slog.Logger
}

// session holds what the host derives from a terminal's working keys,
// built once per key set.
type session struct {
	w     *hsm.WorkingKeys
	codec *iso8583.Codec
	mac   iso8583.MAC      // nil before the terminal's first sign-in
	pik   *pinblock.Cipher // the clear PIK (host over Keys with a clear ZPK only)
}

// NewHost checks cfg and builds the host. It needs HSM (with Terminals,
// unless the HSM is a KeyStoreHSM, which holds the terminals' keys
// itself) or Keys, not both. Issuer may be nil for a host that serves
// only sign-ins and settlement: financial requests are then answered 96.
// Every error wraps ErrConfig and names the field.
func NewHost(cfg HostConfig) (*Host, error) {
	h := &Host{cfg: cfg, hsm: cfg.HSM, terminals: cfg.Terminals}
	switch {
	case cfg.HSM != nil && cfg.Keys != nil:
		return nil, fmt.Errorf("%w: HostConfig.Keys with HostConfig.HSM (the HSM's Terminals hold the keys)", ErrConfig)
	case cfg.HSM != nil && cfg.Terminals == nil:
		ks, ok := cfg.HSM.(*KeyStoreHSM)
		if !ok {
			return nil, fmt.Errorf("%w: HostConfig.HSM without HostConfig.Terminals", ErrConfig)
		}
		h.terminals, h.legacy = ks, ks
	case cfg.HSM == nil && cfg.Keys != nil:
		ks, err := NewKeyStoreHSM(cfg.Keys, nil)
		if err != nil {
			return nil, fmt.Errorf("%w: HostConfig.Keys: %w", ErrConfig, err)
		}
		h.hsm, h.legacy = ks, ks
		if h.terminals == nil {
			h.terminals = ks
		}
	case cfg.HSM == nil:
		return nil, fmt.Errorf("%w: HostConfig has neither HSM nor Keys", ErrConfig)
	default:
		if ks, ok := cfg.HSM.(*KeyStoreHSM); ok && cfg.Terminals == TerminalKeyStore(ks) {
			h.legacy = ks
		}
	}
	switch {
	case cfg.RequestTimeout < 0:
		return nil, fmt.Errorf("%w: HostConfig.RequestTimeout %v is negative", ErrConfig, cfg.RequestTimeout)
	case cfg.Lease < 0:
		return nil, fmt.Errorf("%w: HostConfig.Lease %v is negative", ErrConfig, cfg.Lease)
	case cfg.CardKey != nil && len(cfg.CardKey) < 16:
		return nil, fmt.Errorf("%w: HostConfig.CardKey has %d bytes, want at least 16", ErrConfig, len(cfg.CardKey))
	case cfg.BDK != nil && cfg.ZoneKey == "":
		return nil, fmt.Errorf("%w: HostConfig.BDK without HostConfig.ZoneKey (DUKPT PIN blocks are translated by the HSM to the zone key)", ErrConfig)
	}
	alg := cfg.MAC
	if alg == 0 {
		alg = iso8583.MACX919
	}
	var err error
	if h.macAlg, err = hsmMACAlgorithm(alg); err != nil {
		return nil, fmt.Errorf("%w: HostConfig.MAC: %w", ErrConfig, err)
	}
	h.base = cfg.Codec
	if h.base == nil {
		h.base = iso8583.NewCodec(nil, iso8583.Framing{})
	}
	if cfg.BDK != nil && h.base.Spec().KSNField() == 0 {
		return nil, fmt.Errorf("%w: HostConfig.BDK, but HostConfig.Codec's spec has no KSN field (iso8583.WithKSNField)", ErrConfig)
	}
	h.store = cfg.Store
	if h.store == nil {
		h.store = NewMemoryStore()
	}
	h.owner = cfg.ID
	var r [16]byte
	if h.owner == "" {
		rand.Read(r[:8])
		h.owner = fmt.Sprintf("host-%x", r[:8])
	}
	h.cardKey = append([]byte(nil), cfg.CardKey...)
	if cfg.CardKey == nil {
		rand.Read(r[:])
		h.cardKey = append([]byte(nil), r[:]...)
	}
	h.metrics = cfg.Metrics
	if h.metrics == nil {
		h.metrics = noMetrics{}
	}
	h.routes = make(map[iso8583.Kind]TxnHandler, len(builtinRoutes))
	for k, f := range builtinRoutes {
		h.routes[k] = f
	}
	return h, nil
}

// Handle sets the handler for a transaction kind, replacing the built-in
// one.
func (h *Host) Handle(k iso8583.Kind, f TxnHandler) {
	h.routeMu.Lock()
	defer h.routeMu.Unlock()
	h.routes[k] = f
}

func (h *Host) now() time.Time {
	if h.cfg.Now != nil {
		return h.cfg.Now()
	}
	return time.Now()
}

func (h *Host) rand() io.Reader {
	if h.cfg.Rand != nil {
		return h.cfg.Rand
	}
	return rand.Reader
}

func (h *Host) logger() *slog.Logger {
	if h.cfg.Logger != nil {
		return h.cfg.Logger
	}
	return slog.Default()
}

func (h *Host) timeout() time.Duration {
	if h.cfg.RequestTimeout > 0 {
		return h.cfg.RequestTimeout
	}
	return 30 * time.Second
}

func (h *Host) lease() time.Duration {
	if h.cfg.Lease > 0 {
		return h.cfg.Lease
	}
	return 2 * h.timeout()
}

// session returns the terminal's keys and the codec that MACs through
// the HSM with its working MAK, built once per key set.
func (h *Host) session(tid string) (termKeys, *session, error) {
	var tk termKeys
	var err error
	if h.legacy != nil && h.terminals == TerminalKeyStore(h.legacy) {
		tk.clear, tk.TerminalKeyBlocks, err = h.legacy.terminal(tid)
	} else {
		tk.TerminalKeyBlocks, err = h.terminals.TerminalKeyBlocks(tid)
	}
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
		if s, err = h.altSession(tk.Working); err != nil {
			return tk, nil, err
		}
	}
	h.sessions.Store(tid, s)
	return tk, s, nil
}

// termKeys are a terminal's key blocks and, for a host over Keys, its
// clear keys.
type termKeys struct {
	TerminalKeyBlocks
	clear TerminalKeys
}

// altSession builds the session of a set of working keys.
func (h *Host) altSession(w *hsm.WorkingKeys) (*session, error) {
	if w.MAC == "" {
		return nil, fmt.Errorf("%w: working keys without a MAK", iso8583.ErrMAC)
	}
	mac := &hsmMAC{ts: h.hsm, key: w.MAC, alg: h.macAlg}
	s := &session{w: w, codec: h.base.WithMAC(mac), mac: mac}
	if h.cfg.ZoneKey == "" && h.cfg.ZPK != nil && h.legacy != nil {
		// The clear path of a host over Keys with a clear ZPK: the PIK
		// is in the KeyStore in clear anyway.
		if c := h.legacy.clear(w); c != nil && c.PIN != nil {
			pik, err := pinblock.NewCipher(c.PIN, h.cfg.PINFormat, h.rand())
			if err != nil {
				return nil, err
			}
			s.pik = pik
		}
	}
	return s, nil
}

// confirm tells the key store which keys the terminal uses.
func (h *Host) confirm(tid string, w *hsm.WorkingKeys) {
	tid = strings.TrimRight(tid, " ")
	if err := h.terminals.ConfirmWorkingKeyBlocks(tid, w); err != nil {
		h.logger().Warn("link: host: confirming working keys", "terminal", tid, "err", err)
	}
	h.sessions.Delete(tid)
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

// recorded reports whether the store records requests of kind k: every
// request but a sign-off. A sign-in is recorded so that a retransmitted or
// late duplicate sign-in (at any host) gets the keys already issued instead
// of replacing them behind the terminal's back.
func recorded(k iso8583.Kind) bool {
	switch k {
	case iso8583.KindSignOff:
		return false
	}
	return true
}

// ServeFrame implements FrameHandler. It does not keep frame.
func (h *Host) ServeFrame(ctx context.Context, frame []byte) []byte {
	start := time.Now()
	if h.sourceLocked(ctx) {
		return nil // locked out: no answers to probe with
	}
	env, body, err := h.base.Unframe(frame)
	if err != nil {
		h.metrics.Junk()
		h.logger().Warn("link: host: bad frame", "remote", remoteOf(ctx), "err", err)
		return nil
	}
	// One unpack: the codec reads field 41 and asks for that terminal's
	// MAK before verifying field 64.
	var (
		tk        termKeys
		sess      *session
		lookupErr error
	)
	lookup := func(tid string) (iso8583.MAC, error) {
		tk, sess, lookupErr = h.session(tid)
		if lookupErr != nil {
			return nil, lookupErr
		}
		return sess.mac, nil
	}
	req, err := h.base.UnpackTransactionFor(body, lookup)
	if errors.Is(err, iso8583.ErrMAC) {
		// Another host may have signed the terminal in since this one
		// cached its keys: reload them once.
		if r, ok := h.terminals.(interface{ Refresh(tid string) }); ok && sess != nil {
			id, _ := scanIdent(h.base.Spec(), body)
			r.Refresh(id.tid)
			h.sessions.Delete(id.tid)
			req, err = h.base.UnpackTransactionFor(body, lookup)
		}
	}
	if errors.Is(err, iso8583.ErrMAC) && lookupErr == nil {
		// The terminal may use keys of another sign-in: one still
		// unconfirmed (it finished late, or the answer it got was not the
		// last one issued) or the last confirmed ones (the last sign-in
		// was not its own, or it never got the answer).
		alts := append(append([]*hsm.WorkingKeys(nil), tk.Recent...), tk.Previous)
		for i, w := range alts {
			if w == nil {
				continue
			}
			alt, aerr := h.altSession(w)
			if aerr != nil {
				continue
			}
			r, uerr := alt.codec.UnpackTransactionFor(body, func(string) (iso8583.MAC, error) { return alt.mac, nil })
			if uerr != nil {
				continue
			}
			req, err, sess = r, nil, alt
			if i < len(tk.Recent) {
				h.confirm(r.TerminalID, w)
			} else {
				h.logger().Warn("link: host: terminal MACs with its previous working keys (a sign-in it did not make or did not complete)", "terminal", r.TerminalID, "remote", remoteOf(ctx))
			}
			break
		}
	} else if err == nil && !tk.Confirmed && tk.Working != nil && sess != nil && sess.w == tk.Working && req.Kind.RequiresMAC() {
		h.confirm(req.TerminalID, tk.Working)
	}
	if err != nil {
		return h.reject(ctx, env, body, lookupErr, err)
	}
	if req.IsResponse() {
		return nil // a response sent to the host: nobody to answer
	}
	req.TerminalID = strings.TrimRight(req.TerminalID, " ")
	if !recorded(req.Kind) {
		out, resp := h.answer(ctx, env, tk, sess, req, nil)
		h.done(req, resp, start, "")
		return out
	}
	key := TxnKey{TID: req.TerminalID, Batch: batchOf(req), STAN: req.STAN, MTI: req.MTI}
	if key.MTI == "" {
		key.MTI = req.Kind.MTI()
	}
	mab := body
	if req.Kind.RequiresMAC() && len(mab) >= iso8583.MACSize {
		// A retransmission after a new sign-in carries a different MAC
		// over the same content.
		mab = mab[:len(mab)-iso8583.MACSize]
	}
	fp := sha256.Sum256(mab)
	cl, prev, err := h.claim(ctx, key, req, fp)
	switch {
	case err != nil:
		h.metrics.StoreError("claim")
		h.logger().Error("link: host: store", "terminal", key.TID, "stan", key.STAN, "kind", req.Kind.String(), "err", err)
		return h.packAnswer(env, sess, req, Answer{RC: RCSystemError}, start, "store unavailable")
	case cl != nil:
		out, resp := h.answer(ctx, env, tk, sess, req, cl)
		h.done(req, resp, start, "")
		return out
	case prev == nil:
		return nil // the caller went away while another host worked
	case prev.State == HostTombstone && !isReversalKey(key):
		// The late original of a reversal already processed (UnionPay
		// practice: decline it; it never reaches the issuer).
		h.metrics.Duplicate()
		return h.packAnswer(env, sess, req, Answer{RC: RCAlreadyVoided}, start, "original after its reversal")
	case prev.Fingerprint != fp:
		h.metrics.Duplicate()
		return h.packAnswer(env, sess, req, Answer{RC: RCDuplicate}, start, "same terminal, batch and STAN, other content")
	default:
		// A retransmission: the same answer, MACed under the terminal's
		// current keys.
		h.metrics.Duplicate()
		return h.packAnswer(env, sess, req, prev.Answer, start, "repeated answer")
	}
}

func isReversalKey(k TxnKey) bool { return len(k.MTI) == 4 && k.MTI[:2] == "04" }

// packAnswer answers req with a recorded or host-made answer.
func (h *Host) packAnswer(env iso8583.Envelope, sess *session, req *iso8583.Transaction, a Answer, start time.Time, note string) []byte {
	resp, err := req.Response(a.RC)
	if err != nil {
		return nil
	}
	a.apply(resp)
	h.stampTime(resp)
	if h.cfg.AcquirerID != "" && resp.AcquirerID == "" {
		resp.AcquirerID = h.cfg.AcquirerID
	}
	out, err := sess.codec.Pack(env.Reply(), resp)
	if err != nil {
		h.logger().Error("link: host: packing a response", "terminal", req.TerminalID, "stan", req.STAN, "err", err)
		return nil
	}
	h.done(req, resp, start, note)
	return out
}

// apply copies a recorded answer into a response.
func (a Answer) apply(resp *iso8583.Transaction) {
	resp.ResponseCode = a.RC
	resp.AuthCode, resp.RRN = a.AuthCode, a.RRN
	resp.LocalTime, resp.LocalDate, resp.SettlementDate = a.LocalTime, a.LocalDate, a.SettlementDate
	resp.AdditionalResponse, resp.AdditionalAmounts = a.AdditionalResponse, a.AdditionalAmounts
	if a.AdditionalData != "" {
		resp.AdditionalData = a.AdditionalData
	}
	if len(a.IssuerData) > 0 {
		resp.ICC = append(iso8583.Hidden(nil), a.IssuerData...)
	}
	if len(a.Keys) > 0 {
		resp.Field62 = append(iso8583.Hidden(nil), a.Keys...)
	}
}

// answerOf is what the store keeps of a response.
func answerOf(resp *iso8583.Transaction) Answer {
	a := Answer{
		RC: resp.ResponseCode, AuthCode: resp.AuthCode, RRN: resp.RRN,
		LocalTime: resp.LocalTime, LocalDate: resp.LocalDate, SettlementDate: resp.SettlementDate,
		AdditionalResponse: resp.AdditionalResponse, AdditionalAmounts: resp.AdditionalAmounts,
		AdditionalData: resp.AdditionalData,
	}
	if len(resp.ICC) > 0 {
		a.IssuerData = append(iso8583.Hidden(nil), resp.ICC...)
	}
	if len(resp.Field62) > 0 {
		a.Keys = append(iso8583.Hidden(nil), resp.Field62...)
	}
	return a
}

// done logs the operator line and counts the request.
func (h *Host) done(req, resp *iso8583.Transaction, start time.Time, note string) {
	d := time.Since(start)
	rc := iso8583.ResponseCode("--")
	if resp != nil {
		rc = resp.ResponseCode
	}
	h.metrics.Request(req.Kind, rc, d)
	lvl := slog.LevelInfo
	if !rc.Approved() {
		lvl = slog.LevelWarn
	}
	attrs := []slog.Attr{
		slog.String("terminal", req.TerminalID), slog.String("stan", fmt.Sprintf("%06d", req.STAN)),
		slog.Uint64("batch", uint64(batchOf(req))), slog.String("kind", req.Kind.String()),
		slog.Int64("amount", req.Amount), slog.String("rc", string(rc)), slog.Duration("took", d),
	}
	if req.Kind == iso8583.KindReversal {
		attrs = append(attrs, slog.String("reverses", req.Original.String()))
	}
	if note != "" {
		attrs = append(attrs, slog.String("note", note))
	}
	h.logger().LogAttrs(context.Background(), lvl, "link: host: "+req.Kind.String(), attrs...)
}

// reject answers a request that did not unpack, whose terminal has no
// keys (lookupErr), or whose MAC failed. The fields needed to address the
// answer are scanned from the raw body, which only this rare path pays for.
func (h *Host) reject(ctx context.Context, env iso8583.Envelope, body []byte, lookupErr, err error) []byte {
	id, serr := scanIdent(h.base.Spec(), body)
	if serr != nil || len(id.mti) != 4 || (id.mti[2]-'0')%2 == 1 {
		// Without terminal and STAN there is nobody to answer.
		h.metrics.Junk()
		h.logger().Warn("link: host: unreadable request", "remote", remoteOf(ctx), "err", err)
		return nil
	}
	rc := RCFormatError
	switch {
	case errors.Is(lookupErr, ErrUnknownTerminal):
		// UnionPay practice answers 97 (terminal not registered), which
		// installers need; an address that names many unknown terminals
		// is enumerating them and is locked out like a MAC flood.
		rc = RCUnknownTerminal
		if h.failure(ctx, AlarmUnknownTerminal, "") {
			return nil
		}
	case lookupErr != nil:
		rc = RCSystemError
	case errors.Is(err, iso8583.ErrMAC):
		rc = iso8583.ReasonMACError
		h.metrics.MACFailure()
		if h.failure(ctx, AlarmMACFailures, id.tid) {
			h.logger().Warn("link: host: locked out; request with a bad MAC left unanswered", "terminal", id.tid, "remote", remoteOf(ctx))
			return nil
		}
	}
	if lookupErr != nil {
		h.logger().Warn("link: host: terminal keys", "terminal", id.tid, "stan", fmt.Sprintf("%06d", id.stan), "remote", remoteOf(ctx), "err", lookupErr)
	} else {
		h.logger().Warn("link: host: request rejected", "terminal", id.tid, "stan", fmt.Sprintf("%06d", id.stan), "mti", id.mti, "rc", string(rc), "remote", remoteOf(ctx), "err", err)
	}
	h.metrics.Request(iso8583.KindUnknown, rc, 0)
	return h.errorResponse(env, id, rc)
}

// answer routes a verified request and packs the response. cl is the
// store claim the host holds for it (nil: not recorded).
func (h *Host) answer(ctx context.Context, env iso8583.Envelope, tk termKeys, sess *session, t *iso8583.Transaction, cl *claim) (out []byte, answered *iso8583.Transaction) {
	r := &Request{Txn: t, Envelope: env, KeyBlocks: tk.TerminalKeyBlocks, Keys: tk.clear, claim: cl}
	// Every request has a deadline, so a hung issuer cannot hold up the
	// terminal's retransmissions and reversals for ever.
	ctx, cancel := context.WithTimeout(ctx, h.timeout())
	defer cancel()
	defer func() {
		// A panicking handler answers 96 and is logged; the host lives on.
		if p := recover(); p != nil {
			h.logger().Error("link: host: handler panicked", "terminal", t.TerminalID, "stan", fmt.Sprintf("%06d", t.STAN), "kind", t.Kind.String(), "panic", fmt.Sprint(p))
			h.release(r)
			resp, err := t.Response(RCSystemError)
			if err != nil {
				out, answered = nil, nil
				return
			}
			h.stamp(context.Background(), resp)
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
		rc := h.translatePIN(ctx, sess, r)
		if rc != iso8583.Approved {
			resp, err = t.Response(rc)
			break
		}
		resp, err = f(ctx, h, r)
	default:
		resp, err = f(ctx, h, r)
	}
	if errors.Is(err, errNoAnswer) {
		// The outcome is not known to be recorded (the store failed after
		// the issuer approved, or another host took the request over):
		// silence makes the terminal reverse, which is always safe.
		h.logger().Error("link: host: request left unanswered", "terminal", t.TerminalID, "stan", fmt.Sprintf("%06d", t.STAN), "kind", t.Kind.String(), "err", err)
		return nil, nil
	}
	if err != nil {
		h.logger().Error("link: host: handler failed", "terminal", t.TerminalID, "stan", fmt.Sprintf("%06d", t.STAN), "kind", t.Kind.String(), "err", err)
		if resp, err = t.Response(RCSystemError); err != nil {
			h.release(r)
			return nil, nil
		}
	}
	h.stamp(ctx, resp)
	if r.claim != nil && !r.claim.done {
		// A handler that did not record its answer (a custom route, or a
		// decline): record it now, or release a transient one.
		if transient(resp.ResponseCode) {
			h.release(r)
		} else if err := h.commit(ctx, r, answerOf(resp), false, nil, nil); err != nil {
			h.logger().Error("link: host: recording the answer", "terminal", t.TerminalID, "stan", fmt.Sprintf("%06d", t.STAN), "err", err)
			h.metrics.StoreError("commit")
			return nil, nil
		}
	}
	// A sign-in response goes under the keys the request came with: the
	// terminal has not got the new ones yet.
	out, err = sess.codec.Pack(env.Reply(), resp)
	if err != nil {
		h.logger().Error("link: host: packing response", "terminal", t.TerminalID, "stan", fmt.Sprintf("%06d", t.STAN), "err", err)
		return nil, nil
	}
	return out, resp
}

// translatePIN moves the request's PIN block from the terminal's PIK to
// the issuer's zone key through the HSM (the clear PIN never leaves it);
// a host over Keys with only a clear ZPK uses pinblock.Translate. A block
// with a KSN came from a DUKPT PIN pad: it is translated from the key the
// HSM derives from HostConfig.BDK and the KSN.
//
// A PIN key the host cannot find or use (no PIK, no zone key, no BDK for
// the KSN, a key block the HSM refuses) is answered RCSystemError: the
// fault is the host's key configuration or the device's key loading, not
// the cardholder's PIN (55) nor, as far as the host can tell, the block's
// format (99); and the request never reaches the issuer.
func (h *Host) translatePIN(ctx context.Context, sess *session, r *Request) iso8583.ResponseCode {
	pan := string(cardOf(r.Txn))
	var out []byte
	var err error
	switch {
	case len(r.Txn.KSN) > 0:
		var bdk hsm.KeyBlock
		ok := h.cfg.BDK != nil
		if ok {
			bdk, ok = h.cfg.BDK(r.Txn.KSN)
		}
		if !ok || bdk == "" || h.cfg.ZoneKey == "" {
			h.logger().Warn("link: host: no BDK for a DUKPT PIN block (HostConfig.BDK)", "terminal", r.Txn.TerminalID, "stan", fmt.Sprintf("%06d", r.Txn.STAN), "ksn", fmt.Sprintf("%X", r.Txn.KSN))
			return RCSystemError
		}
		out, err = h.hsm.TranslatePIN(ctx, hsm.PINTranslation{
			From:  hsm.PINKeyRef{Key: bdk, KSN: r.Txn.KSN, Format: pinblock.Format0},
			To:    hsm.PINKeyRef{Key: h.cfg.ZoneKey, Format: h.cfg.ZoneFormat},
			PAN:   pan,
			Block: r.Txn.PINBlock,
		})
	case sess.w == nil || sess.w.PIN == "":
		return RCSystemError
	case h.cfg.ZoneKey != "":
		out, err = h.hsm.TranslatePIN(ctx, hsm.PINTranslation{
			From:  hsm.PINKeyRef{Key: sess.w.PIN, Format: h.cfg.PINFormat},
			To:    hsm.PINKeyRef{Key: h.cfg.ZoneKey, Format: h.cfg.ZoneFormat},
			PAN:   pan,
			Block: r.Txn.PINBlock,
		})
	case sess.pik != nil && h.cfg.ZPK != nil:
		out, err = pinblock.Translate(nil, r.Txn.PINBlock, pan, sess.pik, h.cfg.ZPK)
	default:
		h.logger().Error("link: host: no zone PIN key (HostConfig.ZoneKey) to translate PIN blocks to", "terminal", r.Txn.TerminalID)
		return RCSystemError
	}
	if err != nil {
		h.logger().Warn("link: host: PIN translation", "terminal", r.Txn.TerminalID, "stan", fmt.Sprintf("%06d", r.Txn.STAN), "err", err)
		if errors.Is(err, hsm.ErrKeyBlock) || errors.Is(err, hsm.ErrKeyUsage) {
			return RCSystemError
		}
		return RCPINFormat
	}
	r.PIN = out
	return iso8583.Approved
}

func (h *Host) stampTime(resp *iso8583.Transaction) {
	now := h.now()
	if resp.LocalTime == "" {
		resp.LocalTime = now.Format("150405")
	}
	if resp.LocalDate == "" {
		resp.LocalDate = now.Format("0102")
	}
}

// stamp sets what the host assigns in every response: time and date,
// settlement date, acquirer, retrieval reference number (from the
// store's sequence: unique across hosts and restarts).
func (h *Host) stamp(ctx context.Context, resp *iso8583.Transaction) {
	h.stampTime(resp)
	now := h.now()
	if resp.Kind.Financial() || resp.Kind == iso8583.KindReversal {
		if resp.SettlementDate == "" {
			resp.SettlementDate = now.Format("0102")
		}
		if resp.RRN == "" {
			if n, err := h.store.Next(ctx, SeqRRN); err == nil {
				resp.RRN = fmt.Sprintf("%012d", n%1_000_000_000_000)
			} else {
				h.metrics.StoreError("sequence")
			}
		}
	}
	if h.cfg.AcquirerID != "" && resp.AcquirerID == "" {
		resp.AcquirerID = h.cfg.AcquirerID
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

// Totals returns the host's books for a terminal's batch number: what is
// live in it, settled or not (zero if the store cannot be read).
func (h *Host) Totals(tid string, batch uint32) iso8583.Totals {
	o, s, _ := h.store.Totals(context.Background(), tid, batch)
	return iso8583.Totals{
		DebitAmount: o.DebitAmount + s.DebitAmount, DebitCount: o.DebitCount + s.DebitCount,
		CreditAmount: o.CreditAmount + s.CreditAmount, CreditCount: o.CreditCount + s.CreditCount,
	}
}

// Uploaded returns how many batch-upload detail records a terminal sent
// for its open batch.
func (h *Host) Uploaded(tid string, batch uint32) int {
	n, _ := h.store.AddUploaded(context.Background(), tid, batch, 0)
	return n
}

// StoreOf returns the store the host uses (its MemoryStore if Store was
// nil).
func (h *Host) StoreOf() Store {
	return h.store
}

// Prune drops what the store no longer needs for settlement or duplicate
// detection: records older than window (see Store.Prune). Call it from
// time to time (e.g. hourly with a window of a few days).
func (h *Host) Prune(ctx context.Context, window time.Duration) (int, error) {
	return h.store.Prune(ctx, h.now().Add(-window))
}

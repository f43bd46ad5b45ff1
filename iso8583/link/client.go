package link

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/pinblock"
)

// Config configures a terminal Client.
type Config struct {
	// ChipUploadCode is 60.3 of a chip transaction's batch-upload detail
	// message (default ChipUploadUnbalanced, 205; some acquirers use 206).
	ChipUploadCode string

	// Dialer reaches the host (TLS and pins optional).
	Dialer Dialer
	// Codec gives spec and framing (nil: CUP spec, CUP framing). The
	// client adds the MAC after sign-in.
	Codec *iso8583.Codec
	// Envelope is the TPDU and header sent with every request.
	Envelope iso8583.Envelope
	// Terminal is the terminal and merchant ID (fields 41, 42).
	Terminal iso8583.Terminal
	// TMK is the terminal master key the working keys arrive under.
	TMK *keys.Key
	// KeyMode is the sign-in key mode (default keys.ModeTDES, 003).
	KeyMode keys.KeyMode
	// KeyOptions apply when decoding the working keys (keys.Legacy for
	// hosts that send double-length keys of single-DES strength).
	KeyOptions []keys.Option
	// MAC is the field-64 algorithm (default iso8583.MACX919).
	MAC iso8583.MACAlgorithm
	// PINFormat is the PIN block format (default ISO 9564 format 0).
	PINFormat pinblock.Format
	// PINPad, if set, enciphers PINs instead of the sign-in PIN key: a
	// DUKPT PIN pad (DUKPTPINPad, or a driver for a real one). Its block
	// and KSN go in fields 52 and Transaction.KSN, so Codec's spec needs a
	// KSN field (iso8583.WithKSNField) that the host knows too.
	PINPad PINPad
	// Journal holds one durable record per money-moving transaction
	// (see TxnState): its reversal until the answer is recorded, then the
	// approved transaction until the batch settles. Open it with
	// WithSealKey so no card data is in clear on disk. Required.
	Journal *Journal
	// Counters holds STAN and batch number. Required.
	Counters *Counters
	// Timeout bounds the wait for one response (default 30 s); a
	// shorter context deadline wins.
	Timeout time.Duration
	// ReversalAttempts is how many rounds DrainReversals makes before it
	// returns (default 3, the usual CUP terminal setting). A financial
	// request makes one attempt per pending reversal first and is refused
	// with ErrPendingReversal while one stays pending; a reversal is never
	// given up.
	ReversalAttempts int
	// ReversalBackoff is the wait before DrainReversals' second round,
	// doubled for each further one (default 1 s). The client's lock is not
	// held while it waits.
	ReversalBackoff time.Duration
	// Policy says which answers finish a reversal and which code is a
	// partial approval (default DefaultResponsePolicy).
	Policy ResponsePolicy
	// Scan is the acquirer's dialect for scan-code payments (default:
	// see ScanProfile).
	Scan ScanProfile
	// Rand is the source for PIN block fill (default crypto/rand).
	Rand io.Reader
	// Logger (default slog.Default()).
	Logger *slog.Logger
}

// Client is a POS terminal's link to its acquirer host. It runs one
// transaction at a time, as a terminal does, and is safe to call from
// several goroutines (calls queue).
//
// Every money-moving request (sale, void, refund, pre-authorisation and
// their completions) has a record, with its reversal, synced to
// Config.Journal before it is sent; the record's state then follows the
// transaction's life cycle (TxnState), and a reversal is sent until a
// MAC-verified 0410 finishes it (ResponsePolicy).
type Client struct {
	cfg  Config
	base *iso8583.Codec

	mu    sync.Mutex
	conn  *Conn
	codec *iso8583.Codec // base with the MAC, after sign-in
	pik   *pinblock.Cipher
	wk    *keys.WorkingKeys

	// pendingIDs are the journal records that owe a reversal, so finding
	// them before every request does not decode the whole batch (it grows
	// all day). Built by one full scan (scanned), then kept by putRecord
	// and deleteRecord; a failed write forces a new scan.
	stateMu    sync.Mutex
	scanned    bool
	pendingIDs map[uint64]struct{}
}

// NewClient checks cfg and returns a client. It does not connect: call
// SignIn, which also sends any reversals left from before a restart.
func NewClient(cfg Config) (*Client, error) {
	if cfg.Journal == nil || cfg.Counters == nil {
		return nil, fmt.Errorf("%w: Config needs Journal and Counters", ErrConfig)
	}
	if cfg.TMK == nil {
		return nil, fmt.Errorf("%w: Config.TMK is nil", ErrConfig)
	}
	if cfg.Terminal.TerminalID == "" || cfg.Terminal.MerchantID == "" {
		return nil, fmt.Errorf("%w: Config.Terminal needs TerminalID and MerchantID", ErrConfig)
	}
	if cfg.KeyMode == 0 {
		cfg.KeyMode = keys.ModeTDES
	}
	if cfg.MAC == 0 {
		cfg.MAC = iso8583.MACX919
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.ReversalAttempts <= 0 {
		cfg.ReversalAttempts = 3
	}
	if cfg.ReversalBackoff <= 0 {
		cfg.ReversalBackoff = time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.Policy = cfg.Policy.withDefaults()
	c := &Client{cfg: cfg, base: cfg.Codec}
	if c.base == nil {
		c.base = iso8583.NewCodec(nil, iso8583.Framing{})
	}
	if cfg.PINPad != nil && c.base.Spec().KSNField() == 0 {
		return nil, fmt.Errorf("%w: Config.PINPad, but Config.Codec's spec has no KSN field (iso8583.WithKSNField)", ErrConfig)
	}
	return c, nil
}

// Close drops the connection and the working keys. The journals and
// counters stay open (their owner closes them).
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
	c.dropKeysLocked()
	return nil
}

func (c *Client) dropKeysLocked() {
	c.codec, c.pik = nil, nil
	if c.wk != nil {
		c.wk.Zero()
		c.wk = nil
	}
}

// connLocked returns a live connection, dialling a new one if the last
// one died.
func (c *Client) connLocked(ctx context.Context) (*Conn, error) {
	if c.conn != nil && c.conn.Err() == nil {
		return c.conn, nil
	}
	nc, err := c.cfg.Dialer.Dial(ctx)
	if err != nil {
		return nil, err
	}
	c.conn = NewConn(nc, ScanKey(c.base), WithUnmatched(func(frame []byte) {
		c.cfg.Logger.Warn("link: unmatched frame from host (late response?)", "bytes", len(frame))
	}))
	return c.conn, nil
}

// roundTripLocked packs t, sends it and returns the verified response.
// A response whose MAC fails is returned as an error wrapping
// iso8583.ErrMAC.
func (c *Client) roundTripLocked(ctx context.Context, t *iso8583.Transaction) (*iso8583.Transaction, error) {
	codec := c.codec
	if codec == nil {
		codec = c.base
	}
	frame, err := codec.Pack(c.cfg.Envelope, t)
	if err != nil {
		return nil, err
	}
	// The host answers within Timeout or not at all (CUP terminals use a
	// fixed response timeout); the caller's deadline may be shorter.
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	conn, err := c.connLocked(ctx)
	if err != nil {
		return nil, err
	}
	mti := t.MTI
	if mti == "" {
		mti = t.Kind.MTI()
	}
	rf, err := conn.RoundTrip(ctx, Key{Terminal: t.TerminalID, STAN: t.STAN, MTI: mti}, frame)
	if err != nil {
		// No answer in time (or the link broke): the connection may be
		// half-open, so it is closed and the next request dials afresh
		// rather than writing into a dead socket until the OS gives up.
		conn.Close()
		if c.conn == conn {
			c.conn = nil
		}
		return nil, err
	}
	_, resp, err := codec.Unpack(rf)
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// SignIn (签到) asks the host for working keys, loads them (checking their
// check values under the TMK), adopts the host's batch number, and then
// sends any reversals still pending, for instance from before a crash.
// A reversal that cannot be delivered yet does not fail the sign-in; the
// next financial request retries it.
func (c *Client) SignIn(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	stan, err := c.cfg.Counters.NextSTAN()
	if err != nil {
		return err
	}
	req := c.cfg.Terminal.SignIn(stan, c.cfg.Counters.Batch(), c.cfg.KeyMode)
	resp, err := c.roundTripLocked(ctx, req)
	if err != nil {
		return fmt.Errorf("link: sign-in: %w", err)
	}
	if !resp.ResponseCode.Approved() {
		return fmt.Errorf("link: sign-in declined: %s", resp.ResponseCode)
	}
	w, err := resp.WorkingKeys(c.cfg.TMK, c.cfg.KeyOptions...)
	if err != nil {
		return fmt.Errorf("link: sign-in: %w", err)
	}
	mac, err := iso8583.NewMAC(c.cfg.MAC, w.MAC)
	if err != nil {
		w.Zero()
		return fmt.Errorf("link: sign-in: %w", err)
	}
	pik, err := pinblock.NewCipher(w.PIN, c.cfg.PINFormat, c.cfg.Rand)
	if err != nil {
		w.Zero()
		return fmt.Errorf("link: sign-in: %w", err)
	}
	c.dropKeysLocked()
	c.codec, c.pik, c.wk = c.base.WithMAC(mac), pik, w
	if hb := resp.Field60; hb != nil && hb.Batch != 0 && hb.Batch != c.cfg.Counters.Batch() {
		if c.unsettledLocked() {
			// Adopting the host's number now would orphan the unsettled
			// transactions of the current batch: settle first.
			c.cfg.Logger.Warn("link: host batch number not adopted: the current batch is not settled",
				"terminal", c.cfg.Terminal.TerminalID, "batch", c.cfg.Counters.Batch(), "host_batch", hb.Batch)
		} else if err := c.cfg.Counters.SetBatch(hb.Batch); err != nil {
			return err
		}
	}
	if err := c.drainLocked(ctx); err != nil {
		c.cfg.Logger.Warn("link: reversal still pending after sign-in", "err", err)
	}
	return nil
}

// SignOff (签退) tells the host the terminal stops and drops the working
// keys.
func (c *Client) SignOff(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	stan, err := c.cfg.Counters.NextSTAN()
	if err != nil {
		return err
	}
	resp, err := c.roundTripLocked(ctx, c.cfg.Terminal.SignOff(stan, c.cfg.Counters.Batch()))
	if err != nil {
		return fmt.Errorf("link: sign-off: %w", err)
	}
	c.dropKeysLocked()
	if !resp.ResponseCode.Approved() {
		return fmt.Errorf("link: sign-off declined: %s", resp.ResponseCode)
	}
	return nil
}

// Pending returns the number of reversals not yet acknowledged (records
// "prepared" or "reversal pending").
func (c *Client) Pending() int {
	n := 0
	for _, e := range c.cfg.Journal.Entries() {
		if r, err := decodeRecord(e.ID, e.Payload); err != nil || r.pending() {
			n++ // an unreadable record is counted: it may owe money back
		}
	}
	return n
}

// unsettledLocked reports whether any transaction record is left: the
// batch is not settled (or a reversal is pending).
func (c *Client) unsettledLocked() bool { return c.cfg.Journal.Len() > 0 }

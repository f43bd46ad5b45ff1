package link

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/possdk/pos/iso8583"
)

// Key matches a response to its request: the terminal ID (field 41) and
// the STAN (field 11), as jPOS's QMUX does ("41, 11"); STAN alone is not
// enough on a link that carries several terminals. MTI is the request's
// message type (a response's MTI with its third digit made even), so a
// late 0210 cannot answer the 0400 that reverses it under the same STAN.
type Key struct {
	Terminal string
	STAN     uint32
	MTI      string
}

func (k Key) String() string {
	return k.MTI + " " + k.Terminal + "/" + strconv.FormatUint(uint64(k.STAN), 10)
}

// requestMTI maps a response MTI to its request's (0210 to 0200).
func requestMTI(mti string) string {
	if len(mti) != 4 || mti[2] < '0' || mti[2] > '9' || (mti[2]-'0')%2 == 0 {
		return mti
	}
	return mti[:2] + string(mti[2]-1) + mti[3:]
}

// KeyFunc extracts the matching key from a frame (length prefix, TPDU and
// header included) and reports whether the frame is a response.
type KeyFunc func(frame []byte) (k Key, response bool, err error)

// ScanKey returns a KeyFunc for messages of codec: it splits the framing
// and scans the MTI and fields 11 and 41 without unpacking the rest.
func ScanKey(codec *iso8583.Codec) KeyFunc {
	spec, framing := codec.Spec(), codec.Framing()
	return func(frame []byte) (Key, bool, error) {
		_, body, err := framing.Split(frame)
		if err != nil {
			return Key{}, false, err
		}
		return scanBodyKey(spec, body)
	}
}

func scanBodyKey(spec *iso8583.Spec, body []byte) (Key, bool, error) {
	sc := iso8583.NewMessageScanner(spec, body)
	mf, err := sc.ScanField(0)
	if err != nil {
		return Key{}, false, fmt.Errorf("%w: MTI: %w", ErrMismatch, err)
	}
	mti, err := mf.String()
	if err != nil || len(mti) != 4 {
		return Key{}, false, fmt.Errorf("%w: MTI unreadable", ErrMismatch)
	}
	if mti[2] < '0' || mti[2] > '9' {
		return Key{}, false, fmt.Errorf("%w: MTI %q", ErrMismatch, mti)
	}
	resp := (mti[2]-'0')%2 == 1
	sf, err := sc.ScanField(11)
	if err != nil {
		return Key{}, resp, fmt.Errorf("%w: field 11: %w", ErrMismatch, err)
	}
	s, err := sf.String()
	if err != nil {
		return Key{}, resp, fmt.Errorf("%w: field 11: %w", ErrMismatch, err)
	}
	stan, err := strconv.ParseUint(s, 10, 32)
	if err != nil {
		return Key{}, resp, fmt.Errorf("%w: field 11 is not numeric", ErrMismatch)
	}
	tf, err := sc.ScanField(41)
	if err != nil {
		return Key{}, resp, fmt.Errorf("%w: field 41: %w", ErrMismatch, err)
	}
	tid, err := tf.String()
	if err != nil {
		return Key{}, resp, fmt.Errorf("%w: field 41: %w", ErrMismatch, err)
	}
	return Key{Terminal: strings.TrimRight(tid, " "), STAN: uint32(stan), MTI: requestMTI(mti)}, resp, nil
}

// Conn is a framed ISO 8583 connection with request/response matching.
// Any number of goroutines may call RoundTrip at once (a pipelined link);
// one reader goroutine hands each response to the request with the same
// Key. Frames that match no waiting request (late responses, host
// requests) go to the Unmatched callback, if set.
type Conn struct {
	nc       net.Conn
	keyOf    KeyFunc
	maxFrame int

	wmu sync.Mutex

	mu      sync.Mutex
	waiters map[Key]chan []byte
	err     error // set once, when the connection dies

	done      chan struct{}
	unmatched func(frame []byte)
}

// ConnOption adjusts NewConn.
type ConnOption func(*Conn)

// WithMaxFrame refuses inbound frames longer than n bytes (after the
// length prefix) before reading them; the default is 8 KiB, far above any
// CUP POS message.
func WithMaxFrame(n int) ConnOption {
	return func(c *Conn) {
		if n > 0 {
			c.maxFrame = n
		}
	}
}

// WithUnmatched sets the callback for frames no request waits for. It
// runs on the reader goroutine and must not block for long.
func WithUnmatched(f func(frame []byte)) ConnOption {
	return func(c *Conn) { c.unmatched = f }
}

// DefaultMaxFrame is the default inbound frame limit.
const DefaultMaxFrame = 8 << 10

// NewConn wraps nc and starts its reader. keyOf extracts the matching key
// from inbound frames (see ScanKey). Close stops the reader.
func NewConn(nc net.Conn, keyOf KeyFunc, opts ...ConnOption) *Conn {
	c := &Conn{nc: nc, keyOf: keyOf, maxFrame: DefaultMaxFrame,
		waiters: make(map[Key]chan []byte), done: make(chan struct{})}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	go c.readLoop()
	return c
}

func (c *Conn) readLoop() {
	var buf []byte
	for {
		frame, err := iso8583.ReadFrame(c.nc, buf, c.maxFrame)
		if err != nil {
			if errors.Is(err, iso8583.ErrFrame) {
				err = fmt.Errorf("%w: %w", ErrTooLarge, err)
			}
			c.fail(err)
			return
		}
		k, resp, kerr := c.keyOf(frame)
		var ch chan []byte
		if kerr == nil && resp {
			c.mu.Lock()
			ch = c.waiters[k]
			delete(c.waiters, k)
			c.mu.Unlock()
		}
		if ch != nil {
			// The waiter owns the frame; the next read needs a new buffer.
			ch <- frame
			buf = nil
			continue
		}
		if c.unmatched != nil {
			c.unmatched(frame)
		}
		buf = frame
	}
}

// fail records the first error, closes the socket and wakes every waiter.
func (c *Conn) fail(err error) {
	c.mu.Lock()
	if c.err == nil {
		if err == nil || errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
			err = fmt.Errorf("%w: connection closed", ErrClosed)
		}
		c.err = err
		for k, ch := range c.waiters {
			close(ch)
			delete(c.waiters, k)
		}
		close(c.done)
	}
	c.mu.Unlock()
	c.nc.Close()
}

// Err returns why the connection died, or nil while it is up.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Done is closed when the connection dies.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Close closes the connection; waiting round trips fail with ErrClosed.
func (c *Conn) Close() error {
	c.fail(nil)
	return nil
}

// Send writes one frame without waiting for an answer.
func (c *Conn) Send(ctx context.Context, frame []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.Err(); err != nil {
		return err
	}
	dl, ok := ctx.Deadline()
	if !ok {
		dl = time.Time{}
	}
	_ = c.nc.SetWriteDeadline(dl)
	if _, err := c.nc.Write(frame); err != nil {
		c.fail(err)
		return fmt.Errorf("link: writing frame: %w", err)
	}
	return nil
}

// RoundTrip writes frame and waits for the response whose key is k, until
// ctx ends (ErrTimeout) or the connection dies. The returned frame belongs
// to the caller.
func (c *Conn) RoundTrip(ctx context.Context, k Key, frame []byte) ([]byte, error) {
	ch := make(chan []byte, 1)
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return nil, err
	}
	if _, dup := c.waiters[k]; dup {
		c.mu.Unlock()
		return nil, fmt.Errorf("%w: %s", ErrDuplicateRequest, k)
	}
	c.waiters[k] = ch
	c.mu.Unlock()

	if err := c.Send(ctx, frame); err != nil {
		c.forget(k, ch)
		return nil, err
	}
	select {
	case resp, ok := <-ch:
		if !ok {
			return nil, c.Err()
		}
		return resp, nil
	case <-ctx.Done():
		c.forget(k, ch)
		// The response may have raced the deadline into the channel.
		select {
		case resp, ok := <-ch:
			if ok {
				return resp, nil
			}
		default:
		}
		return nil, fmt.Errorf("%w: %s: %w", ErrTimeout, k, ctx.Err())
	}
}

func (c *Conn) forget(k Key, ch chan []byte) {
	c.mu.Lock()
	if c.waiters[k] == ch {
		delete(c.waiters, k)
	}
	c.mu.Unlock()
}

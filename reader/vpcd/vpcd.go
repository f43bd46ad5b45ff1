package vpcd

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/possdk/pos/reader"
)

// DefaultAddr is where Debian's vsmartcard-vpcd listens for slot 0
// ("Virtual PCD 00 00", DEVICENAME /dev/null:0x8C7B); slot n is port
// 35963+n. vpcd binds every interface, so use it in CI or behind a firewall.
const DefaultAddr = "127.0.0.1:35963"

// Control bytes of the vpcd protocol (vsmartcard src/vpcd/vpcd.h): a
// 1-byte message is a command to the card; only GetATR is answered.
const (
	ctrlPowerOff = 0
	ctrlPowerOn  = 1
	ctrlReset    = 2
	ctrlGetATR   = 4
)

// Sentinel errors.
var (
	// ErrProtocol: the peer sent something the vpcd protocol does not allow.
	ErrProtocol = errors.New("vpcd: protocol error")
)

// Resetter is implemented by cards that want to hear about power-on and
// reset and may fail doing it.
type Resetter interface {
	Reset(ctx context.Context) error
}

// SimpleResetter is implemented by cards whose reset cannot fail
// (reader/sim's *Card: a reset ends the transaction). Serve accepts either.
type SimpleResetter interface {
	Reset()
}

// reset tells the card about a power-on, reset or power-off.
func reset(ctx context.Context, card reader.Card) error {
	switch r := card.(type) {
	case Resetter:
		return r.Reset(ctx)
	case SimpleResetter:
		r.Reset()
	}
	return nil
}

// Conn is a connection to a vpcd slot: while Serve runs, the card is
// inserted; Close (or the end of Serve's context) removes it.
type Conn struct {
	conn      net.Conn
	closeOnce sync.Once
}

// Dial connects to the vpcd reader at addr (DefaultAddr for slot 0).
// pcscd notices the card on its next poll, about 0.4 s later.
func Dial(ctx context.Context, addr string) (*Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("vpcd: dial %s: %w", addr, err)
	}
	return NewConn(c), nil
}

// NewConn serves over an established connection: a net.Conn from Dial, or one
// accepted in vpcd's reverse mode (DEVICENAME host:port, vpcd connecting out
// to the card).
func NewConn(c net.Conn) *Conn { return &Conn{conn: c} }

// Close removes the card: pcscd reports it gone on its next poll.
func (c *Conn) Close() error {
	var err error
	c.closeOnce.Do(func() { err = c.conn.Close() })
	return err
}

// Serve answers vpcd for card until ctx ends (it then closes the
// connection), the connection closes, or the peer breaks the protocol.
// APDUs go to card.Transmit unchanged, so the card's own status words
// (61xx, 6Cxx ...) reach pcscd as they are; if Transmit fails the answer is
// 6F00 (ISO 7816-4: no precise diagnosis). A clean close by vpcd returns nil.
func (c *Conn) Serve(ctx context.Context, card reader.Card) error {
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	buf := make([]byte, 0, 512)
	out := make([]byte, 0, 512)
	for {
		msg, err := readMessage(c.conn, buf)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		buf = msg[:0]
		var reply []byte
		if len(msg) == 1 {
			switch msg[0] {
			case ctrlPowerOn, ctrlReset:
				// Both start a new card session: no selected application
				// or transaction survives them (ISO/IEC 7816-3 §6.2).
				if err := reset(ctx, card); err != nil {
					return fmt.Errorf("vpcd: resetting the card: %w", err)
				}
				continue
			case ctrlPowerOff:
				continue
			case ctrlGetATR:
				reply = card.ATR()
			default:
				return fmt.Errorf("%w: unknown control byte %02X", ErrProtocol, msg[0])
			}
		} else {
			resp, err := card.Transmit(ctx, msg)
			if err != nil || len(resp) < 2 {
				resp = []byte{0x6F, 0x00}
			}
			reply = resp
		}
		out, err = appendMessage(out[:0], reply)
		if err != nil {
			return err
		}
		if _, err := c.conn.Write(out); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("vpcd: write: %w", err)
		}
	}
}

// readMessage reads one vpcd message: a big-endian uint16 length, then that
// many bytes, into buf (grown as needed). A zero length is refused: vpcd
// never sends one.
func readMessage(r io.Reader, buf []byte) ([]byte, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint16(hdr[:]))
	if n == 0 {
		return nil, fmt.Errorf("%w: empty message", ErrProtocol)
	}
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(r, buf); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("%w: %d-byte message cut short: %w", ErrProtocol, n, err)
	}
	return buf, nil
}

// appendMessage frames payload for vpcd.
func appendMessage(dst, payload []byte) ([]byte, error) {
	if len(payload) > 0xFFFF {
		return nil, fmt.Errorf("%w: %d-byte message exceeds 65535", ErrProtocol, len(payload))
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(payload)))
	return append(dst, payload...), nil
}

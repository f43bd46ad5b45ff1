package serial

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	bugst "go.bug.st/serial"
)

// Parity and StopBits as on the wire.
type (
	Parity   uint8
	StopBits uint8
)

// Parities.
const (
	NoParity Parity = iota
	OddParity
	EvenParity
)

// Stop bits.
const (
	OneStopBit StopBits = iota
	TwoStopBits
)

// Config is the line setting. The zero value is 9600 8N1, the most common
// ECR setting; Concert terminals want 7E1 (DataBits 7, EvenParity).
type Config struct {
	BaudRate int
	DataBits int
	Parity   Parity
	StopBits StopBits
	// ReadTimeout bounds each Read: when no byte arrives in time Read
	// returns os.ErrDeadlineExceeded. 0 means Reads wait (up to the read
	// deadline, if one is set).
	ReadTimeout time.Duration
}

// ErrTimeout is os.ErrDeadlineExceeded, which Read returns when its timeout
// or deadline passes with no byte; errors.Is(err, os.ErrDeadlineExceeded)
// holds, as for net.Conn and os.File.
var ErrTimeout = os.ErrDeadlineExceeded

// ErrClosed is returned by calls on a closed Port.
var ErrClosed = errors.New("serial: port closed")

// poll is the longest single wait inside Read, so a deadline moved by
// another goroutine (SetReadDeadline) takes effect promptly.
const poll = 100 * time.Millisecond

// Port is an open serial port. go.bug.st/serial reports a read timeout as
// (0, nil), which makes io.ReadFull spin for ever; Port reports it as
// os.ErrDeadlineExceeded instead and adds SetReadDeadline, so a Port can be
// used like a net.Conn (and by reader/link).
type Port struct {
	p       bugst.Port
	name    string
	timeout time.Duration

	mu       sync.Mutex
	deadline time.Time
	closed   bool
}

// Open opens the named port ("/dev/ttyUSB0", "COM3") with cfg.
func Open(name string, cfg Config) (*Port, error) {
	mode := &bugst.Mode{BaudRate: cfg.BaudRate, DataBits: cfg.DataBits}
	if mode.BaudRate == 0 {
		mode.BaudRate = 9600
	}
	if mode.DataBits == 0 {
		mode.DataBits = 8
	}
	switch cfg.Parity {
	case OddParity:
		mode.Parity = bugst.OddParity
	case EvenParity:
		mode.Parity = bugst.EvenParity
	default:
		mode.Parity = bugst.NoParity
	}
	if cfg.StopBits == TwoStopBits {
		mode.StopBits = bugst.TwoStopBits
	} else {
		mode.StopBits = bugst.OneStopBit
	}
	p, err := bugst.Open(name, mode)
	if err != nil {
		return nil, fmt.Errorf("serial: open %s: %w", name, err)
	}
	return &Port{p: p, name: name, timeout: cfg.ReadTimeout}, nil
}

// Name is the port's device name.
func (p *Port) Name() string { return p.name }

// SetReadDeadline sets the time after which a Read with no data returns
// os.ErrDeadlineExceeded; the zero time means none. It may be called while
// a Read waits (the Read notices within 100 ms).
func (p *Port) SetReadDeadline(t time.Time) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.deadline = t
	return nil
}

// Read reads at least one byte, or fails: os.ErrDeadlineExceeded when
// ReadTimeout or the deadline passes first, ErrClosed after Close.
func (p *Port) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	var limit time.Time
	if p.timeout > 0 {
		limit = time.Now().Add(p.timeout)
	}
	for {
		p.mu.Lock()
		closed, dl := p.closed, p.deadline
		p.mu.Unlock()
		if closed {
			return 0, ErrClosed
		}
		end := limit
		if !dl.IsZero() && (end.IsZero() || dl.Before(end)) {
			end = dl
		}
		wait := poll
		if !end.IsZero() {
			left := time.Until(end)
			if left <= 0 {
				return 0, fmt.Errorf("serial: read %s: %w", p.name, ErrTimeout)
			}
			wait = min(wait, left)
		}
		if err := p.p.SetReadTimeout(wait); err != nil {
			return 0, fmt.Errorf("serial: %s: %w", p.name, err)
		}
		n, err := p.p.Read(b)
		if n > 0 || err != nil {
			if err != nil {
				p.mu.Lock()
				closed := p.closed
				p.mu.Unlock()
				if closed {
					return n, ErrClosed
				}
				err = fmt.Errorf("serial: read %s: %w", p.name, err)
			}
			return n, err
		}
		// (0, nil): go.bug.st/serial's timeout. Loop to recheck the limits.
	}
}

// Write writes b. go.bug.st/serial has no write timeout; a port with
// hardware flow control stopped by the peer blocks here.
func (p *Port) Write(b []byte) (int, error) {
	n, err := p.p.Write(b)
	if err != nil {
		err = fmt.Errorf("serial: write %s: %w", p.name, err)
	}
	return n, err
}

// SetDTR and SetRTS drive the modem control lines (not available on a
// pseudo-terminal: ENOTTY).
func (p *Port) SetDTR(on bool) error { return p.p.SetDTR(on) }

// SetRTS drives RTS.
func (p *Port) SetRTS(on bool) error { return p.p.SetRTS(on) }

// Close closes the port; a Read waiting on it returns ErrClosed.
func (p *Port) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	return p.p.Close()
}

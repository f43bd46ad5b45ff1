package link

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// Config tunes a Link. The zero value gives the defaults seen across ECR
// specifications (reader_notes §4.1): 2 s ACK timeout, 3 retransmissions,
// 4096-byte payloads.
type Config struct {
	// MaxFrame is the largest payload accepted or sent; 0 means 4096.
	MaxFrame int
	// ACKTimeout is how long Send waits for ACK or NAK; 0 means 2 s.
	ACKTimeout time.Duration
	// Retries is how many times Send retransmits after a NAK or a
	// timeout; 0 means 3, negative means none.
	Retries int
	// FrameTimeout bounds the time from STX to the last byte of a
	// frame; a frame that stalls longer is dropped and NAKed. 0 means 1 s.
	FrameTimeout time.Duration
	// Queue is how many received frames wait for Receive before more are
	// NAKed; 0 means 16.
	Queue int
}

func (c Config) withDefaults() Config {
	if c.MaxFrame <= 0 || c.MaxFrame > MaxPayload {
		c.MaxFrame = 4096
	}
	if c.ACKTimeout <= 0 {
		c.ACKTimeout = 2 * time.Second
	}
	if c.Retries == 0 {
		c.Retries = 3
	} else if c.Retries < 0 {
		c.Retries = 0
	}
	if c.FrameTimeout <= 0 {
		c.FrameTimeout = time.Second
	}
	if c.Queue <= 0 {
		c.Queue = 16
	}
	return c
}

// Link is a framed, acknowledged link over a byte stream (a serial port, a
// pty, a TCP connection). Frames are STX LEN data ETX LRC (AppendFrame); the
// receiver answers ACK, or NAK for a damaged frame, and the sender
// retransmits after NAK or silence.
//
// Two goroutines serve the stream: one reads, one runs the receive state
// machine, answers ACK/NAK and queues good frames for Receive. Send and
// Receive may be called from different goroutines at the same time (an ECR
// can send ABORT while waiting for the answer); Sends are serialised.
//
// The link does not detect duplicates: when an ACK is lost the peer sends
// the frame again and Receive returns it twice. Protocols on top must carry
// their own reference (ecr does).
type Link struct {
	rw  io.ReadWriter
	cfg Config

	wmu    sync.Mutex // one writer at a time
	sendMu sync.Mutex // one Send at a time

	ctrl   chan byte   // ACK / NAK for the pending Send
	frames chan []byte // good frames for Receive
	dead   chan struct{}
	err    error // why dead closed; set before closing dead

	stop      chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
}

// New starts a link over rw. The link owns rw: Close closes it when it is
// an io.Closer (which ends the reading goroutine), or sets a past read
// deadline when it has SetReadDeadline.
func New(rw io.ReadWriter, cfg Config) *Link {
	l := &Link{
		rw:     rw,
		cfg:    cfg.withDefaults(),
		ctrl:   make(chan byte, 4),
		dead:   make(chan struct{}),
		stop:   make(chan struct{}),
		frames: nil,
	}
	l.frames = make(chan []byte, l.cfg.Queue)
	in := make(chan []byte, 8)
	l.wg.Add(2)
	readErr := make(chan error, 1)
	go func() {
		defer l.wg.Done()
		readErr <- l.readLoop(in)
		close(in)
	}()
	go func() {
		defer l.wg.Done()
		l.dispatch(in, readErr)
	}()
	return l
}

// readLoop copies the stream into in until Read fails. A read deadline
// (os.ErrDeadlineExceeded, as reader/serial reports a port read timeout)
// just means no bytes yet.
func (l *Link) readLoop(in chan<- []byte) error {
	buf := make([]byte, 512)
	for {
		n, err := l.rw.Read(buf)
		if n > 0 {
			select {
			case in <- append([]byte(nil), buf[:n]...):
			case <-l.stop:
				return ErrClosed
			}
		}
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				select {
				case <-l.stop:
					return ErrClosed
				default:
					continue
				}
			}
			return err
		}
		if n == 0 {
			select {
			case <-l.stop:
				return ErrClosed
			default:
			}
		}
	}
}

// Receive states.
const (
	idle = iota
	inFrame
	skipping
)

// dispatch runs the receive state machine over the bytes of in.
func (l *Link) dispatch(in <-chan []byte, readErr <-chan error) {
	defer func() {
		var err error
		select {
		case <-l.stop:
			err = ErrClosed
		default:
			// in was closed, so the reader has finished and said why.
			err = <-readErr
			if !errors.Is(err, ErrClosed) {
				err = fmt.Errorf("%w: %w", ErrPeerGone, err)
			}
		}
		l.err = err
		close(l.dead)
	}()
	var (
		state   = idle
		frame   []byte
		skip    int
		timer   = time.NewTimer(time.Hour)
		timerOn bool
	)
	timer.Stop()
	startTimer := func() {
		timer.Reset(l.cfg.FrameTimeout)
		timerOn = true
	}
	stopTimer := func() {
		if timerOn {
			timer.Stop()
			timerOn = false
		}
	}
	for {
		var chunk []byte
		select {
		case c, ok := <-in:
			if !ok {
				return
			}
			chunk = c
		case <-timer.C:
			timerOn = false
			if state == inFrame {
				l.writeCtrl(NAK) // stalled frame: ask for it again
			}
			state, frame = idle, frame[:0]
			continue
		case <-l.stop:
			return
		}
		for _, c := range chunk {
			switch state {
			case idle:
				switch c {
				case ACK, NAK:
					select {
					case l.ctrl <- c:
					default: // nobody waiting: stray control byte
					}
				case STX:
					state, frame = inFrame, append(frame[:0], c)
					startTimer()
				}
				// Anything else between frames is line noise.
			case skipping:
				if skip--; skip <= 0 {
					state = idle
					stopTimer()
				}
			case inFrame:
				frame = append(frame, c)
				payload, _, err := DecodeFrame(frame, l.cfg.MaxFrame)
				switch {
				case errors.Is(err, ErrIncomplete):
					continue
				case errors.Is(err, ErrFrameTooLarge):
					// Do not trust the bytes that follow: skip the
					// announced length, or until the line goes quiet.
					l.writeCtrl(NAK)
					skip = (int(frame[1])<<8 | int(frame[2])) + 2
					state = skipping
					startTimer()
					continue
				case err != nil:
					l.writeCtrl(NAK)
				default:
					select {
					case l.frames <- append([]byte(nil), payload...):
						l.writeCtrl(ACK)
					default:
						l.writeCtrl(NAK) // queue full: let the peer retry
					}
				}
				state = idle
				stopTimer()
			}
		}
	}
}

func (l *Link) writeCtrl(c byte) {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	l.rw.Write([]byte{c}) // a failed write shows up as a read error soon
}

// Send transmits payload as one frame and waits for the peer's ACK,
// retransmitting after a NAK or ACKTimeout of silence, up to Retries times.
// It fails with ErrNoAck when every try was refused or unanswered, with
// ErrPeerGone when the stream broke, or with ctx's error.
func (l *Link) Send(ctx context.Context, payload []byte) error {
	if len(payload) > l.cfg.MaxFrame {
		return fmt.Errorf("%w: %d-byte payload, maximum %d", ErrFrameTooLarge, len(payload), l.cfg.MaxFrame)
	}
	frame, err := AppendFrame(make([]byte, 0, len(payload)+overhead), payload)
	if err != nil {
		return err
	}
	l.sendMu.Lock()
	defer l.sendMu.Unlock()
	for {
		select { // forget ACK/NAK bytes nobody was waiting for
		case <-l.ctrl:
			continue
		default:
		}
		break
	}
	timer := time.NewTimer(l.cfg.ACKTimeout)
	defer timer.Stop()
	naks, silent := 0, 0
	for try := 0; try <= l.cfg.Retries; try++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		l.wmu.Lock()
		_, err := l.rw.Write(frame)
		l.wmu.Unlock()
		if err != nil {
			return fmt.Errorf("%w: write: %w", ErrPeerGone, err)
		}
		timer.Reset(l.cfg.ACKTimeout)
		select {
		case c := <-l.ctrl:
			if c == ACK {
				return nil
			}
			naks++
		case <-timer.C:
			silent++
		case <-ctx.Done():
			return ctx.Err()
		case <-l.dead:
			return l.err
		}
	}
	return fmt.Errorf("%w: %d tries, %d NAK, %d unanswered", ErrNoAck, l.cfg.Retries+1, naks, silent)
}

// Receive returns the next good frame's payload (already acknowledged). It
// fails with ErrPeerGone when the stream broke, ErrClosed after Close, or
// ctx's error.
func (l *Link) Receive(ctx context.Context) ([]byte, error) {
	select {
	case f := <-l.frames:
		return f, nil
	default:
	}
	select {
	case f := <-l.frames:
		return f, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-l.dead:
		select { // frames that arrived before the end still count
		case f := <-l.frames:
			return f, nil
		default:
		}
		return nil, l.err
	}
}

// closeWait bounds how long Close waits for the reading goroutine.
const closeWait = time.Second

// Close stops the link and closes the stream (or, if it is not an
// io.Closer, sets a past read deadline). Its goroutines have ended when it
// returns, provided closing interrupts a pending Read, as it does for
// reader/serial ports, net.Conn and non-blocking files. For a stream whose
// Read cannot be interrupted Close gives up waiting after a second; the
// reading goroutine then ends with the stream's next Read.
func (l *Link) Close() error {
	var err error
	l.closeOnce.Do(func() {
		close(l.stop)
		switch rw := l.rw.(type) {
		case io.Closer:
			err = rw.Close()
		case interface{ SetReadDeadline(time.Time) error }:
			rw.SetReadDeadline(time.Unix(1, 0))
		}
		done := make(chan struct{})
		go func() { l.wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(closeWait):
		}
	})
	return err
}

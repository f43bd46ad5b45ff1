package day

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
)

// lossyLink is a TCP relay between the terminal and the host that can lose
// one response frame (2-byte length framing), the way a mobile network
// loses one: the host has answered, the terminal never hears it.
type lossyLink struct {
	ln       net.Listener
	upstream string
	drop     atomic.Int32
	dropped  atomic.Int32

	wg    sync.WaitGroup
	mu    sync.Mutex
	conns []net.Conn
}

func newLossyLink(upstream string) (*lossyLink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	l := &lossyLink{ln: ln, upstream: upstream}
	l.wg.Add(1)
	go l.accept()
	return l, nil
}

// Addr is where the terminal dials.
func (l *lossyLink) Addr() string { return l.ln.Addr().String() }

// DropNextResponse loses the next frame from the host.
func (l *lossyLink) DropNextResponse() { l.drop.Add(1) }

// Dropped is how many responses were lost.
func (l *lossyLink) Dropped() int { return int(l.dropped.Load()) }

func (l *lossyLink) track(c net.Conn) {
	l.mu.Lock()
	l.conns = append(l.conns, c)
	l.mu.Unlock()
}

func (l *lossyLink) accept() {
	defer l.wg.Done()
	for {
		tc, err := l.ln.Accept()
		if err != nil {
			return
		}
		hc, err := net.Dial("tcp", l.upstream)
		if err != nil {
			tc.Close()
			continue
		}
		l.track(tc)
		l.track(hc)
		l.wg.Add(2)
		go func() {
			defer l.wg.Done()
			_, _ = io.Copy(hc, tc)
			hc.Close()
		}()
		go func() {
			defer l.wg.Done()
			l.relayResponses(tc, hc)
			tc.Close()
		}()
	}
}

// relayResponses copies frames from the host to the terminal, dropping
// one when asked.
func (l *lossyLink) relayResponses(dst io.Writer, src io.Reader) {
	buf := make([]byte, 2, 512)
	for {
		if _, err := io.ReadFull(src, buf[:2]); err != nil {
			return
		}
		n := int(binary.BigEndian.Uint16(buf))
		buf = append(buf[:2], make([]byte, n)...)
		if _, err := io.ReadFull(src, buf[2:]); err != nil {
			return
		}
		if l.drop.Load() > 0 {
			l.drop.Add(-1)
			l.dropped.Add(1)
			continue
		}
		if _, err := dst.Write(buf); err != nil {
			return
		}
	}
}

// Close stops the relay and waits for its goroutines.
func (l *lossyLink) Close() error {
	err := l.ln.Close()
	l.mu.Lock()
	for _, c := range l.conns {
		c.Close()
	}
	l.mu.Unlock()
	l.wg.Wait()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// ClearDrop cancels a drop that no response used.
func (l *lossyLink) ClearDrop() { l.drop.Store(0) }

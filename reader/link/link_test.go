package link

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/possdk/pos/reader/serial"
)

// ptyPair opens a pseudo-terminal: the slave through reader/serial (as a
// real port would be), the master as the raw other end of the cable.
func ptyPair(t *testing.T) (port *serial.Port, master *os.File) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	name := tty.Name()
	port, err = serial.Open(name, serial.Config{BaudRate: 9600})
	tty.Close()
	if err != nil {
		ptmx.Close()
		t.Fatalf("opening %s: %v", name, err)
	}
	master = pollable(t, ptmx)
	t.Cleanup(func() { port.Close(); master.Close() })
	return port, master
}

// pollable returns a non-blocking copy of f registered with Go's poller, so
// Close interrupts a Read and read deadlines work. pty.Open leaves ptmx in
// blocking mode (calling Fd does that), where neither is possible.
func pollable(t *testing.T, f *os.File) *os.File {
	t.Helper()
	fd, err := syscall.Dup(int(f.Fd()))
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		t.Fatal(err)
	}
	return os.NewFile(uintptr(fd), "ptmx")
}

var fast = Config{ACKTimeout: 150 * time.Millisecond, FrameTimeout: 150 * time.Millisecond, Retries: 2}

// raw is the test's end of the cable, speaking bytes.
type raw struct {
	t *testing.T
	f *os.File
}

func (r raw) write(b ...byte) {
	r.t.Helper()
	if _, err := r.f.Write(b); err != nil {
		r.t.Fatal(err)
	}
}

func (r raw) frame(payload string) {
	r.t.Helper()
	f, _ := AppendFrame(nil, []byte(payload))
	r.write(f...)
}

// read reads exactly n bytes within 3 s.
func (r raw) read(n int) []byte {
	r.t.Helper()
	buf := make([]byte, n)
	r.f.SetReadDeadline(time.Now().Add(3 * time.Second))
	got := 0
	for got < n {
		m, err := r.f.Read(buf[got:])
		if err != nil {
			r.t.Fatalf("read %d of %d bytes: %v (% X)", got, n, err, buf[:got])
		}
		got += m
	}
	return buf
}

// quiet checks that nothing arrives for d.
func (r raw) quiet(d time.Duration) {
	r.t.Helper()
	r.f.SetReadDeadline(time.Now().Add(d))
	b := make([]byte, 64)
	if n, err := r.f.Read(b); n > 0 {
		r.t.Fatalf("unexpected bytes % X", b[:n])
	} else if !errors.Is(err, os.ErrDeadlineExceeded) {
		r.t.Fatalf("read: %v", err)
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestLinkBothWaysOverPty(t *testing.T) {
	port, master := ptyPair(t)
	a := New(port, fast)
	b := New(master, fast)
	defer a.Close()
	defer b.Close()
	ctx := ctxT(t)
	for i, msg := range []string{"SALE|AMT=000000001234|CUR=156|ECRREF=42", "", string(bytes.Repeat([]byte{STX, ETX, ACK, NAK}, 300))} {
		if err := a.Send(ctx, []byte(msg)); err != nil {
			t.Fatalf("a→b %d: %v", i, err)
		}
		got, err := b.Receive(ctx)
		if err != nil || string(got) != msg {
			t.Fatalf("b got %q, %v", got, err)
		}
		if err := b.Send(ctx, []byte("re:"+msg)); err != nil {
			t.Fatalf("b→a %d: %v", i, err)
		}
		got, err = a.Receive(ctx)
		if err != nil || string(got) != "re:"+msg {
			t.Fatalf("a got %q, %v", got, err)
		}
	}
}

func TestLinkNAKThenResend(t *testing.T) {
	port, master := ptyPair(t)
	l := New(port, fast)
	defer l.Close()
	r := raw{t, master}
	done := make(chan error, 1)
	go func() { done <- l.Send(ctxT(t), []byte("VOID")) }()
	want, _ := AppendFrame(nil, []byte("VOID"))
	if got := r.read(len(want)); !bytes.Equal(got, want) {
		t.Fatalf("first try % X", got)
	}
	r.write(NAK)
	if got := r.read(len(want)); !bytes.Equal(got, want) {
		t.Fatalf("resend % X", got)
	}
	r.write(ACK)
	if err := <-done; err != nil {
		t.Fatalf("Send: %v", err)
	}
}

func TestLinkCorruptedLRC(t *testing.T) {
	port, master := ptyPair(t)
	l := New(port, fast)
	defer l.Close()
	r := raw{t, master}
	f, _ := AppendFrame(nil, []byte("REFUND"))
	bad := bytes.Clone(f)
	bad[len(bad)-1] ^= 0xFF
	r.write(bad...)
	if got := r.read(1); got[0] != NAK {
		t.Fatalf("answer to a bad LRC: % X", got)
	}
	r.write(f...)
	if got := r.read(1); got[0] != ACK {
		t.Fatalf("answer to the resend: % X", got)
	}
	got, err := l.Receive(ctxT(t))
	if err != nil || string(got) != "REFUND" {
		t.Fatalf("Receive: %q %v", got, err)
	}
}

func TestLinkNoAck(t *testing.T) {
	port, master := ptyPair(t)
	l := New(port, fast)
	defer l.Close()
	r := raw{t, master}
	done := make(chan error, 1)
	go func() { done <- l.Send(ctxT(t), []byte("ECHO")) }()
	want, _ := AppendFrame(nil, []byte("ECHO"))
	for try := 0; try < 3; try++ { // first try and 2 retries, all unanswered
		if got := r.read(len(want)); !bytes.Equal(got, want) {
			t.Fatalf("try %d: % X", try, got)
		}
	}
	if err := <-done; !errors.Is(err, ErrNoAck) {
		t.Fatalf("Send with a silent peer: %v, want ErrNoAck", err)
	}
	r.quiet(2 * fast.ACKTimeout) // no fourth try
}

func TestLinkOversizedAndNoise(t *testing.T) {
	port, master := ptyPair(t)
	cfg := fast
	cfg.MaxFrame = 16
	l := New(port, cfg)
	defer l.Close()
	r := raw{t, master}
	big, _ := AppendFrame(nil, bytes.Repeat([]byte{ACK}, 40)) // ACK bytes inside must not count
	r.write(big...)
	if got := r.read(1); got[0] != NAK {
		t.Fatalf("answer to an oversized frame: % X", got)
	}
	r.write(0xFF, 0x00, 'x') // noise between frames is ignored
	r.frame("OK")
	if got := r.read(1); got[0] != ACK {
		t.Fatalf("answer after the oversized frame: % X", got)
	}
	if got, err := l.Receive(ctxT(t)); err != nil || string(got) != "OK" {
		t.Fatalf("Receive: %q %v", got, err)
	}
	if err := l.Send(ctxT(t), make([]byte, 17)); !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("sending 17 bytes with MaxFrame 16: %v", err)
	}
}

func TestLinkStalledFrame(t *testing.T) {
	port, master := ptyPair(t)
	l := New(port, fast)
	defer l.Close()
	r := raw{t, master}
	f, _ := AppendFrame(nil, []byte("SETTLE"))
	r.write(f[:5]...)
	if got := r.read(1); got[0] != NAK { // after FrameTimeout
		t.Fatalf("answer to a stalled frame: % X", got)
	}
	r.write(f...)
	if got := r.read(1); got[0] != ACK {
		t.Fatalf("answer to the whole frame: % X", got)
	}
}

func TestLinkPeerVanishes(t *testing.T) {
	port, master := ptyPair(t)
	l := New(port, fast)
	defer l.Close()
	recv := make(chan error, 1)
	go func() {
		_, err := l.Receive(ctxT(t))
		recv <- err
	}()
	time.Sleep(50 * time.Millisecond)
	master.Close() // the cable is pulled: the slave reads EIO
	if err := <-recv; !errors.Is(err, ErrPeerGone) {
		t.Fatalf("Receive after the peer vanished: %v, want ErrPeerGone", err)
	}
	if err := l.Send(ctxT(t), []byte("SALE")); !errors.Is(err, ErrPeerGone) {
		t.Fatalf("Send after the peer vanished: %v, want ErrPeerGone", err)
	}
}

func TestLinkCloseAndCancel(t *testing.T) {
	port, _ := ptyPair(t)
	l := New(port, fast)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	if _, err := l.Receive(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Receive with a cancelled context: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := l.Receive(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Receive after Close: %v", err)
	}
	if err := l.Send(context.Background(), []byte("x")); !errors.Is(err, ErrClosed) && !errors.Is(err, ErrPeerGone) {
		t.Fatalf("Send after Close: %v", err)
	}
}

func BenchmarkLinkRoundTrip(b *testing.B) {
	x, y := net.Pipe()
	a, c := New(x, Config{}), New(y, Config{})
	defer a.Close()
	defer c.Close()
	ctx := context.Background()
	payload := []byte("SALE|AMT=000000001234|CUR=156|ECRREF=42")
	b.ReportAllocs()
	for b.Loop() {
		if err := a.Send(ctx, payload); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Receive(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

package link

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// echoHandler answers a 'Q' frame with the same frame marked 'R'.
func echoHandler(delay time.Duration) FrameHandler {
	return FrameHandlerFunc(func(ctx context.Context, frame []byte) []byte {
		time.Sleep(delay)
		resp := append([]byte(nil), frame...)
		resp[2] = 'R'
		return resp
	})
}

func startServer(t *testing.T, s *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(ln) }()
	t.Cleanup(func() {
		s.Close()
		if err := <-errc; !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve = %v, want ErrServerClosed", err)
		}
	})
	return ln.Addr().String()
}

func dialTest(t *testing.T, addr string) *Conn {
	t.Helper()
	d := Dialer{Addr: addr}
	nc, err := d.Dial(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c := NewConn(nc, testKey)
	t.Cleanup(func() { c.Close() })
	return c
}

// TestServerGracefulShutdown starts a slow request, shuts down while it is
// being handled, and checks its response still arrives, new connections
// are refused and Shutdown returns once the connection is closed.
func TestServerGracefulShutdown(t *testing.T) {
	s := mustServer(t, ServerConfig{Handler: echoHandler(200 * time.Millisecond)})
	addr := startServer(t, s)
	c := dialTest(t, addr)
	idle := dialTest(t, addr)
	k := Key{Terminal: "T1", STAN: 1}
	res := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := c.RoundTrip(ctx, k, testFrame('Q', k, ""))
		res <- err
	}()
	time.Sleep(50 * time.Millisecond) // the request is now in the handler
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := <-res; err != nil {
		t.Fatalf("in-flight request lost in shutdown: %v", err)
	}
	select {
	case <-idle.Done():
	case <-time.After(time.Second):
		t.Error("idle connection not closed by Shutdown")
	}
	if nc, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		nc.Close()
		t.Error("server still accepting after Shutdown")
	}
}

func TestServerIdleTimeout(t *testing.T) {
	s := mustServer(t, ServerConfig{Handler: echoHandler(0), IdleTimeout: 100 * time.Millisecond})
	c := dialTest(t, startServer(t, s))
	k := Key{Terminal: "T1", STAN: 1}
	if _, err := c.RoundTrip(context.Background(), k, testFrame('Q', k, "")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.Done():
	case <-time.After(2 * time.Second):
		t.Fatal("idle connection kept open")
	}
}

func TestServerPipelined(t *testing.T) {
	s := mustServer(t, ServerConfig{Handler: echoHandler(50 * time.Millisecond), MaxInFlight: 8})
	c := dialTest(t, startServer(t, s))
	errs := make(chan error, 8)
	start := time.Now()
	for i := range 8 {
		go func() {
			k := Key{Terminal: "T1", STAN: uint32(i + 1)}
			_, err := c.RoundTrip(context.Background(), k, testFrame('Q', k, ""))
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("8 pipelined 50 ms requests took %v", time.Since(start))
}

// TestServerMaxConns (issue 23): at the cap, a new connection takes the
// place of the longest-idle one, so idle sockets cannot keep a real
// terminal out.
func TestServerMaxConns(t *testing.T) {
	s := mustServer(t, ServerConfig{Handler: echoHandler(0), MaxConns: 20, Logger: quietLogger()})
	addr := startServer(t, s)
	var idle []net.Conn
	for range 200 { // an attacker's idle sockets, ten times the cap
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		idle = append(idle, c)
	}
	defer func() {
		for _, c := range idle {
			c.Close()
		}
	}()
	time.Sleep(100 * time.Millisecond)
	real := dialTest(t, addr)
	k := Key{Terminal: "T1", STAN: 1}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := real.RoundTrip(ctx, k, testFrame('Q', k, "")); err != nil {
		t.Fatalf("the real terminal was not served: %v", err)
	}
	s.mu.Lock()
	n := len(s.conns)
	s.mu.Unlock()
	if n > 20 {
		t.Fatalf("%d connections open, cap 20", n)
	}
}

// TestServerMaxConnsPerSource (issue 23): one address cannot take more
// than its share.
func TestServerMaxConnsPerSource(t *testing.T) {
	s := mustServer(t, ServerConfig{Handler: echoHandler(0), MaxConnsPerSource: 3, Logger: quietLogger()})
	addr := startServer(t, s)
	var conns []*Conn
	for range 3 {
		conns = append(conns, dialTest(t, addr))
	}
	for i, c := range conns {
		k := Key{Terminal: "T1", STAN: uint32(i + 1)}
		if _, err := c.RoundTrip(context.Background(), k, testFrame('Q', k, "")); err != nil {
			t.Fatal(err)
		}
	}
	fourth := dialTest(t, addr)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	k := Key{Terminal: "T1", STAN: 9}
	if _, err := fourth.RoundTrip(ctx, k, testFrame('Q', k, "")); err == nil {
		t.Fatal("a fourth connection from one address was served")
	}
}

// A plaintext terminal talking to a TLS host: the host logs that the
// terminal speaks plain TCP, with its address (issue 16, operator logs).
func TestServerLogsHandshakeFailure(t *testing.T) {
	srvCfg, _ := testTLS(t)
	var buf syncLog
	got := make(chan error, 1)
	srv := mustServer(t, ServerConfig{Handler: FrameHandlerFunc(func(context.Context, []byte) []byte { return nil }), TLS: srvCfg,
		Logger: slog.New(slog.NewTextHandler(&buf, nil)), OnHandshakeError: func(_ net.Addr, err error) { got <- err }})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte{0x00, 0x10, 0x60, 0x00, 0x01, 0x00, 0x00, 0x60, 0x22, 0, 0, 0, 0, 0, 0x08, 0x00, 0x00, 0x00})
	select {
	case <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("no handshake error reported")
	}
	if s := buf.String(); !strings.Contains(s, "the terminal speaks plain TCP, the host expects TLS") || !strings.Contains(s, "remote=127.0.0.1:") {
		t.Fatalf("log: %q", s)
	}
}

type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncLog) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncLog) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

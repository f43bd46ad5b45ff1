package link

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/possdk/pos/iso8583"
)

// FrameHandler answers one request frame (length prefix, TPDU and header
// included) with a response frame, or nil to send nothing. It may be
// called from many goroutines at once. Host is the FrameHandler of a CUP
// acquirer host.
type FrameHandler interface {
	ServeFrame(ctx context.Context, frame []byte) []byte
}

// FrameHandlerFunc adapts a function to FrameHandler.
type FrameHandlerFunc func(ctx context.Context, frame []byte) []byte

// ServeFrame calls f.
func (f FrameHandlerFunc) ServeFrame(ctx context.Context, frame []byte) []byte { return f(ctx, frame) }

// Server accepts terminal connections and feeds their frames to Handler.
// Each connection has its own goroutine; requests on one connection are
// answered one at a time unless MaxInFlight allows pipelining. Build one
// with NewServer.
type Server struct {
	cfg ServerConfig

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[*serverConn]struct{}
	inShut    atomic.Bool
	connWG    sync.WaitGroup
	baseCtx   context.Context
	cancel    context.CancelFunc
}

// ServerConfig configures a Server (see NewServer).
type ServerConfig struct {
	// Handler answers the frames (required; a *Host, usually).
	Handler FrameHandler
	// TLS, when not nil, makes the server speak TLS with this config.
	TLS *tls.Config
	// OnHandshakeError, if set, is called for every failed TLS handshake
	// (also logged at Warn with the remote address), e.g. for a metric.
	OnHandshakeError func(remote net.Addr, err error)
	// MaxFrame refuses larger inbound frames and drops the connection
	// (default DefaultMaxFrame).
	MaxFrame int
	// IdleTimeout closes a connection that sends no request for this
	// long (default 2 minutes; POS terminals usually hang up after each
	// transaction, so an idle socket is a leak).
	IdleTimeout time.Duration
	// WriteTimeout bounds writing one response (default 30 s).
	WriteTimeout time.Duration
	// MaxConns bounds concurrent connections (default DefaultMaxConns;
	// negative: no limit). At the limit a new connection takes the place
	// of the one that has been idle longest (between requests); if every
	// connection is in a request, the new one is refused.
	MaxConns int
	// MaxConnsPerSource bounds the connections from one IP address
	// (0: no limit; terminals behind one NAT share an address, so size it
	// for the largest merchant). Further ones are refused and logged.
	MaxConnsPerSource int
	// MaxInFlight bounds concurrently handled requests per connection
	// (default 1: strictly one at a time).
	MaxInFlight int
	// Logger receives connection-level errors (nil: slog.Default()).
	Logger *slog.Logger
}

// DefaultMaxConns is ServerConfig.MaxConns when unset.
const DefaultMaxConns = 1024

// ErrServerClosed is returned by Serve after Shutdown or Close.
var ErrServerClosed = fmt.Errorf("%w: server", ErrClosed)

// NewServer checks cfg and builds the server. Every error wraps
// ErrConfig and names the field.
func NewServer(cfg ServerConfig) (*Server, error) {
	switch {
	case cfg.Handler == nil:
		return nil, fmt.Errorf("%w: ServerConfig.Handler is nil", ErrConfig)
	case cfg.MaxFrame < 0:
		return nil, fmt.Errorf("%w: ServerConfig.MaxFrame %d is negative", ErrConfig, cfg.MaxFrame)
	case cfg.IdleTimeout < 0:
		return nil, fmt.Errorf("%w: ServerConfig.IdleTimeout %v is negative", ErrConfig, cfg.IdleTimeout)
	case cfg.WriteTimeout < 0:
		return nil, fmt.Errorf("%w: ServerConfig.WriteTimeout %v is negative", ErrConfig, cfg.WriteTimeout)
	case cfg.MaxConnsPerSource < 0:
		return nil, fmt.Errorf("%w: ServerConfig.MaxConnsPerSource %d is negative", ErrConfig, cfg.MaxConnsPerSource)
	case cfg.MaxInFlight < 0:
		return nil, fmt.Errorf("%w: ServerConfig.MaxInFlight %d is negative", ErrConfig, cfg.MaxInFlight)
	}
	s := &Server{cfg: cfg, listeners: make(map[net.Listener]struct{}), conns: make(map[*serverConn]struct{})}
	s.baseCtx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

func (s *Server) logger() *slog.Logger {
	if s.cfg.Logger != nil {
		return s.cfg.Logger
	}
	return slog.Default()
}

// ListenAndServe listens on the TCP address addr and serves.
func (s *Server) ListenAndServe(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("link: listening: %w", err)
	}
	return s.Serve(ln)
}

// Serve accepts connections on ln until Shutdown or Close, and always
// returns a non-nil error (ErrServerClosed after a shutdown).
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.inShut.Load() {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, ln)
		s.mu.Unlock()
		ln.Close()
	}()
	var backoff time.Duration
	tlsCfg := serverTLS(s.cfg.TLS)
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.inShut.Load() {
				return ErrServerClosed
			}
			var ne net.Error
			if (errors.As(err, &ne) && ne.Timeout()) || acceptRetryable(err) {
				// Temporary resource exhaustion (EMFILE ...): back off
				// as net/http does rather than spin, and say so once
				// per streak (the connected terminals are still served).
				if backoff == 0 {
					s.logger().Warn("link: accept failed, backing off (connected terminals are still served)", "err", err)
				}
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				time.Sleep(backoff)
				continue
			}
			return fmt.Errorf("link: accepting: %w", err)
		}
		backoff = 0
		if tc, ok := nc.(*net.TCPConn); ok {
			_ = tc.SetNoDelay(true)
		}
		src := sourceOf(nc.RemoteAddr())
		if tlsCfg != nil {
			nc = tls.Server(nc, tlsCfg)
		}
		sc := &serverConn{s: s, nc: nc, src: src}
		sc.idleSince.Store(time.Now().UnixNano())
		s.mu.Lock()
		if s.inShut.Load() {
			s.mu.Unlock()
			nc.Close()
			return ErrServerClosed
		}
		if !s.admitLocked(sc) {
			s.mu.Unlock()
			nc.Close()
			continue
		}
		s.conns[sc] = struct{}{}
		s.connWG.Add(1)
		s.mu.Unlock()
		go sc.serve()
	}
}

// Shutdown stops accepting, lets every connection finish the requests it
// is handling (their responses are written), closes the connections, and
// returns when all are closed or ctx ends (then it closes what is left and
// returns ctx's error).
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.inShut.Store(true)
	for ln := range s.listeners {
		ln.Close()
	}
	for c := range s.conns {
		// Wake readers blocked waiting for the next request; a reader
		// busy with a request sees inShut before its next read.
		_ = c.nc.SetReadDeadline(time.Now())
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.connWG.Wait(); close(done) }()
	select {
	case <-done:
		s.cancel()
		return nil
	case <-ctx.Done():
		s.Close()
		return ctx.Err()
	}
}

// Close closes the listeners and every connection at once, cancelling the
// context of requests in progress.
func (s *Server) Close() error {
	s.mu.Lock()
	s.inShut.Store(true)
	for ln := range s.listeners {
		ln.Close()
	}
	for c := range s.conns {
		c.nc.Close()
	}
	s.mu.Unlock()
	s.cancel()
	return nil
}

type serverConn struct {
	s   *Server
	nc  net.Conn
	src string
	wmu sync.Mutex
	// idleSince is when the connection last started waiting for a
	// request (Unix ns), 0 while a request is being handled.
	idleSince atomic.Int64
}

func sourceOf(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	if h, _, err := net.SplitHostPort(a.String()); err == nil {
		return h
	}
	return a.String()
}

// admitLocked applies the connection caps to a new connection: per source
// address, then the total, where the longest-idle connection makes room.
func (s *Server) admitLocked(sc *serverConn) bool {
	if s.cfg.MaxConnsPerSource > 0 {
		n := 0
		for c := range s.conns {
			if c.src == sc.src {
				n++
			}
		}
		if n >= s.cfg.MaxConnsPerSource {
			s.logger().Warn("link: connection refused: too many from this address", "remote", sc.nc.RemoteAddr(), "limit", s.cfg.MaxConnsPerSource)
			return false
		}
	}
	limit := s.cfg.MaxConns
	if limit == 0 {
		limit = DefaultMaxConns
	}
	if limit < 0 || len(s.conns) < limit {
		return true
	}
	var oldest *serverConn
	var at int64
	for c := range s.conns {
		if t := c.idleSince.Load(); t != 0 && (oldest == nil || t < at) {
			oldest, at = c, t
		}
	}
	if oldest == nil {
		s.logger().Warn("link: connection refused: at the connection limit, every connection busy", "remote", sc.nc.RemoteAddr(), "limit", limit)
		return false
	}
	s.logger().Warn("link: at the connection limit: closing the longest-idle connection", "closed", oldest.nc.RemoteAddr(), "idle", time.Since(time.Unix(0, at)).Round(time.Millisecond), "limit", limit)
	oldest.nc.Close()
	delete(s.conns, oldest) // its goroutine finds it gone
	return true
}

// serverTLS returns the server's TLS configuration with safe defaults:
// TLS 1.2 at least, and for TLS 1.2 only ECDHE suites with AEAD ciphers
// (no CBC, no SHA-1 MACs, no RSA key exchange). A configuration that sets
// its own suites or a higher minimum keeps them.
func serverTLS(c *tls.Config) *tls.Config {
	if c == nil {
		return nil
	}
	c = c.Clone()
	if c.MinVersion < tls.VersionTLS12 {
		c.MinVersion = tls.VersionTLS12
	}
	if c.CipherSuites == nil {
		c.CipherSuites = []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		}
	}
	return c
}

func (c *serverConn) serve() {
	s := c.s
	defer func() {
		c.nc.Close()
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		s.connWG.Done()
	}()
	idle := s.cfg.IdleTimeout
	if idle <= 0 {
		idle = 2 * time.Minute
	}
	maxFrame := s.cfg.MaxFrame
	if maxFrame <= 0 {
		maxFrame = DefaultMaxFrame
	}
	if tc, ok := c.nc.(*tls.Conn); ok {
		// Handshake now, so a failure is logged with its cause and the
		// terminal's address (a plaintext terminal, a wrong pin, an old
		// TLS version) instead of surfacing as a read error.
		hctx, cancel := context.WithTimeout(s.baseCtx, idle)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			msg := "link: TLS handshake failed"
			if strings.Contains(err.Error(), "does not look like a TLS handshake") {
				msg = "link: TLS handshake failed: the terminal speaks plain TCP, the host expects TLS"
			}
			s.logger().Warn(msg, "remote", c.nc.RemoteAddr(), "err", err)
			if s.cfg.OnHandshakeError != nil {
				s.cfg.OnHandshakeError(c.nc.RemoteAddr(), err)
			}
			return
		}
	}
	inflight := max(s.cfg.MaxInFlight, 1)
	var sem chan struct{}
	var wg sync.WaitGroup
	if inflight > 1 {
		sem = make(chan struct{}, inflight)
	}
	defer wg.Wait()
	ctx := context.WithValue(s.baseCtx, remoteKey{}, c.nc.RemoteAddr())
	var buf []byte
	for {
		if s.inShut.Load() {
			return
		}
		_ = c.nc.SetReadDeadline(time.Now().Add(idle))
		if s.inShut.Load() {
			return
		}
		c.idleSince.Store(time.Now().UnixNano())
		frame, err := iso8583.ReadFrame(c.nc, buf, maxFrame)
		c.idleSince.Store(0)
		if err != nil {
			var ne net.Error
			switch {
			case s.inShut.Load(), errors.Is(err, net.ErrClosed):
			case errors.As(err, &ne) && ne.Timeout():
				s.logger().Debug("link: idle connection closed", "remote", c.nc.RemoteAddr())
			case errors.Is(err, iso8583.ErrFrame):
				s.logger().Warn("link: oversized frame, connection dropped", "remote", c.nc.RemoteAddr(), "err", err)
			}
			return
		}
		if sem == nil {
			resp := s.cfg.Handler.ServeFrame(ctx, frame)
			if !c.write(resp) {
				return
			}
			buf = frame
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func(frame []byte) {
			defer func() { <-sem; wg.Done() }()
			if !c.write(s.cfg.Handler.ServeFrame(ctx, frame)) {
				c.nc.Close()
			}
		}(frame)
		buf = nil
	}
}

func (c *serverConn) write(resp []byte) bool {
	if resp == nil {
		return true
	}
	wt := c.s.cfg.WriteTimeout
	if wt <= 0 {
		wt = 30 * time.Second
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.nc.SetWriteDeadline(time.Now().Add(wt))
	if _, err := c.nc.Write(resp); err != nil {
		c.s.logger().Debug("link: writing response", "remote", c.nc.RemoteAddr(), "err", err)
		return false
	}
	return true
}

// acceptRetryable reports accept errors that say "not now" rather than
// "this listener is dead": out of descriptors (EMFILE, ENFILE), buffers or
// memory, or a connection aborted before it was accepted. The server backs
// off and goes on serving the connections it has.
func acceptRetryable(err error) bool {
	for _, e := range []error{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM, syscall.ECONNABORTED} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

type remoteKey struct{}

// RemoteAddr returns the address of the terminal whose frame a handler is
// serving (nil outside a Server).
func RemoteAddr(ctx context.Context) net.Addr {
	a, _ := ctx.Value(remoteKey{}).(net.Addr)
	return a
}

func remoteOf(ctx context.Context) string {
	if a := RemoteAddr(ctx); a != nil {
		return a.String()
	}
	return ""
}

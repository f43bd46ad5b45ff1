package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// The host starts, says where it listens (with the TLS pin), and stops
// cleanly when its context ends.
func TestServeAndStop(t *testing.T) {
	for _, args := range [][]string{{"-addr", "127.0.0.1:0"}, {"-addr", "127.0.0.1:0", "-tls"}} {
		ctx, cancel := context.WithCancel(context.Background())
		var out, errOut syncBuffer
		done := make(chan int)
		go func() { done <- run(ctx, args, &out, &errOut) }()
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(out.String(), "listening on 127.0.0.1:") && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		if code := <-done; code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut.String())
		}
		s := out.String()
		if !strings.Contains(s, "listening on 127.0.0.1:") || !strings.Contains(s, "stopped: 0 approved") {
			t.Errorf("%v: output %q", args, s)
		}
		if len(args) == 3 && !strings.Contains(s, "TLS, key pin ") {
			t.Errorf("no pin: %q", s)
		}
	}
}

func TestBadArguments(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"-h"}, 0, "usage: host"},
		{[]string{"-bogus"}, 2, "usage: host"},
		{[]string{"extra"}, 2, "usage: host"},
		{[]string{"-keep", "-1h"}, 2, "-keep must be 0 or more"},
		{[]string{"-prune-every", "0s"}, 2, "-prune-every more than 0"},
		{[]string{"-addr", "127.0.0.1:0", "-cert", "x.pem"}, 1, "give both -cert and -key"},
		{[]string{"-addr", "127.0.0.1:0", "-cert", "nope.pem", "-key", "nope.pem"}, 1, "host: open nope.pem"},
		{[]string{"-addr", "256.1.1.1:99999"}, 1, "host: listen tcp"},
		{[]string{"-keys", "/nonexistent/keys.json"}, 1, "host: open /nonexistent/keys.json"},
	}
	for _, tc := range tests {
		var out, errOut syncBuffer
		if code := run(ctx, tc.args, &out, &errOut); code != tc.code || !strings.Contains(errOut.String(), tc.msg) {
			t.Errorf("%v: exit %d, stderr %q", tc.args, code, errOut.String())
		}
	}
}

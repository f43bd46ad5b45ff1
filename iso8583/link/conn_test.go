package link

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Raw test frames, independent of any ISO 8583 spec:
// length(2) kind(1: 'Q' request, 'R' response) tid(8) stan(6 digits) data.
func testFrame(kind byte, k Key, data string) []byte {
	b := binary.BigEndian.AppendUint16(nil, uint16(1+8+6+len(data)))
	b = append(b, kind)
	b = append(b, fmt.Sprintf("%-8s%06d", k.Terminal, k.STAN)...)
	return append(b, data...)
}

func testKey(frame []byte) (Key, bool, error) {
	if len(frame) < 2+15 {
		return Key{}, false, ErrMismatch
	}
	stan, err := strconv.Atoi(string(frame[11:17]))
	if err != nil {
		return Key{}, false, ErrMismatch
	}
	return Key{Terminal: string(trimSpace(frame[3:11])), STAN: uint32(stan)}, frame[2] == 'R', nil
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	return b
}

// TestConnMatching sends three requests at once; the host answers them in
// reverse order, plus one response nobody asked for.
func TestConnMatching(t *testing.T) {
	cli, srv := net.Pipe()
	var unmatched []string
	var umu sync.Mutex
	c := NewConn(cli, testKey, WithUnmatched(func(f []byte) {
		umu.Lock()
		unmatched = append(unmatched, string(f[2:]))
		umu.Unlock()
	}))
	defer c.Close()
	go func() {
		var reqs [][]byte
		for range 3 {
			var hdr [2]byte
			if _, err := srv.Read(hdr[:]); err != nil {
				return
			}
			b := make([]byte, binary.BigEndian.Uint16(hdr[:]))
			if _, err := readFull(srv, b); err != nil {
				return
			}
			reqs = append(reqs, b)
		}
		srv.Write(testFrame('R', Key{Terminal: "T9", STAN: 9}, "stray"))
		for i := len(reqs) - 1; i >= 0; i-- {
			k, _, _ := testKey(append([]byte{0, 0}, reqs[i]...))
			srv.Write(testFrame('R', k, "answer "+string(reqs[i][15:])))
		}
	}()
	keys := []Key{{Terminal: "T1", STAN: 1}, {Terminal: "T2", STAN: 1}, {Terminal: "T1", STAN: 2}}
	var wg sync.WaitGroup
	for _, k := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			resp, err := c.RoundTrip(ctx, k, testFrame('Q', k, k.String()))
			if err != nil {
				t.Errorf("%s: %v", k, err)
				return
			}
			if got, want := string(resp[17:]), "answer "+k.String(); got != want {
				t.Errorf("%s got %q, want %q", k, got, want)
			}
		}()
	}
	wg.Wait()
	umu.Lock()
	defer umu.Unlock()
	if len(unmatched) != 1 {
		t.Errorf("unmatched frames %q, want the stray one", unmatched)
	}
}

func readFull(c net.Conn, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := c.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func TestConnTimeoutAndDuplicate(t *testing.T) {
	cli, srv := net.Pipe()
	go func() { // a host that reads and never answers
		b := make([]byte, 512)
		for {
			if _, err := srv.Read(b); err != nil {
				return
			}
		}
	}()
	c := NewConn(cli, testKey)
	defer c.Close()
	k := Key{Terminal: "T1", STAN: 5}
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		close(started)
		_, err := c.RoundTrip(ctx, k, testFrame('Q', k, ""))
		done <- err
	}()
	<-started
	time.Sleep(20 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.RoundTrip(ctx, k, testFrame('Q', k, "")); !errors.Is(err, ErrDuplicateRequest) {
		t.Errorf("second request with the same key: %v, want ErrDuplicateRequest", err)
	}
	if err := <-done; !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("RoundTrip = %v, want ErrTimeout wrapping DeadlineExceeded", err)
	}
}

func TestConnDropWakesWaiters(t *testing.T) {
	cli, srv := net.Pipe()
	c := NewConn(cli, testKey)
	go func() {
		b := make([]byte, 64)
		srv.Read(b)
		srv.Close() // host drops the line mid-request
	}()
	k := Key{Terminal: "T1", STAN: 1}
	_, err := c.RoundTrip(context.Background(), k, testFrame('Q', k, ""))
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("RoundTrip on dropped line = %v, want ErrClosed", err)
	}
	select {
	case <-c.Done():
	case <-time.After(time.Second):
		t.Fatal("Done not closed")
	}
	if _, err := c.RoundTrip(context.Background(), k, testFrame('Q', k, "")); !errors.Is(err, ErrClosed) {
		t.Fatalf("RoundTrip after drop = %v", err)
	}
}

func TestConnOversizedFrame(t *testing.T) {
	cli, srv := net.Pipe()
	c := NewConn(cli, testKey, WithMaxFrame(100))
	go srv.Write([]byte{0x10, 0x00}) // announces 4096 bytes
	select {
	case <-c.Done():
	case <-time.After(time.Second):
		t.Fatal("oversized frame did not close the connection")
	}
	if err := c.Err(); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Err = %v, want ErrTooLarge", err)
	}
}

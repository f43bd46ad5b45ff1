package vpcd

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/possdk/pos/reader/internal/testcard"
	"github.com/possdk/pos/reader/sim"
)

// fakeVPCD plays vpcd's side of the protocol (vsmartcard src/vpcd/vpcd.c):
// it listens, and the card connects.
type fakeVPCD struct {
	t    *testing.T
	conn net.Conn
}

func startFake(t *testing.T) (*fakeVPCD, string, <-chan net.Conn) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			ch <- c
		}
	}()
	return &fakeVPCD{t: t}, ln.Addr().String(), ch
}

func (f *fakeVPCD) send(payload []byte) {
	f.t.Helper()
	msg, _ := appendMessage(nil, payload)
	if _, err := f.conn.Write(msg); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fakeVPCD) recv() []byte {
	f.t.Helper()
	f.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	msg, err := readMessage(f.conn, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	return msg
}

func TestServe(t *testing.T) {
	f, addr, accepted := startFake(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := Dial(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	f.conn = <-accepted
	defer f.conn.Close()
	card := testcard.New(true)
	done := make(chan error, 1)
	go func() { done <- conn.Serve(ctx, card) }()

	f.send([]byte{ctrlPowerOn})
	f.send([]byte{ctrlGetATR})
	if got := f.recv(); !bytes.Equal(got, testcard.ATRT0) {
		t.Fatalf("ATR % X", got)
	}
	f.send([]byte{ctrlReset})
	// SELECT PPSE through vpcd: the card's 61xx must pass unchanged.
	sel := append([]byte{0x00, 0xA4, 0x04, 0x00, byte(len(testcard.PPSE))}, testcard.PPSE...)
	f.send(sel)
	fci := testcard.FCI(testcard.PPSE)
	if got := f.recv(); !bytes.Equal(got, []byte{0x61, byte(len(fci))}) {
		t.Fatalf("SELECT answered % X, want 61%02X", got, len(fci))
	}
	f.send([]byte{0x00, 0xC0, 0x00, 0x00, byte(len(fci))})
	if got := f.recv(); !bytes.Equal(got, append(fci, 0x90, 0x00)) {
		t.Fatalf("GET RESPONSE answered % X", got)
	}
	f.send([]byte{ctrlPowerOff})
	if card.Resets() != 2 {
		t.Errorf("card saw %d resets, want 2 (power on, reset)", card.Resets())
	}
	// vpcd closing the socket is a clean end.
	f.conn.Close()
	if err := <-done; err != nil {
		t.Fatalf("Serve after vpcd closed: %v", err)
	}
}

func TestServeCancelRemovesCard(t *testing.T) {
	f, addr, accepted := startFake(t)
	ctx, cancel := context.WithCancel(context.Background())
	conn, err := Dial(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	f.conn = <-accepted
	defer f.conn.Close()
	done := make(chan error, 1)
	go func() { done <- conn.Serve(ctx, testcard.New(false)) }()
	f.send([]byte{ctrlGetATR})
	if got := f.recv(); !bytes.Equal(got, testcard.ATRT1) {
		t.Fatalf("ATR % X", got)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Serve after cancel: %v", err)
	}
	// vpcd sees the connection end: that is how the card is removed.
	f.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := f.conn.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("vpcd side read after removal: %v", err)
	}
}

func TestServeProtocolErrors(t *testing.T) {
	for name, raw := range map[string][]byte{
		"unknown control byte": {0x00, 0x01, 0x07},
		"empty message":        {0x00, 0x00},
		"truncated message":    {0x00, 0x05, 0x00, 0xA4},
	} {
		a, b := net.Pipe()
		go func() {
			b.Write(raw)
			b.Close()
		}()
		err := NewConn(a).Serve(context.Background(), testcard.New(true))
		if !errors.Is(err, ErrProtocol) {
			t.Errorf("%s: got %v, want ErrProtocol", name, err)
		}
	}
}

func TestDialRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	if _, err := Dial(context.Background(), addr); err == nil {
		t.Fatal("Dial to a closed port succeeded")
	}
}

func FuzzReadMessage(f *testing.F) {
	f.Add([]byte{0x00, 0x01, 0x04})
	f.Add([]byte{0x00, 0x05, 0x00, 0xA4, 0x04, 0x00, 0x00})
	f.Add([]byte{0xFF, 0xFF, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		msg, err := readMessage(bytes.NewReader(b), nil)
		if err != nil {
			return
		}
		if n := int(binary.BigEndian.Uint16(b)); len(msg) != n || !bytes.Equal(msg, b[2:2+n]) {
			t.Fatalf("message % X from % X", msg, b)
		}
	})
}

// A reader/sim card behind vpcd hears the reset (its Reset() has no
// context, so vpcd must accept SimpleResetter too): after a reset the
// application is no longer selected and GENERATE AC is refused (6985,
// EMV Book 3 §6.5.5.3: conditions of use not satisfied), where before the
// fix the transaction of the previous session went on.
func TestServeResetsSimCard(t *testing.T) {
	f, addr, accepted := startFake(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := Dial(ctx, addr)
	if err != nil {
		t.Fatal(err)
	}
	f.conn = <-accepted
	defer f.conn.Close()
	card, err := sim.NewFromFile("../sim/testdata/visa_dda.json")
	if err != nil {
		t.Fatal(err)
	}
	var _ SimpleResetter = card
	done := make(chan error, 1)
	go func() { done <- conn.Serve(ctx, card) }()

	f.send([]byte{ctrlPowerOn})
	f.send(append([]byte{0x00, 0xA4, 0x04, 0x00, 0x07}, 0xA0, 0, 0, 0, 0x03, 0x10, 0x10))
	if got := f.recv(); !bytes.HasSuffix(got, []byte{0x90, 0x00}) {
		t.Fatalf("SELECT % X", got)
	}
	f.send([]byte{0x80, 0xA8, 0x00, 0x00, 0x02, 0x83, 0x00})
	if got := f.recv(); !bytes.HasSuffix(got, []byte{0x90, 0x00}) {
		t.Fatalf("GPO % X", got)
	}
	f.send([]byte{ctrlReset})
	gac := append([]byte{0x80, 0xAE, 0x80, 0x00, 29}, make([]byte, 29)...)
	f.send(append(gac, 0x00))
	if got := f.recv(); !bytes.Equal(got, []byte{0x69, 0x85}) {
		t.Fatalf("GENERATE AC after reset answered % X, want 69 85", got)
	}
	f.conn.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

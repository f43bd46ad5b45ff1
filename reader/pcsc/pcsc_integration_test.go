//go:build pcsc && (cgo || windows)

package pcsc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/possdk/pos/reader"
	"github.com/possdk/pos/reader/internal/testcard"
	"github.com/possdk/pos/reader/vpcd"
)

// These tests need a running pcscd with vsmartcard-vpcd's reader driver
// (.ci/pcsc.sh sets both up); without them they skip. Slot "Virtual PCD 00
// 0n" listens on TCP port 35963+n.

const (
	slot0 = "Virtual PCD 00 00"
	slot1 = "Virtual PCD 00 01"
	port0 = "127.0.0.1:35963"
)

func open(t *testing.T) *Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := New(ctx)
	if errors.Is(err, reader.ErrNoService) {
		t.Skipf("pcscd is not running (%v): run .ci/pcsc.sh", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	names, err := c.Readers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(names, slot0) {
		t.Skipf("no vsmartcard-vpcd reader in pcscd (readers: %q): install vsmartcard-vpcd and restart pcscd", names)
	}
	// Start from an empty slot, so insertion is really observed.
	if _, err := c.Wait(ctx, slot0, reader.Removed); err != nil {
		t.Fatalf("slot 0 did not become empty: %v", err)
	}
	return c
}

// insert serves card on slot 0 until the returned function removes it.
func insert(t *testing.T, card reader.Card) (remove func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	conn, err := vpcd.Dial(ctx, port0)
	if err != nil {
		cancel()
		t.Skipf("vpcd is not listening on %s: %v", port0, err)
	}
	done := make(chan error, 1)
	go func() { done <- conn.Serve(ctx, card) }()
	var once bool
	remove = func() {
		if once {
			return
		}
		once = true
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("vpcd Serve: %v", err)
		}
	}
	t.Cleanup(remove)
	return remove
}

func waitFor(t *testing.T, c *Context, kind reader.EventKind) reader.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	ev, err := c.Wait(ctx, slot0, kind)
	if err != nil {
		t.Fatalf("waiting for %v: %v", kind, err)
	}
	t.Logf("%v after %v", ev, time.Since(start).Round(time.Millisecond))
	return ev
}

func hexs(cmds [][]byte) string {
	var s []string
	for _, c := range cmds {
		s = append(s, fmt.Sprintf("%X", c))
	}
	return strings.Join(s, " ")
}

func TestPCSCVirtualReaders(t *testing.T) {
	c := open(t)
	names, err := c.Readers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(names, slot0) || !slices.Contains(names, slot1) {
		t.Fatalf("readers %q, want both vpcd slots", names)
	}
}

func TestPCSCT0Card(t *testing.T) {
	c := open(t)
	card := testcard.New(true)
	remove := insert(t, card)
	ev := waitFor(t, c, reader.Inserted)
	if !bytes.Equal(ev.ATR, testcard.ATRT0) {
		t.Fatalf("ATR % X, want % X", ev.ATR, testcard.ATRT0)
	}
	ctx := context.Background()
	pc, err := c.Connect(ctx, slot0, Shared)
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	if pc.Protocol() != reader.ProtocolT0 {
		t.Fatalf("pcscd chose %v for ATR % X", pc.Protocol(), pc.ATR())
	}
	atr, err := reader.ParseATR(pc.ATR())
	if err != nil {
		t.Fatal(err)
	}
	if err := atr.CheckEMV(true); err != nil {
		t.Errorf("EMV ATR check: %v", err)
	}

	// pcscd passes 61xx through untouched: that is why reader.Transport exists.
	sel := append([]byte{0x00, 0xA4, 0x04, 0x00, byte(len(testcard.PPSE))}, testcard.PPSE...)
	fci := testcard.FCI(testcard.PPSE)
	raw, err := pc.Transmit(ctx, sel)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, []byte{0x61, byte(len(fci))}) {
		t.Fatalf("raw SELECT PPSE answered % X, want 61%02X", raw, len(fci))
	}

	tr := reader.NewTransport(pc, reader.TransportOptions{})
	n := len(card.Log())
	resp, err := tr.Transmit(ctx, append(sel, 0x00)) // case 4, Le 00
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(resp, append(fci, 0x90, 0x00)) {
		t.Fatalf("SELECT PPSE through the transport: % X", resp)
	}
	// What crossed pcscd: the case-4 command as case 3, then GET RESPONSE.
	want := hexs([][]byte{sel, {0x00, 0xC0, 0x00, 0x00, byte(len(fci))}})
	if got := hexs(card.Log()[n:]); got != want {
		t.Errorf("card received %s, want %s", got, want)
	}

	// 6Cxx: READ RECORD with Le 00 is resent with the right Le.
	n = len(card.Log())
	err = pc.Transaction(ctx, func(ctx context.Context) error {
		resp, err = tr.Transmit(ctx, []byte{0x00, 0xB2, 0x01, 0x0C, 0x00})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(resp, append(bytes.Clone(testcard.Record), 0x90, 0x00)) {
		t.Fatalf("READ RECORD: % X", resp)
	}
	want = hexs([][]byte{{0x00, 0xB2, 0x01, 0x0C, 0x00}, {0x00, 0xB2, 0x01, 0x0C, byte(len(testcard.Record))}})
	if got := hexs(card.Log()[n:]); got != want {
		t.Errorf("card received %s, want %s", got, want)
	}

	// Another client cannot take the card exclusively while we share it.
	c2 := open2(t)
	if _, err := c2.Connect(ctx, slot0, Exclusive); !errors.Is(err, reader.ErrSharing) {
		t.Errorf("exclusive connect beside a shared one: %v, want ErrSharing", err)
	}

	resets := card.Resets()
	if err := pc.Reset(ctx, Reset); err != nil {
		t.Fatal(err)
	}
	if card.Resets() <= resets {
		t.Error("warm reset did not reach the card")
	}
	if !bytes.Equal(pc.ATR(), testcard.ATRT0) {
		t.Errorf("ATR after reset % X", pc.ATR())
	}

	remove()
	waitFor(t, c, reader.Removed)
	if _, err := pc.Transmit(ctx, sel); !errors.Is(err, reader.ErrCardRemoved) && !errors.Is(err, reader.ErrNoCard) {
		t.Errorf("Transmit after removal: %v, want ErrCardRemoved", err)
	}
}

// open2 is a second, independent PC/SC client.
func open2(t *testing.T) *Context {
	c, err := New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestPCSCT1Card(t *testing.T) {
	c := open(t)
	card := testcard.New(false)
	insert(t, card)
	waitFor(t, c, reader.Inserted)
	ctx := context.Background()
	rc, err := c.Open(ctx, slot0)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := reader.NewTransport(rc, reader.TransportOptions{})
	if tr.Protocol() != reader.ProtocolT1 {
		t.Fatalf("protocol %v, want T=1", tr.Protocol())
	}
	sel := append([]byte{0x00, 0xA4, 0x04, 0x00, byte(len(testcard.PPSE))}, testcard.PPSE...)
	sel = append(sel, 0x00)
	resp, err := tr.Transmit(ctx, sel)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(resp, append(testcard.FCI(testcard.PPSE), 0x90, 0x00)) {
		t.Fatalf("SELECT PPSE: % X", resp)
	}
	// In T=1 the case-4 command crosses whole, Le included.
	log := card.Log()
	if got := log[len(log)-1]; !bytes.Equal(got, sel) {
		t.Errorf("card received % X, want % X", got, sel)
	}
	// Extended APDUs are refused before they reach the daemon.
	if _, err := tr.Transmit(ctx, []byte{0x00, 0xB0, 0x00, 0x00, 0x00, 0x01, 0x00}); !errors.Is(err, reader.ErrExtendedAPDU) {
		t.Errorf("extended APDU: %v", err)
	}
}

func TestPCSCEvents(t *testing.T) {
	c := open(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	remove := insert(t, testcard.New(true))
	var got []reader.EventKind
	for ev, err := range reader.Events(ctx, c, slot0) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ev.Kind)
		if len(got) == 2 {
			break
		}
		remove()
	}
	if len(got) != 2 || got[0] != reader.Inserted || got[1] != reader.Removed {
		t.Fatalf("events %v", got)
	}
}

func TestPCSCWaitCancelAndErrors(t *testing.T) {
	c := open(t)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := c.Wait(ctx, slot1, reader.Inserted); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait on an empty slot past the deadline: %v", err)
	}
	bg := context.Background()
	if _, err := c.Connect(bg, slot1, Shared); !errors.Is(err, reader.ErrNoCard) {
		t.Errorf("Connect to an empty slot: %v, want ErrNoCard", err)
	}
	if _, err := c.Wait(bg, "No Such Reader 00 00", reader.Inserted); !errors.Is(err, reader.ErrNoReader) {
		t.Errorf("Wait on an unknown reader: %v, want ErrNoReader", err)
	}
	if _, err := c.Connect(bg, "No Such Reader 00 00", Shared); !errors.Is(err, reader.ErrNoReader) {
		t.Errorf("Connect to an unknown reader: %v, want ErrNoReader", err)
	}
}

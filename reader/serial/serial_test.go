package serial

import (
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"github.com/creack/pty"
)

func openPty(t *testing.T, cfg Config) (*Port, *os.File) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	p, err := Open(tty.Name(), cfg)
	tty.Close()
	if err != nil {
		ptmx.Close()
		t.Fatalf("Open %s: %v", tty.Name(), err)
	}
	t.Cleanup(func() { p.Close(); ptmx.Close() })
	return p, ptmx
}

func TestReadTimeoutIsDeadlineError(t *testing.T) {
	p, master := openPty(t, Config{ReadTimeout: 100 * time.Millisecond})
	buf := make([]byte, 4)
	start := time.Now()
	// go.bug.st/serial alone returns (0, nil) here, and io.ReadFull loops
	// for ever; through Port it fails with os.ErrDeadlineExceeded.
	_, err := io.ReadFull(p, buf)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("ReadFull with no data: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("ReadFull took %v", d)
	}
	master.Write([]byte("ABCD"))
	if _, err := io.ReadFull(p, buf); err != nil || string(buf) != "ABCD" {
		t.Fatalf("ReadFull: %q %v", buf, err)
	}
	if _, err := p.Write([]byte("OK")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 2)
	if _, err := io.ReadFull(master, got); err != nil || string(got) != "OK" {
		t.Fatalf("master read %q %v", got, err)
	}
}

func TestReadDeadline(t *testing.T) {
	p, _ := openPty(t, Config{})
	p.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := p.Read(make([]byte, 1)); !errors.Is(err, ErrTimeout) {
		t.Fatalf("Read past the deadline: %v", err)
	}
	// A deadline set from another goroutine interrupts a waiting Read.
	p.SetReadDeadline(time.Time{})
	go func() {
		time.Sleep(50 * time.Millisecond)
		p.SetReadDeadline(time.Now())
	}()
	if _, err := p.Read(make([]byte, 1)); !errors.Is(err, ErrTimeout) {
		t.Fatalf("Read after a deadline moved in: %v", err)
	}
}

func TestCloseInterruptsRead(t *testing.T) {
	p, _ := openPty(t, Config{})
	done := make(chan error, 1)
	go func() {
		_, err := p.Read(make([]byte, 1))
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	p.Close()
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("Read on a closed port: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not interrupt Read")
	}
	if err := p.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestOpenMissing(t *testing.T) {
	if _, err := Open("/dev/does-not-exist", Config{}); err == nil {
		t.Fatal("opened a missing port")
	}
}

func TestPorts(t *testing.T) {
	ports, err := Ports()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ports {
		if p.Name == "" {
			t.Errorf("port without a name: %+v", p)
		}
	}
	t.Logf("%d ports: %+v", len(ports), ports)
}

package main

import (
	"bytes"
	"context"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	framed "github.com/possdk/pos/reader/link"
	"github.com/possdk/pos/reader/link/ecr"
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

// The terminal's ecr command: a cash register connects over TCP and
// rings up a contactless sale.
func TestECRCommand(t *testing.T) {
	addr, _ := startHost(t, false)
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int)
	go func() {
		done <- run(ctx, []string{"-host", addr, "-state", t.TempDir(), "-card", "phone_wallet", "-ecr-listen", "127.0.0.1:0", "ecr"}, &out, &errOut)
	}()
	var ecrAddr string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, after, ok := strings.Cut(out.String(), "waiting for the cash register on "); ok {
			ecrAddr = strings.TrimSpace(strings.SplitN(after, "\n", 2)[0])
			break
		}
	}
	if ecrAddr == "" {
		cancel()
		<-done
		t.Fatalf("no ECR address: %s %s", out.String(), errOut.String())
	}
	nc, err := net.Dial("tcp", ecrAddr)
	if err != nil {
		t.Fatal(err)
	}
	l := framed.New(nc, framed.Config{})
	resp, err := ecr.NewClient(l, ecr.ClientConfig{}).Do(ctx, &ecr.Request{Command: ecr.Sale, Ref: "R1", Amount: 2000, Currency: 156}, nil)
	l.Close()
	if err != nil || !resp.Approved() || resp.MaskedPAN != "489537******7766" {
		t.Errorf("sale: %+v %v", resp, err)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "CONTACTLESS sale of 20.00") {
		t.Errorf("output:\n%s", out.String())
	}
}

package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/possdk/pos/examples/internal/fixtures"
)

// TestPostgresHostAndMetrics: with -db the host migrates the database and
// registers the terminals once (a restart finds them: it forgot nothing);
// with -metrics it serves Prometheus metrics, here counting a junk frame.
func TestPostgresHostAndMetrics(t *testing.T) {
	url := os.Getenv("POSSDK_PG_URL")
	if url == "" {
		t.Skip("POSSDK_PG_URL is not set: no PostgreSQL to test against (.ci/postgres.sh starts one)")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	schema := fmt.Sprintf("hostex_%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); conn.Close(ctx) })
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	db := url + sep + "search_path=" + schema

	start := func() (context.CancelFunc, *syncBuffer, chan int) {
		rctx, cancel := context.WithCancel(ctx)
		var out, errOut syncBuffer
		done := make(chan int, 1)
		go func() {
			done <- run(rctx, []string{"-addr", "127.0.0.1:0", "-db", db, "-metrics", "127.0.0.1:0"}, &out, &errOut)
		}()
		deadline := time.Now().Add(20 * time.Second)
		for !strings.Contains(out.String(), "listening on") && time.Now().Before(deadline) {
			select {
			case code := <-done:
				t.Fatalf("host exited %d: %s %s", code, out.String(), errOut.String())
			default:
			}
			time.Sleep(20 * time.Millisecond)
		}
		return cancel, &out, done
	}
	cancel, out, done := start()
	s := out.String()
	if !strings.Contains(s, "terminal(s) added, 0 already known") {
		t.Fatalf("first start: %q", s)
	}
	hostAddr := regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`).FindStringSubmatch(s)
	metricsAddr := regexp.MustCompile(`metrics on http://(127\.0\.0\.1:\d+)/metrics`).FindStringSubmatch(s)
	if hostAddr == nil || metricsAddr == nil {
		t.Fatalf("addresses not found in %q", s)
	}
	c, err := net.Dial("tcp", hostAddr[1])
	if err != nil {
		t.Fatal(err)
	}
	c.Write([]byte{0x00, 0x03, 0xDE, 0xAD, 0x00}) // a frame too short for any header
	c.Close()
	var body string
	for i := 0; i < 100; i++ {
		resp, err := http.Get("http://" + metricsAddr[1] + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body = string(b)
		if strings.Contains(body, "possdk_host_junk_frames_total 1") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(body, "possdk_host_junk_frames_total 1") || !strings.Contains(body, "possdk_host_reversal_backlog 0") {
		t.Fatalf("metrics:\n%s", body)
	}
	// The terminals' keys are HSM key blocks: no clear TMK in any row.
	k := fixtures.TestKeys()
	var n int
	var rows string
	if err := conn.QueryRow(ctx, "SELECT count(*), string_agg(tmk || coalesce(keyset::text, ''), ' ') FROM "+schema+".host_terminal_key_blocks").Scan(&n, &rows); err != nil {
		t.Fatal(err)
	}
	if n != len(k.Terminals) {
		t.Fatalf("%d terminals in host_terminal_key_blocks, want %d", n, len(k.Terminals))
	}
	for tid, tmk := range k.Terminals {
		if strings.Contains(strings.ToUpper(rows), strings.ToUpper(tmk)) {
			t.Fatalf("terminal %s's clear TMK is in the database", tid)
		}
	}
	cancel()
	<-done
	cancel, out, done = start()
	defer func() { cancel(); <-done }()
	if s := out.String(); !strings.Contains(s, " 0 terminal(s) added") {
		t.Fatalf("restart re-added terminals: %q", s)
	}
}

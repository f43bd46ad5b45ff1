// Command demo runs a payment terminal's whole day against an acquirer host
// on this machine, without hardware, and prints what happens:
//
//	go run ./examples/demo
//
// The host and the terminal run in this process on loopback (or, with
// -host, the terminal talks to a host started with go run ./examples/host).
// The day: sign-in with working-key download, a chip sale with PIN through
// the software card and the EMV kernel (ARQC verified by the host, ARPC
// back), a contactless payment from a Mastercard-style phone wallet (EMV
// Contactless Kernel 2) and one from a UnionPay QuickPass card (Kernel 7),
// a QR payment, a void, a
// response lost on the network and its reversal, and settlement. Card
// numbers are masked. The exit status is 0 only when every step behaved as
// expected.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/possdk/pos/examples/internal/cli"
	"github.com/possdk/pos/examples/internal/day"
	"github.com/possdk/pos/examples/internal/fixtures"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	host := fs.String("host", "", "address of a running examples/host (default: start one in this process)")
	keysFile := fs.String("keys", "", "keys file (JSON: terminals, imk, zpk; default: the published test keys)")
	timeout := fs.Duration("timeout", time.Second, "how long the terminal waits for each host response")
	verbose := fs.Bool("v", false, "also print the libraries' logs (APDUs, link events) to stderr")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: demo [-host addr] [-keys file] [-timeout d] [-v]")
		fs.PrintDefaults()
	}
	if ok, status := cli.Parse(fs, args); !ok {
		return status
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return 2
	}
	k, err := fixtures.LoadKeys(*keysFile)
	if err != nil {
		fmt.Fprintln(stderr, "demo:", err)
		return 1
	}
	cfg := day.Config{Out: stdout, HostAddr: *host, Keys: k, Timeout: *timeout}
	if *verbose {
		cfg.Logger = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := day.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "demo:", err)
		return 1
	}
	if !rep.OK() {
		return 1
	}
	return 0
}

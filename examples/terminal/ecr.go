package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/possdk/pos/examples/internal/fixtures"
	"github.com/possdk/pos/examples/internal/terminal"
	"github.com/possdk/pos/reader"
	"github.com/possdk/pos/reader/serial"
)

// serveECR lets a cash register drive the terminal: over a serial port, or
// over TCP, one register connection at a time, until ctx ends.
func serveECR(ctx context.Context, term *terminal.Terminal, o options, stdout io.Writer) error {
	name := o.card
	if name == "" {
		name = "unionpay_sda"
	}
	pad := terminal.PINPad{PIN: o.pin}
	if pad.PIN == "" && o.readerKind == "sim" {
		if p, err := fixtures.Profile(name); err == nil {
			pad.PIN = p.PIN
		} else {
			return err
		}
	}
	opt := terminal.ECROptions{PINPad: pad, Contactless: name == "phone_wallet" || name == "visa_qvsdc",
		Card: func(ctx context.Context) (reader.Card, func(), error) {
			return terminal.OpenCard(ctx, o.readerKind, name, term.StateDir(), 30*time.Second)
		}}
	if o.ecrSerial != "" {
		p, err := serial.Open(o.ecrSerial, serial.Config{})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "serving the cash register on %s\n", o.ecrSerial)
		return term.ServeECR(ctx, p, opt)
	}
	ln, err := net.Listen("tcp", o.ecrListen)
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	fmt.Fprintf(stdout, "waiting for the cash register on %s\n", ln.Addr())
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "cash register connected from %s\n", c.RemoteAddr())
		if err := term.ServeECR(ctx, c, opt); err != nil && ctx.Err() == nil {
			fmt.Fprintf(stdout, "cash register link ended: %v\n", err)
		}
	}
}

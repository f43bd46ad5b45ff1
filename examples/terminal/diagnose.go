package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"

	"strings"
	"syscall"
	"time"
)

// explain adds what is wrong in a payments person's words to an error from
// the host link: a TLS terminal and a plain host (or the reverse) see only
// a closed connection or a failed handshake, so the terminal probes the
// host once to say which side expects what.
func explain(ctx context.Context, err error, host string, useTLS bool) error {
	if err == nil || ctx.Err() != nil {
		return err
	}
	var (
		recErr  tls.RecordHeaderError
		certErr *tls.CertificateVerificationError
		netErr  net.Error
	)
	closed := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		strings.Contains(err.Error(), "connection closed") || strings.Contains(err.Error(), "closed by the remote")
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("%w\nnothing listens on %s: is the host running (go run ./examples/host)?", err, host)
	case useTLS && errors.As(err, &recErr):
		return fmt.Errorf("%w\nthe host at %s answered the TLS handshake with plain data: it expects plain TCP (run without -tls, -tls-pin and -ca, or start the host with -tls)", err, host)
	case useTLS && errors.As(err, &certErr):
		return fmt.Errorf("%w\nthe host's certificate does not verify against -ca", err)
	case useTLS && (closed || errors.As(err, &netErr) && netErr.Timeout()) && !speaksTLS(ctx, host):
		return fmt.Errorf("%w\nthe host at %s does not speak TLS: it expects plain TCP (run without -tls, -tls-pin and -ca, or start the host with -tls)", err, host)
	case !useTLS && closed && speaksTLS(ctx, host):
		return fmt.Errorf("%w\nthe host at %s expects TLS: give -tls-pin with the pin the host printed at start (or -ca)", err, host)
	}
	return err
}

// speaksTLS reports whether host completes a TLS handshake (its
// certificate unchecked: this only asks which protocol it speaks, and no
// data is sent).
func speaksTLS(ctx context.Context, host string) bool {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	d := tls.Dialer{Config: &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}}
	c, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

package pcsc

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/possdk/pos/reader"
)

func TestErrorMapping(t *testing.T) {
	// Codes from pcsc-lite src/PCSC/pcsclite.h.in.
	tests := []struct {
		code uint32
		want error
		name string
	}{
		{0x8010000C, reader.ErrNoCard, "SCARD_E_NO_SMARTCARD"},
		{0x80100069, reader.ErrCardRemoved, "SCARD_W_REMOVED_CARD"},
		{0x80100068, reader.ErrCardRemoved, "SCARD_W_RESET_CARD"},
		{0x8010000B, reader.ErrSharing, "SCARD_E_SHARING_VIOLATION"},
		{0x8010001D, reader.ErrNoService, "SCARD_E_NO_SERVICE"},
		{0x8010001E, reader.ErrNoService, "SCARD_E_SERVICE_STOPPED"},
		{0x80100009, reader.ErrNoReader, "SCARD_E_UNKNOWN_READER"},
		{0x8010002E, reader.ErrNoReader, "SCARD_E_NO_READERS_AVAILABLE"},
		{0x8010000F, reader.ErrProtocol, "SCARD_E_PROTO_MISMATCH"},
		{0x80100066, reader.ErrCardMute, "SCARD_W_UNRESPONSIVE_CARD"},
		{0x8010000A, os.ErrDeadlineExceeded, "SCARD_E_TIMEOUT"},
		{0x80100014, ErrPCSC, "SCARD_F_UNKNOWN_ERROR"},
		{0x80109999, ErrPCSC, "unknown code"},
	}
	for _, tt := range tests {
		err := newError("Connect", "Virtual PCD 00 00", tt.code)
		if !errors.Is(err, tt.want) {
			t.Errorf("%08X: %v does not wrap %v", tt.code, err, tt.want)
		}
		var pe *Error
		if !errors.As(err, &pe) || pe.Code != tt.code {
			t.Errorf("%08X: not an *Error with the code", tt.code)
		}
		if s := err.Error(); !strings.Contains(s, tt.name) || !strings.Contains(s, `"Virtual PCD 00 00"`) {
			t.Errorf("%08X: message %q lacks the code name or reader", tt.code, s)
		}
	}
	if newError("Connect", "", 0) != nil {
		t.Error("SCARD_S_SUCCESS made an error")
	}
}

func TestNotBuilt(t *testing.T) {
	if Built {
		t.Skip("built with PC/SC support")
	}
	ctx := context.Background()
	if _, err := New(ctx); !errors.Is(err, ErrNotBuilt) {
		t.Fatalf("New: %v", err)
	}
	var c Context
	if _, err := c.Readers(ctx); !errors.Is(err, ErrNotBuilt) {
		t.Errorf("Readers: %v", err)
	}
	if _, err := c.Open(ctx, "x"); !errors.Is(err, ErrNotBuilt) {
		t.Errorf("Open: %v", err)
	}
	if _, err := c.Wait(ctx, "x", reader.Inserted); !errors.Is(err, ErrNotBuilt) {
		t.Errorf("Wait: %v", err)
	}
}

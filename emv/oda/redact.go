package oda

import (
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
)

// String shows the recovered ICC key without the card's PAN (tag 5A, which
// the certificate carries): the PAN masked (first 6 and last 4 digits, PCI
// DSS 3.4), the expiry and the modulus length.
func (k ICCPublicKey) String() string {
	return "oda.ICCPublicKey{PAN " + maskBCD(k.PAN) + ", expiry " + hex.EncodeToString(k.Expiry) +
		", " + strconv.Itoa(len(k.Modulus)*8) + "-bit modulus}"
}

// Format prints String for every verb.
func (k ICCPublicKey) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, k.String()) }

// LogValue logs String.
func (k ICCPublicKey) LogValue() slog.Value { return slog.StringValue(k.String()) }

// MarshalText gives String to encoding/json and encoding/xml.
func (k ICCPublicKey) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// maskBCD masks an F-padded BCD PAN.
func maskBCD(b []byte) string {
	d := strings.TrimRight(strings.ToUpper(hex.EncodeToString(b)), "F")
	if len(d) < 13 {
		return "[" + strconv.Itoa(len(d)) + " digits]"
	}
	return d[:6] + strings.Repeat("*", len(d)-10) + d[len(d)-4:]
}

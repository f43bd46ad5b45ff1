package hsm

import (
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/keys/tr31"
)

// KeyBlock is a key as the host holds it: a TR-31 version D key block (ANSI
// X9.143) under the HSM's local master key. Its header is clear and
// authenticated: key usage and mode of use (the KeyClass), algorithm,
// exportability, and optional blocks KC (the key's check value) and KP
// (the LMK's check value). Store it as a string (Text); it is useless
// without the LMK, and prints as its header and check value only.
type KeyBlock string

// Text returns the whole key block, for the host's store.
func (b KeyBlock) Text() string { return string(b) }

// CheckValue returns the key's check value from the KC block (legacy for
// DES-family and SM4 keys, CMAC for AES, per X9.24-1:2017), without the
// LMK. It is not authenticated until the block is used.
func (b KeyBlock) CheckValue() []byte {
	h, err := tr31.ParseHeader(string(b))
	if err != nil {
		return nil
	}
	kc, ok := h.Block("KC")
	if !ok || len(kc) < 2 {
		return nil
	}
	v, err := hex.DecodeString(kc[2:])
	if err != nil {
		return nil
	}
	return v
}

// String shows the header fields and the check value: "KeyBlock(P0 T B
// KCV 08D7B4)".
func (b KeyBlock) String() string {
	h, err := tr31.ParseHeader(string(b))
	if err != nil {
		return "KeyBlock(malformed)"
	}
	return fmt.Sprintf("KeyBlock(%s %c %c KCV %X)", h.Usage, h.Algorithm, h.ModeOfUse, b.CheckValue())
}

// GoString is String, for %#v.
func (b KeyBlock) GoString() string { return b.String() }

// Format writes String for every verb, so %s, %v, %q and %x all show the
// header only.
func (b KeyBlock) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, b.String()) }

// LogValue implements slog.LogValuer.
func (b KeyBlock) LogValue() slog.Value { return slog.StringValue(b.String()) }

// kcvBlock is the KC optional block of X9.143: "00" legacy or "01" CMAC
// check value, then the value in hex.
func kcvBlock(k *keys.Key) (tr31.OptionalBlock, error) {
	m, code := keys.KCVLegacy, "00"
	if k.Algorithm().IsAES() {
		m, code = keys.KCVCMAC, "01"
	}
	kcv, err := k.CheckValueWith(m, 0)
	if err != nil {
		return tr31.OptionalBlock{}, err
	}
	return tr31.OptionalBlock{ID: "KC", Data: code + strings.ToUpper(hex.EncodeToString(kcv))}, nil
}

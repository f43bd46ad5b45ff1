package dukpt

import (
	"crypto/des"
	"fmt"

	"github.com/possdk/pos/keys"
)

// MACRequest returns the 8-byte ANSI X9.19 MAC (ISO/IEC 9797-1 algorithm 3,
// padding method 1) of a message from the device, under the MAC request
// key. Networks often send its leftmost 4 bytes.
func (t *TDESKey) MACRequest(msg []byte) ([]byte, error) {
	return t.mac(variantMACRequest, msg)
}

// MACResponse returns the X9.19 MAC of a message to the device, under the
// MAC response key.
func (t *TDESKey) MACResponse(msg []byte) ([]byte, error) {
	return t.mac(variantMACResponse, msg)
}

// VerifyMACRequest checks a 4- to 8-byte received MAC (the leftmost bytes
// of MACRequest) in constant time; a mismatch wraps keys.ErrMAC.
func (t *TDESKey) VerifyMACRequest(msg, mac []byte) error {
	return t.verify(variantMACRequest, msg, mac)
}

// VerifyMACResponse is VerifyMACRequest for the MAC response key.
func (t *TDESKey) VerifyMACResponse(msg, mac []byte) error {
	return t.verify(variantMACResponse, msg, mac)
}

func (t *TDESKey) mac(v uint64, msg []byte) ([]byte, error) {
	k := t.variant(v)
	defer clear(k[:])
	left, err := des.NewCipher(k[:8])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKey, err)
	}
	right, err := des.NewCipher(k[8:])
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKey, err)
	}
	return keys.RetailMAC(left, right, msg, keys.Padding1, 0)
}

func (t *TDESKey) verify(v uint64, msg, mac []byte) error {
	if len(mac) < 4 || len(mac) > 8 {
		return fmt.Errorf("%w: MAC of %d bytes, want 4 to 8", ErrDataLength, len(mac))
	}
	got, err := t.mac(v, msg)
	if err != nil {
		return err
	}
	return keys.Verify(mac, got[:len(mac)])
}

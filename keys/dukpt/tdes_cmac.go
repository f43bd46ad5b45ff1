package dukpt

import (
	"fmt"

	"github.com/possdk/pos/keys"
)

// TDES-CMAC (NIST SP 800-38B with TDES, 8 bytes) under the MAC request and
// response variants of X9.24-1:2009 Table A-1, for networks that MAC DUKPT
// messages with CMAC instead of the X9.19 retail MAC (MACRequest).

// CMACRequest returns the TDES-CMAC of a message from the device.
func (t *TDESKey) CMACRequest(msg []byte) ([]byte, error) {
	return t.cmac(variantMACRequest, msg)
}

// CMACResponse returns the TDES-CMAC of a message to the device.
func (t *TDESKey) CMACResponse(msg []byte) ([]byte, error) {
	return t.cmac(variantMACResponse, msg)
}

// VerifyCMACRequest checks a 4- to 8-byte received CMAC in constant time;
// a mismatch wraps keys.ErrMAC.
func (t *TDESKey) VerifyCMACRequest(msg, mac []byte) error {
	return t.verifyCMAC(variantMACRequest, msg, mac)
}

// VerifyCMACResponse is VerifyCMACRequest for the response key.
func (t *TDESKey) VerifyCMACResponse(msg, mac []byte) error {
	return t.verifyCMAC(variantMACResponse, msg, mac)
}

func (t *TDESKey) cmac(v uint64, msg []byte) ([]byte, error) {
	b, err := t.usageBlock(v, false)
	if err != nil {
		return nil, err
	}
	return keys.AppendCMAC(make([]byte, 0, 16), b, msg, 0)
}

func (t *TDESKey) verifyCMAC(v uint64, msg, mac []byte) error {
	if len(mac) < 4 || len(mac) > 8 {
		return fmt.Errorf("%w: CMAC of %d bytes, want 4 to 8", ErrDataLength, len(mac))
	}
	got, err := t.cmac(v, msg)
	if err != nil {
		return err
	}
	return keys.Verify(mac, got[:len(mac)])
}

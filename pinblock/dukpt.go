package pinblock

import (
	"fmt"
	"io"

	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/keys/dukpt"
)

// TDESDUKPT returns the Cipher for one TDES DUKPT transaction: format f
// under the transaction's PIN key (the PIN variant of ANSI X9.24-1:2009
// Table A-1). A terminal gets t from its dukpt.TDESTerminal, a host from
// dukpt.TDESHost.TransactionKey(ksn). X9.24-1 devices send format 0; 1 and
// 3 work the same way. The Cipher prints the KSN, never key material.
func TDESDUKPT(t *dukpt.TDESKey, f Format, rand io.Reader) (*Cipher, error) {
	if t == nil {
		return nil, fmt.Errorf("%w: nil DUKPT key", ErrKey)
	}
	k, err := t.PINKey()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKey, err)
	}
	defer k.Zero()
	c, err := NewCipher(k, f, rand)
	if err != nil {
		return nil, err
	}
	c.desc = "TDES DUKPT PIN key, KSN " + t.KSN().String()
	return c, nil
}

// AESDUKPT returns the Cipher for one AES DUKPT transaction: format f under
// the transaction's PIN encryption working key of algorithm alg (ANSI
// X9.24-3-2017 §6, key usage 1000). Use Format4 with an AES working key;
// X9.24-3 also derives TDES working keys for devices that still send
// format 0 or 3. A terminal gets t from its dukpt.AESTerminal, a host from
// dukpt.AESHost.TransactionKey(ksn).
func AESDUKPT(t *dukpt.AESKey, f Format, alg keys.Algorithm, rand io.Reader) (*Cipher, error) {
	if t == nil {
		return nil, fmt.Errorf("%w: nil DUKPT key", ErrKey)
	}
	k, err := t.WorkingKey(dukpt.PINEncryption, alg)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKey, err)
	}
	defer k.Zero()
	c, err := NewCipher(k, f, rand)
	if err != nil {
		return nil, err
	}
	c.desc = "AES DUKPT " + alg.String() + " PIN key, KSN " + t.KSN().String()
	return c, nil
}

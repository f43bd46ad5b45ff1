package hsm

import (
	"context"
	"crypto/subtle"
	"fmt"

	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/keys/dukpt"
)

var workingKeyClasses = [3]KeyClass{PINKey, MACKey, DataKey}

// GenerateWorkingKeys implements TerminalSecurity: fresh working keys for
// CUP sign-in key mode m (keys.NewWorkingKeys), field 62 under the TMK
// (keys.EncodeField62: each key ECB-encrypted, followed by its 4-byte
// check value), and the same keys under the LMK.
func (s *Software) GenerateWorkingKeys(_ context.Context, tmk KeyBlock, m keys.KeyMode) (*WorkingKeys, error) {
	te, err := s.key(tmk, TerminalMasterKey, 'E')
	if err != nil {
		return nil, err
	}
	w, err := keys.NewWorkingKeys(s.rand, m)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	defer w.Zero()
	f62, err := keys.EncodeField62(te.key, w)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	out := &WorkingKeys{Mode: m, Field62: f62}
	dst := [3]*KeyBlock{&out.PIN, &out.MAC, &out.Data}
	for i, k := range [3]*keys.Key{w.PIN, w.MAC, w.Data} {
		if k == nil {
			continue
		}
		if *dst[i], err = s.wrap(k, workingKeyClasses[i], 'N'); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// GenerateMAC implements TerminalSecurity.
func (s *Software) GenerateMAC(_ context.Context, r MACRequest) ([]byte, error) {
	return s.mac(r, 'G')
}

// VerifyMAC implements TerminalSecurity.
func (s *Software) VerifyMAC(_ context.Context, r MACRequest, mac []byte) error {
	got, err := s.mac(r, 'V')
	if err != nil {
		return err
	}
	if len(mac) < 4 || len(mac) > len(got) || subtle.ConstantTimeCompare(got[:len(mac)], mac) != 1 {
		return fmt.Errorf("%w: %d-byte %s MAC", ErrMAC, len(mac), r.Algorithm)
	}
	return nil
}

func (s *Software) mac(r MACRequest, op byte) ([]byte, error) {
	if len(r.KSN) > 0 {
		return s.dukptMAC(r, op)
	}
	e, err := s.key(r.Key, MACKey, op)
	if err != nil {
		return nil, err
	}
	k := e.key
	buf := make([]byte, 0, 32)
	switch r.Algorithm {
	case MACCUP:
		b, err := k.Block()
		if err != nil {
			return nil, err
		}
		return keys.AppendCUPMAC(buf, b, r.Data)
	case MACCUPSingle:
		l, _, err := k.DESParts()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrKeyUsage, err)
		}
		return keys.AppendCUPMAC(buf, l, r.Data)
	case MACX919:
		l, rt, err := k.DESParts()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrKeyUsage, err)
		}
		return keys.AppendRetailMAC(buf, l, rt, r.Data, keys.Padding1, 8)
	case MACX99:
		b, err := k.Block()
		if err != nil {
			return nil, err
		}
		return keys.AppendCBCMAC(buf, b, r.Data, keys.Padding1, 8)
	case MACCMAC:
		b, err := k.Block()
		if err != nil {
			return nil, err
		}
		return keys.AppendCMAC(buf, b, r.Data, 0)
	}
	return nil, fmt.Errorf("%w: MAC algorithm %d", ErrInput, r.Algorithm)
}

// dukptMAC: TDES DUKPT (10-byte KSN) X9.19 (or TDES-CMAC with MACCMAC)
// under the request or response MAC variant; AES DUKPT (12-byte KSN) CMAC
// under an AES-128 MAC generation (request) or verification (response)
// working key.
func (s *Software) dukptMAC(r MACRequest, _ byte) ([]byte, error) {
	tk, ak, err := s.dukptKey(r.Key, r.KSN)
	if err != nil {
		return nil, err
	}
	if tk != nil {
		defer tk.Zero()
		switch {
		case r.Algorithm == MACCMAC && r.Response:
			return tk.CMACResponse(r.Data)
		case r.Algorithm == MACCMAC:
			return tk.CMACRequest(r.Data)
		case r.Response:
			return tk.MACResponse(r.Data)
		}
		return tk.MACRequest(r.Data)
	}
	defer ak.Zero()
	u := dukpt.MACGeneration
	if r.Response {
		u = dukpt.MACVerification
	}
	mac, err := ak.CMAC(u, keys.AES128, r.Data)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	return mac, nil
}

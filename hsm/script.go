package hsm

import (
	"context"
	"fmt"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/pinblock"
)

// ScriptCommand implements CardSecurity with emv.ScriptProfile.
func (s *Software) ScriptCommand(_ context.Context, r ScriptRequest) ([]byte, error) {
	if r.Method == nil {
		return nil, fmt.Errorf("%w: no cryptogram method", ErrInput)
	}
	sp, err := emv.ScriptProfileOf(r.Method)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	ap, err := r.Method.Profile()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	pan, psn, err := parseCard(r.PAN, r.PSN)
	if err != nil {
		return nil, err
	}
	cardKey := func(b KeyBlock, c KeyClass) (*keys.Key, error) {
		e, err := s.key(b, c, 'X')
		if err != nil {
			return nil, err
		}
		mk, err := ap.DeriveMasterKey(e.key, pan, psn)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInput, err)
		}
		return mk, nil
	}
	sessionKey := func(b KeyBlock, c KeyClass) (*keys.Key, error) {
		mk, err := cardKey(b, c)
		if err != nil {
			return nil, err
		}
		defer mk.Zero()
		sk, err := sp.DeriveSessionKey(mk, r.ATC, r.ARQC)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInput, err)
		}
		return sk, nil
	}
	smi, err := sessionKey(r.IMKSMI, IssuerMasterKeySMI)
	if err != nil {
		return nil, err
	}
	defer smi.Zero()
	var smc *keys.Key
	if r.Encrypt || r.NewPIN != nil {
		if smc, err = sessionKey(r.IMKSMC, IssuerMasterKeySMC); err != nil {
			return nil, err
		}
		defer smc.Zero()
	}
	if r.NewPIN == nil {
		cmd, err := sp.Command(smi, smc, r.CLA, r.INS, r.P1, r.P2, r.Data, r.ATC, r.ARQC)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInput, err)
		}
		return cmd, nil
	}
	newPIN, err := s.clearPIN(*r.NewPIN, r.PAN)
	if err != nil {
		return nil, fmt.Errorf("new PIN: %w", err)
	}
	defer newPIN.Wipe()
	var cur pinblock.PIN
	if r.CurrentPIN != nil {
		if cur, err = s.clearPIN(*r.CurrentPIN, r.PAN); err != nil {
			return nil, fmt.Errorf("current PIN: %w", err)
		}
		defer cur.Wipe()
	}
	var mkAC *keys.Key
	if sp.PINChange == emv.PINChangeVIS || sp.PINChange == emv.PINChangeISO2OrVIS && r.CurrentPIN != nil {
		if mkAC, err = cardKey(r.IMKAC, IssuerMasterKeyAC); err != nil {
			return nil, err
		}
		defer mkAC.Zero()
	}
	cmd, err := sp.PINChangeCommand(mkAC, smi, smc, newPIN, cur, r.ATC, r.ARQC)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	return cmd, nil
}

// clearPIN deciphers and validates a PIN block inside the HSM.
func (s *Software) clearPIN(b PINBlockRef, pan string) (pinblock.PIN, error) {
	c, err := s.pinCipher(b.Key, 'D')
	if err != nil {
		return pinblock.PIN{}, err
	}
	pin, err := c.Decrypt(b.Block, pan)
	if err != nil {
		return pinblock.PIN{}, pinError(err)
	}
	return pin, nil
}

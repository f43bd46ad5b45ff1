package main

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/possdk/pos/hsm"
	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/iso8583/link/pgstore"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/pinblock"
)

// The -keys modes.
const (
	// keysHSM: the host's cryptography goes through a software HSM under a
	// local master key of the run; the host holds the terminals' TMKs and
	// working keys and the zone PIN key as key blocks only (in memory, or
	// with -db in pgstore.BlockKeyStore), as a production host does.
	keysHSM = "hsm"
	// keysClear: the terminals' keys in clear in a link.MemoryKeyStore and
	// a clear zone PIN key (HostConfig.Keys and ZPK), the configuration
	// before the HSM, kept to compare the CPU per authorisation.
	keysClear = "clear"
)

// keyring is a run's key material on the host's side.
type keyring struct {
	mode string
	// zpk is the zone PIN key in clear: the issuer's own copy (the
	// SimIssuer is another party, with an HSM of its own), and with
	// -keys clear the host's too.
	zpk *pinblock.Cipher
	// clear is the host's clear-key store (-keys clear).
	clear *link.MemoryKeyStore
	// sw and zoneKey are the host's HSM and the zone PIN key as a key
	// block under its LMK (-keys hsm).
	sw      *hsm.Software
	zoneKey hsm.KeyBlock
	// tids are the terminals added, in order.
	tids []string
}

func newKeyring(mode string, nTerm int) (*keyring, error) {
	zk, err := keys.Generate(keys.TDES2, rand.Reader)
	if err != nil {
		return nil, err
	}
	zpk, err := pinblock.NewCipher(zk, pinblock.Format0, nil)
	if err != nil {
		return nil, err
	}
	kr := &keyring{mode: mode, zpk: zpk}
	switch mode {
	case keysClear:
		kr.clear = link.NewMemoryKeyStore()
	case keysHSM:
		// A fresh LMK per run (a production host's comes from its HSM or
		// hsm.OpenLMK); the cache holds every terminal's keys.
		lmk, err := keys.Generate(keys.AES256, rand.Reader)
		if err != nil {
			return nil, err
		}
		if kr.sw, err = hsm.NewSoftware(hsm.SoftwareConfig{LMK: lmk, CacheSize: max(1<<14, 8*nTerm)}); err != nil {
			return nil, err
		}
		// The key exchange with the issuer: the zone key enters the HSM
		// (ImportComponents or ImportTR31 in production; Wrap here).
		if kr.zoneKey, err = kr.sw.Wrap(zk, hsm.PINKey); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("-keys %q: want %s or %s", mode, keysHSM, keysClear)
	}
	return kr, nil
}

// blockStore is where a host with an HSM keeps the terminals' key blocks:
// link.MemoryTerminalKeyStore, or with -db pgstore.BlockKeyStore.
type blockStore interface {
	link.TerminalKeyStore
	AddTerminal(ctx context.Context, tid string, tmk hsm.KeyBlock) error
}

type memBlocks struct{ *link.MemoryTerminalKeyStore }

func (m memBlocks) AddTerminal(_ context.Context, tid string, tmk hsm.KeyBlock) error {
	m.MemoryTerminalKeyStore.AddTerminal(tid, tmk)
	return nil
}

// hostKeys sets the key fields of a host's configuration. st is the
// host's PostgreSQL store (nil: in memory). from, if not nil, is the
// terminal store of an earlier host whose terminals (TMKs and the working
// keys they signed in with) the new one is to know: the replay's fresh
// host serves frames MACed under those keys.
func (kr *keyring) hostKeys(ctx context.Context, cfg *link.HostConfig, st *pgstore.Store, from blockStore) (blockStore, error) {
	if kr.mode == keysClear {
		cfg.Keys, cfg.ZPK = kr.clear, kr.zpk
		return nil, nil
	}
	var bs blockStore = memBlocks{link.NewMemoryTerminalKeyStore()}
	if st != nil {
		bs = pgstore.NewBlockKeyStore(st)
	}
	if from != nil {
		for _, tid := range kr.tids {
			if err := copyTerminal(ctx, bs, from, tid); err != nil {
				return nil, err
			}
		}
	}
	cfg.HSM, cfg.Terminals, cfg.ZoneKey = kr.sw, bs, kr.zoneKey
	return bs, nil
}

// copyTerminal gives to the terminal's TMK and current working key blocks
// in from (confirmed if they are there).
func copyTerminal(ctx context.Context, to, from blockStore, tid string) error {
	tk, err := from.TerminalKeyBlocks(tid)
	if err != nil {
		return err
	}
	if err := to.AddTerminal(ctx, tid, tk.TMK); err != nil {
		return err
	}
	if tk.Working == nil {
		return nil
	}
	if err := to.SetWorkingKeyBlocks(tid, tk.Working); err != nil {
		return err
	}
	if !tk.Confirmed {
		return nil
	}
	now, err := to.TerminalKeyBlocks(tid)
	if err != nil {
		return err
	}
	return to.ConfirmWorkingKeyBlocks(tid, now.Working)
}

// addTerminal registers a terminal and its TMK with the host: in clear
// (-keys clear), or as a key block under the HSM's LMK in bs.
func (kr *keyring) addTerminal(ctx context.Context, bs blockStore, tid string, tmk *keys.Key) error {
	kr.tids = append(kr.tids, tid)
	if kr.mode == keysClear {
		kr.clear.AddTerminal(tid, tmk)
		return nil
	}
	b, err := kr.sw.Wrap(tmk, hsm.TerminalMasterKey)
	if err != nil {
		return err
	}
	return bs.AddTerminal(ctx, tid, b)
}

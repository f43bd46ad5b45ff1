package main

import (
	"context"
	"crypto/rand"
	"os"
	"testing"
	"time"

	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/keys"
)

// A small run in each key mode, with the replay: the program's own check
// (every terminal's batch = the host's ledger = the issuer's books, and the
// replay's issuer approving every replayed sale once) must pass, which it
// cannot unless the host verifies the terminals' MACs and translates their
// PIN blocks to the issuer's zone key in that mode.
func TestRunKeyModes(t *testing.T) { runKeyModes(t, "") }

// TestRunKeyModesPostgres is TestRunKeyModes with the host's store (and
// with -keys hsm its key blocks, pgstore.BlockKeyStore) in PostgreSQL.
func TestRunKeyModesPostgres(t *testing.T) {
	u := os.Getenv("POSSDK_PG_URL")
	if u == "" {
		t.Skip("POSSDK_PG_URL is not set: no PostgreSQL to test against (.ci/postgres.sh starts one)")
	}
	runKeyModes(t, u)
}

func runKeyModes(t *testing.T, db string) {
	for _, mode := range []string{keysHSM, keysClear} {
		t.Run(mode, func(t *testing.T) {
			o := opts{nTerm: 4, nSales: 10, dir: t.TempDir(), reserve: 1, seal: true, timeout: 10 * time.Second,
				db: db, replay: true, keys: mode}
			if err := run(o); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// With -keys hsm the host is configured with the HSM, the key-block store
// and the zone key as a key block, and no clear key (HostConfig.Keys, ZPK);
// the replay's host gets the terminals' key blocks copied, signed-in keys
// included.
func TestHostKeysHSM(t *testing.T) {
	ctx := context.Background()
	kr, err := newKeyring(keysHSM, 1)
	if err != nil {
		t.Fatal(err)
	}
	var cfg link.HostConfig
	bs, err := kr.hostKeys(ctx, &cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Keys != nil || cfg.ZPK != nil || cfg.HSM != kr.sw || cfg.Terminals != bs || cfg.ZoneKey == "" {
		t.Fatalf("host configuration %+v: want the HSM, key blocks and no clear key", cfg)
	}
	tmk, err := keys.Generate(keys.TDES2, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := kr.addTerminal(ctx, bs, "T0000001", tmk); err != nil {
		t.Fatal(err)
	}
	tk, err := bs.TerminalKeyBlocks("T0000001")
	if err != nil {
		t.Fatal(err)
	}
	w, err := kr.sw.GenerateWorkingKeys(ctx, tk.TMK, keys.ModeTDES)
	if err != nil {
		t.Fatal(err)
	}
	if err := bs.SetWorkingKeyBlocks("T0000001", w); err != nil {
		t.Fatal(err)
	}
	tk, _ = bs.TerminalKeyBlocks("T0000001")
	if err := bs.ConfirmWorkingKeyBlocks("T0000001", tk.Working); err != nil {
		t.Fatal(err)
	}
	var cfg2 link.HostConfig
	bs2, err := kr.hostKeys(ctx, &cfg2, nil, bs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := bs2.TerminalKeyBlocks("T0000001")
	if err != nil {
		t.Fatal(err)
	}
	if bs2 == bs || got.TMK != tk.TMK || !got.Confirmed || got.Working == nil ||
		got.Working.MAC != w.MAC || got.Working.PIN != w.PIN || got.Working.Mode != w.Mode {
		t.Fatalf("replay host's keys %v, want the run's %v, confirmed", got, tk)
	}
}

func TestRunBadKeyMode(t *testing.T) {
	if err := run(opts{nTerm: 1, nSales: 1, dir: t.TempDir(), reserve: 1, keys: "plain"}); err == nil {
		t.Fatal("-keys plain accepted")
	}
}

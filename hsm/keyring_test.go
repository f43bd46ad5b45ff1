package hsm

import (
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/possdk/pos/keys"
)

// A keyring survives a reopen; its file holds key blocks, never the clear
// keys; the blocks work in the HSM after the reopen; a malformed file is an
// error naming the line, and a failed write leaves the old contents.
func TestKeyring(t *testing.T) {
	s := newSoftware(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "keys.ring")
	r, err := OpenKeyring(path)
	if err != nil {
		t.Fatal(err)
	}
	const imkHex = "0123456789ABCDEFFEDCBA9876543210"
	imk := wrapHex(t, s, IssuerMasterKeyAC, keys.TDES2, imkHex)
	cvk := wrapHex(t, s, CardVerificationKey, keys.TDES2, "89ABCDEF0123456776543210FEDCBA98")
	if err := r.Put("issuer/imk-ac", imk); err != nil {
		t.Fatal(err)
	}
	if err := r.Put("issuer/cvk", cvk); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	up := strings.ToUpper(string(raw))
	if strings.Contains(up, imkHex[:16]) || strings.Contains(up, "89ABCDEF01234567") || strings.Contains(string(raw), string(mustBytes(imkHex))) {
		t.Fatal("keyring file holds a clear key")
	}
	r2, err := OpenKeyring(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := r2.Labels(); len(got) != 2 || got[0] != "issuer/cvk" || got[1] != "issuer/imk-ac" {
		t.Fatalf("labels %v", got)
	}
	b, err := r2.Get("issuer/imk-ac")
	if err != nil || b != imk {
		t.Fatalf("Get: %v", err)
	}
	if kcv, err := s.CheckValue(ctx, b); err != nil || len(kcv) != 3 {
		t.Fatalf("reopened block does not work: %v", err)
	}
	if err := r2.Delete("issuer/cvk"); err != nil {
		t.Fatal(err)
	}
	if _, err := r2.Get("issuer/cvk"); !errors.Is(err, ErrKeyring) {
		t.Errorf("deleted key: %v", err)
	}
	for _, bad := range []string{"label without tab\n", "a\tb c\n", "x\tD0\nx\tD1\n"} {
		p := filepath.Join(dir, "bad")
		_ = os.WriteFile(p, []byte(bad), 0o600)
		if _, err := OpenKeyring(p); !errors.Is(err, ErrKeyring) || !strings.Contains(err.Error(), "line") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if err := r2.Put("tab\tlabel", imk); !errors.Is(err, ErrKeyring) {
		t.Errorf("tab in label: %v", err)
	}
	// A write that cannot happen (directory gone) leaves the keyring as it
	// was in memory.
	gone := filepath.Join(t.TempDir(), "sub", "k.ring")
	r3, _ := OpenKeyring(gone)
	if err := r3.Put("a", imk); err == nil {
		t.Fatal("write into a missing directory succeeded")
	}
	if _, err := r3.Get("a"); !errors.Is(err, ErrKeyring) {
		t.Errorf("failed Put kept the key: %v", err)
	}
}

func mustBytes(h string) []byte { b, _ := hex.DecodeString(h); return b }

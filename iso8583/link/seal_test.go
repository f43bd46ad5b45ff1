package link

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var (
	sealKeyA = bytes.Repeat([]byte{0xA5}, 32)
	sealKeyB = bytes.Repeat([]byte{0x5A}, 32)
)

const sealPAN = "6222021234567890123"

// clearForms are the ways a PAN can sit in a file in clear: ASCII, hex
// text of the ASCII (both cases), and packed BCD (CUP field 2 packs it so).
func clearForms(pan string) [][]byte {
	bcd, _ := hex.DecodeString(pan + strings.Repeat("0", len(pan)%2))
	return [][]byte{
		[]byte(pan),
		[]byte(hex.EncodeToString([]byte(pan))),
		[]byte(strings.ToUpper(hex.EncodeToString([]byte(pan)))),
		bcd[:len(pan)/2],
	}
}

func assertNoClearPAN(t *testing.T, dir, pan string) {
	t.Helper()
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, f := range clearForms(pan) {
			if bytes.Contains(b, f) {
				t.Errorf("%s holds the PAN in clear (%q)", path, f)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSealedJournalAtRest (PCI DSS 3.5.1, issue 15): with a storage key
// the journal file never holds the PAN in clear, hex or BCD, and the
// payloads come back on reopen.
func TestSealedJournalAtRest(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "batch.jnl")
	j, err := OpenJournal(path, WithSealKey(sealKeyA))
	if err != nil {
		t.Fatal(err)
	}
	payload := []byte(`{"PAN":"` + sealPAN + `","Expiry":"2612"}`)
	for id := uint64(1); id <= 3; id++ {
		if err := j.Put(id, payload); err != nil {
			t.Fatal(err)
		}
	}
	j.Delete(2)
	j.Close()
	assertNoClearPAN(t, dir, sealPAN)
	j, err = OpenJournal(path, WithSealKey(sealKeyA))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	got, ok := j.Get(3)
	if !ok || !bytes.Equal(got, payload) || j.Len() != 2 {
		t.Fatalf("reopened: %q %v, %d entries", got, ok, j.Len())
	}
}

// TestSealedJournalRefusesForeignData (issue 15): a file opened with
// another terminal's key or without a key, a record edited (checksum
// fixed up, so only the seal can tell), and a journal file moved to
// another journal's name all fail with ErrSealed.
func TestSealedJournalRefusesForeignData(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "batch.jnl")
	j, err := OpenJournal(path, WithSealKey(sealKeyA))
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Put(7, []byte("approved sale "+sealPAN)); err != nil {
		t.Fatal(err)
	}
	j.Close()
	orig, _ := os.ReadFile(path)

	if _, err := OpenJournal(path, WithSealKey(sealKeyB)); !errors.Is(err, ErrSealed) {
		t.Errorf("another terminal's key: %v, want ErrSealed", err)
	}
	if _, err := OpenJournal(path); !errors.Is(err, ErrSealed) {
		t.Errorf("no key: %v, want ErrSealed", err)
	}

	edited := bytes.Clone(orig)
	edited[len(edited)-20] ^= 1
	rec := edited[sealedHdrLen:]
	binary.BigEndian.PutUint32(rec[4:], crc32.Checksum(rec[recordHdrLen:], castagnoli))
	os.WriteFile(path, edited, 0o600)
	if _, err := OpenJournal(path, WithSealKey(sealKeyA)); !errors.Is(err, ErrSealed) {
		t.Errorf("edited record: %v, want ErrSealed", err)
	}

	moved := filepath.Join(dir, "reversals.jnl")
	os.WriteFile(moved, orig, 0o600)
	if _, err := OpenJournal(moved, WithSealKey(sealKeyA)); !errors.Is(err, ErrSealed) {
		t.Errorf("batch journal under the reversals' name: %v, want ErrSealed", err)
	}
}

// TestSealedJournalKeyRotation: opened with a new key and the old one as
// previous, the journal is rewritten under the new key; afterwards the
// old key alone no longer opens it. A clear journal opened with a key is
// sealed the same way.
func TestSealedJournalKeyRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rev.jnl")
	j, err := OpenJournal(path) // clear, as before this version
	if err != nil {
		t.Fatal(err)
	}
	j.Put(1, []byte("reversal "+sealPAN))
	j.Close()
	j, err = OpenJournal(path, WithSealKey(sealKeyA))
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	assertNoClearPAN(t, dir, sealPAN)

	j, err = OpenJournal(path, WithSealKey(sealKeyB, sealKeyA))
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	if _, err := OpenJournal(path, WithSealKey(sealKeyA)); !errors.Is(err, ErrSealed) {
		t.Fatalf("old key after rotation: %v, want ErrSealed", err)
	}
	j, err = OpenJournal(path, WithSealKey(sealKeyB))
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if got, ok := j.Get(1); !ok || string(got) != "reversal "+sealPAN {
		t.Fatalf("after rotation: %q %v", got, ok)
	}
}

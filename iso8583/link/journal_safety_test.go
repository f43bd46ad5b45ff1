package link

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestJournalSecondOpenerLocked (issue 15): two openers of one journal
// would interleave records and lose one; the second gets ErrLocked, and
// the lock survives a compaction (which renames a new file over the old).
func TestJournalSecondOpenerLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rev.jnl")
	j, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenJournal(path); !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
	if err := j.Put(1, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := j.Compact(); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenJournal(path); !errors.Is(err, ErrLocked) {
		t.Fatalf("open after compaction: %v, want ErrLocked", err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j2, err := OpenJournal(path)
	if err != nil {
		t.Fatalf("open after close: %v", err)
	}
	j2.Close()
}

// TestCountersSecondOpenerLocked (issue 15): two openers of the counters
// would issue the same STAN twice.
func TestCountersSecondOpenerLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "counters")
	c, err := OpenCounters(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenCounters(path); !errors.Is(err, ErrLocked) {
		t.Fatalf("second open: %v, want ErrLocked", err)
	}
	c.Close()
	c2, err := OpenCounters(path)
	if err != nil {
		t.Fatalf("open after close: %v", err)
	}
	c2.Close()
}

// TestJournalMidFileDamage (issue 15): a damaged length field in the
// middle of a journal is not a torn tail. Opening fails with ErrCorrupt
// and the file is left exactly as it was (nothing is cut): the three
// records after the damage are still there for whoever repairs it.
func TestJournalMidFileDamage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rev.jnl")
	j, err := OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	for id := uint64(1); id <= 4; id++ {
		if err := j.Put(id, []byte("pending reversal")); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// The first record's length field, right after the 8-byte header.
	binary.BigEndian.PutUint32(data[journalHdrLen:], 0xFFFFFF)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenJournal(path); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("open: %v, want ErrCorrupt", err)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(after) != string(data) {
		t.Fatalf("the damaged journal was changed from %d to %d bytes", len(data), len(after))
	}
}

// TestJournalTornLastRecord: a record cut short at the end of the file (a
// crash during its write) is dropped and the earlier ones kept — also
// when the damage is in its length field.
func TestJournalTornLastRecord(t *testing.T) {
	for _, tc := range []struct {
		name string
		tear func([]byte, int) []byte
	}{
		{"short body", func(d []byte, last int) []byte { return d[:len(d)-3] }},
		{"zeroed length", func(d []byte, last int) []byte {
			binary.BigEndian.PutUint32(d[last:], 0)
			return d
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "rev.jnl")
			j, err := OpenJournal(path)
			if err != nil {
				t.Fatal(err)
			}
			for id := uint64(1); id <= 3; id++ {
				if err := j.Put(id, []byte("pending reversal")); err != nil {
					t.Fatal(err)
				}
			}
			j.Close()
			data, _ := os.ReadFile(path)
			rec := recordHdrLen + recordMinBody + len("pending reversal")
			data = tc.tear(data, len(data)-rec)
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			j, err = OpenJournal(path)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			defer j.Close()
			if j.Len() != 2 || j.Recovery().TornBytes == 0 {
				t.Fatalf("%d entries, recovery %+v; want 2 and torn bytes", j.Len(), j.Recovery())
			}
		})
	}
}

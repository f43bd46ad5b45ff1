package link

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

func openTestJournal(t *testing.T, path string) *Journal {
	t.Helper()
	j, err := OpenJournal(path)
	if err != nil {
		t.Fatalf("OpenJournal: %v", err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

func TestJournalPutDeleteReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rev.jnl")
	j := openTestJournal(t, path)
	for i := uint64(1); i <= 5; i++ {
		if err := j.Put(i, []byte(fmt.Sprintf("reversal %d", i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Put(2, []byte("reversal 2, reason A0")); err != nil {
		t.Fatal(err)
	}
	if err := j.Delete(3); err != nil {
		t.Fatal(err)
	}
	if err := j.Delete(99); err != nil {
		t.Fatalf("deleting an absent id: %v", err)
	}
	j.Close()
	if err := j.Put(6, nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("Put after Close = %v, want ErrClosed", err)
	}

	j2 := openTestJournal(t, path)
	got := j2.Entries()
	want := []Entry{{1, []byte("reversal 1")}, {2, []byte("reversal 2, reason A0")}, {4, []byte("reversal 4")}, {5, []byte("reversal 5")}}
	if len(got) != len(want) {
		t.Fatalf("got %d entries, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].ID != want[i].ID || !bytes.Equal(got[i].Payload, want[i].Payload) {
			t.Errorf("entry %d = %d %q, want %d %q", i, got[i].ID, got[i].Payload, want[i].ID, want[i].Payload)
		}
	}
	if r := j2.Recovery(); r.Records != 7 || r.TornBytes != 0 {
		t.Errorf("Recovery = %+v, want 7 records, no torn bytes", r)
	}
	if p, ok := j2.Get(4); !ok || string(p) != "reversal 4" {
		t.Errorf("Get(4) = %q, %v", p, ok)
	}
}

// TestJournalTornTail cuts the file at every offset inside the last record,
// as a crash mid-write would, and checks the earlier records survive and
// the journal accepts new records afterwards.
func TestJournalTornTail(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rev.jnl")
	j := openTestJournal(t, path)
	for i := uint64(1); i <= 3; i++ {
		if err := j.Put(i, bytes.Repeat([]byte{byte(i)}, 20)); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	full, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	last := len(full) - (recordHdrLen + recordMinBody + 20)
	for cut := last + 1; cut < len(full); cut++ {
		p := filepath.Join(dir, fmt.Sprintf("torn%d.jnl", cut))
		if err := os.WriteFile(p, full[:cut], 0o600); err != nil {
			t.Fatal(err)
		}
		tj, err := OpenJournal(p)
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		if n := tj.Len(); n != 2 {
			t.Errorf("cut at %d: %d entries, want 2", cut, n)
		}
		if r := tj.Recovery(); r.TornBytes != int64(cut-last) {
			t.Errorf("cut at %d: TornBytes %d, want %d", cut, r.TornBytes, cut-last)
		}
		if err := tj.Put(9, []byte("after")); err != nil {
			t.Fatal(err)
		}
		tj.Close()
		tj, err = OpenJournal(p)
		if err != nil {
			t.Fatalf("cut at %d, reopen: %v", cut, err)
		}
		if n := tj.Len(); n != 3 {
			t.Errorf("cut at %d, reopen: %d entries, want 3", cut, n)
		}
		tj.Close()
	}

	// A last record of the right length whose bytes never reached the
	// disk (zeros) is torn too.
	z := append(append([]byte(nil), full[:last]...), make([]byte, len(full)-last)...)
	p := filepath.Join(dir, "zeros.jnl")
	os.WriteFile(p, z, 0o600)
	tj, err := OpenJournal(p)
	if err != nil {
		t.Fatalf("zeroed tail: %v", err)
	}
	if tj.Len() != 2 {
		t.Errorf("zeroed tail: %d entries, want 2", tj.Len())
	}
	tj.Close()
}

func TestJournalCorruptMiddle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rev.jnl")
	j := openTestJournal(t, path)
	for i := uint64(1); i <= 3; i++ {
		j.Put(i, []byte("payload"))
	}
	j.Close()
	b, _ := os.ReadFile(path)
	b[journalHdrLen+recordHdrLen+5] ^= 0x01 // flip a bit in the first record's id
	os.WriteFile(path, b, 0o600)
	_, err := OpenJournal(path)
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("OpenJournal = %v, want ErrCorrupt", err)
	}
	if want := fmt.Sprintf("offset %d", journalHdrLen); !bytes.Contains([]byte(err.Error()), []byte(want)) {
		t.Errorf("error %q does not name %s", err, want)
	}

	os.WriteFile(path, []byte("NOTAJOURNAL"), 0o600)
	if _, err := OpenJournal(path); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("bad magic: %v, want ErrCorrupt", err)
	}
}

func TestJournalCompaction(t *testing.T) {
	path := filepath.Join(t.TempDir(), "rev.jnl")
	j := openTestJournal(t, path)
	payload := bytes.Repeat([]byte("x"), 1000)
	j.Put(1<<40, []byte("keeper"))
	for i := uint64(1); i <= 200; i++ {
		if err := j.Put(i, payload); err != nil {
			t.Fatal(err)
		}
		if err := j.Delete(i); err != nil {
			t.Fatal(err)
		}
	}
	st, _ := os.Stat(path)
	if st.Size() > 2*compactMinBytes {
		t.Errorf("journal is %d bytes after 200 put/delete pairs; compaction did not run", st.Size())
	}
	j.Put(7, []byte("seven"))
	if err := j.Compact(); err != nil {
		t.Fatal(err)
	}
	j.Put(8, []byte("eight"))
	j.Close()
	// A crashed compaction leaves path.tmp; it must be ignored.
	os.WriteFile(path+".tmp", []byte("half-written"), 0o600)
	j2 := openTestJournal(t, path)
	got := j2.Entries()
	if len(got) != 3 || got[0].ID != 1<<40 || got[1].ID != 7 || got[2].ID != 8 {
		t.Fatalf("entries after compaction: %+v", got)
	}
	if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("stale %s.tmp not removed", path)
	}
	// Emptying the journal after 4 KiB of dead records truncates it
	// back to its header.
	for _, e := range got {
		j2.Delete(e.ID)
	}
	for i := uint64(1); i <= 50; i++ {
		j2.Put(i, payload[:100])
		j2.Delete(i)
	}
	if st, _ := os.Stat(path); st.Size() > 4<<10+journalHdrLen {
		t.Errorf("empty journal is %d bytes, not truncated", st.Size())
	}
	j2.Put(5, []byte("five"))
	j2.Close()
	j3 := openTestJournal(t, path)
	if got := j3.Entries(); len(got) != 1 || got[0].ID != 5 {
		t.Errorf("after truncation and reopen: %+v", got)
	}
}

func TestJournalTooLarge(t *testing.T) {
	j := openTestJournal(t, filepath.Join(t.TempDir(), "j"))
	if err := j.Put(1, make([]byte, maxRecordBody)); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Put(1 MiB) = %v, want ErrTooLarge", err)
	}
}

func FuzzScanJournal(f *testing.F) {
	seed := journalHeader()
	seed = appendRecord(seed, opPut, 1, []byte("one"))
	seed = appendRecord(seed, opPut, 2, []byte("two"))
	seed = appendRecord(seed, opDelete, 1, nil)
	f.Add(seed)
	f.Add(seed[:len(seed)-3])
	f.Add(journalHeader())
	f.Add([]byte("PJNL"))
	f.Fuzz(func(t *testing.T, data []byte) {
		records := 0
		end, torn, err := scanJournal(data, func(body []byte, size int) {
			if len(body) < recordMinBody || size != len(body)+recordHdrLen {
				t.Fatalf("apply got a %d-byte body of a %d-byte record", len(body), size)
			}
			records++
		})
		if err != nil {
			return
		}
		if end+torn != len(data) || end < journalHdrLen {
			t.Fatalf("end %d + torn %d != %d bytes", end, torn, len(data))
		}
		// What a reopened journal does: cut the torn tail, append.
		next := appendRecord(append([]byte(nil), data[:end]...), opPut, 7, []byte("new"))
		n := 0
		end2, torn2, err := scanJournal(next, func([]byte, int) { n++ })
		if err != nil || torn2 != 0 || end2 != len(next) || n != records+1 {
			t.Fatalf("after appending: end %d torn %d records %d err %v; want %d records", end2, torn2, n, err, records+1)
		}
	})
}

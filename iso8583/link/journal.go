package link

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
)

// Journal file layout. A journal is a log of records, each written with a
// single write and synced before Put or Delete returns:
//
//	file    = magic "PJNL" version(1) reserved(3) record*
//	record  = length(4, big-endian, of body) crc32c(4, of body) body
//	body    = op(1) id(8, big-endian) payload
//
// op 1 puts (adds or replaces) the entry id; op 2 deletes it. A crash can
// leave only the last record incomplete (the file is append-only and every
// record is synced before the next is written), so a bad record at the end
// of the file is a torn write and is cut off on open; a bad record with
// valid data after it is corruption and is reported as ErrCorrupt.
const (
	journalMagic    = "PJNL"
	journalVersion  = 1 // clear payloads
	journalSealed   = 2 // payloads sealed with XChaCha20-Poly1305; header carries a file ID
	journalHdrLen   = 8
	sealedHdrLen    = journalHdrLen + fileIDLen
	fileIDLen       = 16
	recordHdrLen    = 8
	recordMinBody   = 9
	maxRecordBody   = 1 << 20
	opPut           = 1
	opDelete        = 2
	compactMinBytes = 64 << 10
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Entry is one live journal entry.
type Entry struct {
	ID      uint64
	Payload []byte
}

// Recovery says what opening a journal found.
type Recovery struct {
	Records   int   // valid records read
	TornBytes int64 // bytes of an incomplete last record that were cut off
}

// Journal is a durable, append-only map from uint64 IDs to small payloads,
// for records that must survive power loss: pending reversals (冲正) and the
// batch's approved transactions. Put and Delete return only after the
// record is on stable storage (fsync). Dead records are compacted away by
// rewriting the live ones to a new file that atomically replaces the old.
//
// A Journal is safe for concurrent use. One process at a time may open a
// path.
type Journal struct {
	mu   sync.Mutex
	path string
	fs   FS
	f    File
	lock io.Closer // flock on path.lock: one opener at a time
	seal *sealer   // nil: clear payloads (version 1)
	hdr  []byte    // the file's header as written
	size int64
	live map[uint64]*journalEntry
	seq  uint64
	dead int64 // bytes of records superseded by later ones
	rec  Recovery
	// reseal: some record is clear or sealed under a previous key; the
	// journal is rewritten under the current key on open.
	reseal bool
	err    error // sticky: a failed sync leaves the file state unknown
	buf    []byte
}

type journalEntry struct {
	seq     uint64
	payload []byte
	size    int64 // bytes of the record that put it
}

// OpenJournal opens the journal at path, creating it (and syncing its
// directory) if it does not exist. A torn last record is cut off and
// reported by Recovery; any other damage is ErrCorrupt with the offset.
//
// With WithSealKey every payload is sealed (see JournalOption).
func OpenJournal(path string, opts ...JournalOption) (*Journal, error) {
	var o journalOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	// A compaction that crashed before its rename leaves a temporary
	// file; the journal itself is still the authoritative copy.
	fsys := o.fs
	if fsys == nil {
		fsys = OSFS{}
	}
	lock, err := fsys.Lock(path)
	if err != nil {
		return nil, err
	}
	_ = fsys.Remove(path + ".tmp")
	f, err := fsys.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("link: opening journal: %w", err)
	}
	j := &Journal{path: path, fs: fsys, f: f, lock: lock, live: make(map[uint64]*journalEntry)}
	if o.key != nil {
		if j.seal, err = newSealer(filepath.Base(path), o.key, o.previous); err != nil {
			f.Close()
			lock.Close()
			return nil, err
		}
	}
	if err := j.load(); err != nil {
		f.Close()
		lock.Close()
		return nil, err
	}
	err = j.truncateEmptyLocked(true)
	if err == nil && (j.shouldCompact() || j.reseal) {
		// Compaction also re-seals: under a new key after a rotation,
		// and a clear (version 1) journal opened with a key.
		err = j.compactLocked()
	}
	if err != nil {
		j.f.Close()
		lock.Close()
		return nil, err
	}
	return j, nil
}

func (j *Journal) load() error {
	data, err := io.ReadAll(j.f)
	if err != nil {
		return fmt.Errorf("link: reading journal %s: %w", j.path, err)
	}
	if len(data) < journalHdrLen || (len(data) < sealedHdrLen && data[4] == journalSealed) {
		// New file, or a crash while its header was being written:
		// nothing can have been recorded yet.
		if len(data) > 0 && !bytes.HasPrefix(data, []byte(journalMagic)[:min(len(data), 4)]) {
			return fmt.Errorf("%w: %s: not a journal (bad magic)", ErrCorrupt, j.path)
		}
		return j.reset()
	}
	switch {
	case data[4] == journalSealed && j.seal == nil:
		return fmt.Errorf("%w: %s is sealed: open it with its storage key (WithSealKey)", ErrSealed, j.path)
	case data[4] == journalSealed:
		j.seal.fileID = data[journalHdrLen:sealedHdrLen]
		j.hdr = slices.Clone(data[:sealedHdrLen])
	case j.seal != nil:
		// A clear journal opened with a key: read it, then rewrite it
		// sealed (a new file ID).
		j.reseal = true
		if err := j.seal.newFileID(); err != nil {
			return err
		}
		j.hdr = j.seal.header()
	default:
		j.hdr = journalHeader()
	}
	var openErr error
	end, torn, err := scanJournal(data, func(body []byte, size int) {
		if openErr != nil {
			return
		}
		op, id, payload := body[0], binary.BigEndian.Uint64(body[1:]), body[recordMinBody:]
		if op == opPut && data[4] == journalSealed {
			var old bool
			payload, old, openErr = j.seal.open(op, id, payload)
			j.reseal = j.reseal || old
		}
		j.apply(op, id, payload, int64(size))
		j.rec.Records++
	})
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrCorrupt, j.path, err)
	}
	if openErr != nil {
		return fmt.Errorf("%s: %w", j.path, openErr)
	}
	if torn > 0 {
		// Cut the torn record off so the next append starts on a record
		// boundary.
		j.rec.TornBytes = int64(torn)
		if err := j.f.Truncate(int64(end)); err != nil {
			return fmt.Errorf("link: truncating torn journal record: %w", err)
		}
		if err := j.f.Sync(); err != nil {
			return fmt.Errorf("link: syncing journal: %w", err)
		}
	}
	j.size = int64(end)
	if _, err := j.f.Seek(j.size, io.SeekStart); err != nil {
		return fmt.Errorf("link: seeking journal: %w", err)
	}
	return nil
}

// scanJournal walks the records of a whole journal file, calling apply
// for each valid one. It returns where the valid records end and how many
// bytes of a torn last record follow. A bad record that runs to (or past)
// the end of the file is a write torn by a crash; any other bad record is
// an error naming its offset.
func scanJournal(data []byte, apply func(body []byte, size int)) (end, torn int, err error) {
	if len(data) < journalHdrLen || string(data[:4]) != journalMagic {
		return 0, 0, errors.New("not a journal (bad magic)")
	}
	off := journalHdrLen
	switch data[4] {
	case journalVersion:
	case journalSealed:
		off = sealedHdrLen
		if len(data) < off {
			return 0, 0, errors.New("sealed journal header cut short")
		}
	default:
		return 0, 0, fmt.Errorf("journal version %d, want %d or %d", data[4], journalVersion, journalSealed)
	}
	for off < len(data) {
		body, n, err := parseRecord(data[off:])
		if err != nil {
			// Only the last record can be torn: one whose declared end
			// is the end of the file or beyond it, or whose length field
			// itself is damaged with no valid record anywhere after it.
			// A damaged record followed by a valid one is corruption, and
			// nothing is cut: the caller decides.
			if (n < 0 || off+n >= len(data)) && !validRecordAfter(data, off+1) {
				return off, len(data) - off, nil
			}
			return off, 0, fmt.Errorf("record at offset %d: %w", off, err)
		}
		apply(body, n)
		off += n
	}
	return off, 0, nil
}

// validRecordAfter reports whether a record with a valid length and
// checksum starts anywhere at or after from. A torn write leaves garbage
// only at the end of the file, so finding one means the damage is in the
// middle. (A CRC-32C over a plausible length makes a false find from torn
// bytes vanishingly unlikely.)
func validRecordAfter(data []byte, from int) bool {
	for off := from; off+recordHdrLen+recordMinBody <= len(data); off++ {
		if _, n, err := parseRecord(data[off:]); err == nil && n > 0 {
			return true
		}
	}
	return false
}

func journalHeader() []byte {
	return []byte{journalMagic[0], journalMagic[1], journalMagic[2], journalMagic[3], journalVersion, 0, 0, 0}
}

// errRecord describes why a record did not parse; it is wrapped in
// ErrCorrupt when the record is not the last.
var errRecord = errors.New("bad record")

// parseRecord reads one record from b. It returns the body, the record's
// total size, and an error; a size of -1 means the record's header or
// declared body does not fit in b.
func parseRecord(b []byte) (body []byte, n int, err error) {
	if len(b) < recordHdrLen {
		return nil, -1, fmt.Errorf("%w: %d-byte header", errRecord, len(b))
	}
	bl := binary.BigEndian.Uint32(b)
	if bl < recordMinBody || bl > maxRecordBody {
		return nil, -1, fmt.Errorf("%w: body length %d", errRecord, bl)
	}
	n = recordHdrLen + int(bl)
	if n > len(b) {
		return nil, -1, fmt.Errorf("%w: body length %d, %d bytes left", errRecord, bl, len(b)-recordHdrLen)
	}
	body = b[recordHdrLen:n]
	if crc32.Checksum(body, castagnoli) != binary.BigEndian.Uint32(b[4:]) {
		return nil, n, fmt.Errorf("%w: checksum mismatch", errRecord)
	}
	if body[0] != opPut && body[0] != opDelete {
		return nil, n, fmt.Errorf("%w: operation %d", errRecord, body[0])
	}
	return body, n, nil
}

// apply replays one record (payload in clear) into the live map.
func (j *Journal) apply(op byte, id uint64, payload []byte, size int64) {
	old := j.live[id]
	if old != nil {
		j.dead += old.size
	}
	switch op {
	case opPut:
		e := &journalEntry{payload: slices.Clone(payload), size: size}
		if old != nil {
			e.seq = old.seq
		} else {
			j.seq++
			e.seq = j.seq
		}
		j.live[id] = e
	case opDelete:
		delete(j.live, id)
		j.dead += size
	}
}

// reset truncates the file to a fresh header.
func (j *Journal) reset() error {
	if err := j.f.Truncate(0); err != nil {
		return fmt.Errorf("link: initialising journal: %w", err)
	}
	if j.seal != nil {
		if err := j.seal.newFileID(); err != nil {
			return err
		}
		j.hdr = j.seal.header()
	} else {
		j.hdr = journalHeader()
	}
	if _, err := j.f.WriteAt(j.hdr, 0); err != nil {
		return fmt.Errorf("link: initialising journal: %w", err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("link: syncing journal: %w", err)
	}
	if err := j.fs.SyncDir(filepath.Dir(j.path)); err != nil {
		return err
	}
	j.size = int64(len(j.hdr))
	_, err := j.f.Seek(j.size, io.SeekStart)
	return err
}

// Recovery reports what OpenJournal found: records read and torn bytes cut off.
func (j *Journal) Recovery() Recovery {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.rec
}

// Put durably records payload under id, replacing any earlier payload.
// It returns after the record is synced to stable storage.
func (j *Journal) Put(id uint64, payload []byte) error {
	if len(payload) > maxRecordBody-recordMinBody-sealOverhead {
		return fmt.Errorf("%w: journal payload of %d bytes", ErrTooLarge, len(payload))
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.appendLocked(opPut, id, payload)
}

// Delete durably removes id. Deleting an absent id writes nothing.
func (j *Journal) Delete(id uint64) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, ok := j.live[id]; !ok {
		return j.usable()
	}
	if err := j.appendLocked(opDelete, id, nil); err != nil {
		return err
	}
	if len(j.live) == 0 {
		return j.truncateEmptyLocked(false)
	}
	if j.shouldCompact() {
		return j.compactLocked()
	}
	return nil
}

func (j *Journal) usable() error {
	if j.f == nil {
		return ErrClosed
	}
	return j.err
}

func (j *Journal) appendLocked(op byte, id uint64, payload []byte) error {
	if err := j.usable(); err != nil {
		return err
	}
	stored := payload
	if j.seal != nil && op == opPut {
		var err error
		if stored, err = j.seal.seal(op, id, payload); err != nil {
			return err
		}
	}
	j.buf = appendRecord(j.buf[:0], op, id, stored)
	if _, err := j.f.Write(j.buf); err != nil {
		// Cut a partial write off so the log stays record-aligned.
		if terr := j.f.Truncate(j.size); terr != nil {
			j.err = fmt.Errorf("link: journal write failed and cannot be undone: %w", err)
		}
		_, _ = j.f.Seek(j.size, io.SeekStart)
		return fmt.Errorf("link: writing journal: %w", err)
	}
	if err := j.f.Sync(); err != nil {
		// After a failed fsync the kernel may have dropped the dirty
		// pages: nothing written since the last good sync can be
		// trusted, so refuse further use.
		j.err = fmt.Errorf("link: syncing journal: %w", err)
		return j.err
	}
	j.size += int64(len(j.buf))
	j.apply(op, id, payload, int64(len(j.buf)))
	return nil
}

func appendRecord(dst []byte, op byte, id uint64, payload []byte) []byte {
	start := len(dst)
	dst = binary.BigEndian.AppendUint32(dst, uint32(recordMinBody+len(payload)))
	dst = append(dst, 0, 0, 0, 0, op)
	dst = binary.BigEndian.AppendUint64(dst, id)
	dst = append(dst, payload...)
	binary.BigEndian.PutUint32(dst[start+4:], crc32.Checksum(dst[start+recordHdrLen:], castagnoli))
	return dst
}

// Get returns a copy of the payload recorded under id.
func (j *Journal) Get(id uint64) ([]byte, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	e, ok := j.live[id]
	if !ok {
		return nil, false
	}
	return slices.Clone(e.payload), true
}

// Len returns the number of live entries.
func (j *Journal) Len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.live)
}

// Entries returns the live entries in the order they were first put.
func (j *Journal) Entries() []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.entriesLocked()
}

func (j *Journal) entriesLocked() []Entry {
	type kv struct {
		id uint64
		e  *journalEntry
	}
	all := make([]kv, 0, len(j.live))
	for id, e := range j.live {
		all = append(all, kv{id, e})
	}
	slices.SortFunc(all, func(a, b kv) int {
		switch {
		case a.e.seq < b.e.seq:
			return -1
		case a.e.seq > b.e.seq:
			return 1
		}
		return 0
	})
	out := make([]Entry, len(all))
	for i, x := range all {
		out[i] = Entry{ID: x.id, Payload: slices.Clone(x.e.payload)}
	}
	return out
}

func (j *Journal) shouldCompact() bool {
	return j.dead >= compactMinBytes && j.dead >= j.size/2
}

// truncateEmptyLocked cuts an empty journal back to its header once its
// dead records pass 4 KiB: one ftruncate and sync, cheaper than the
// rewrite-and-rename of a compaction. A crash during it leaves either the
// old records (all put and deleted again) or the bare header: the same
// empty state either way.
func (j *Journal) truncateEmptyLocked(force bool) error {
	if len(j.live) != 0 || j.dead == 0 || (!force && j.dead < 4<<10) {
		return nil
	}
	if err := j.f.Truncate(int64(len(j.hdr))); err != nil {
		j.err = fmt.Errorf("link: truncating journal: %w", err)
		return j.err
	}
	if err := j.f.Sync(); err != nil {
		j.err = fmt.Errorf("link: syncing journal: %w", err)
		return j.err
	}
	j.size, j.dead, j.seq = int64(len(j.hdr)), 0, 0
	_, err := j.f.Seek(j.size, io.SeekStart)
	return err
}

// Compact rewrites the journal with only its live entries. It runs by
// itself when dead records make up half of a file over 64 KiB; a journal
// whose last entry is deleted is instead truncated to its header once it
// holds 4 KiB of dead records.
func (j *Journal) Compact() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := j.usable(); err != nil {
		return err
	}
	return j.compactLocked()
}

// Clear durably removes every entry (as one atomic file replacement).
func (j *Journal) Clear() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := j.usable(); err != nil {
		return err
	}
	j.live = make(map[uint64]*journalEntry)
	if err := j.compactLocked(); err != nil {
		// The file still holds the old entries; memory no longer does.
		j.err = err
		return err
	}
	return nil
}

// compactLocked writes the live entries to path.tmp, syncs it, renames it
// over the journal and syncs the directory: at every instant one complete
// journal is on disk under the real name.
func (j *Journal) compactLocked() error {
	entries := j.entriesLocked()
	buf := slices.Clone(j.hdr)
	sizes := make([]int64, len(entries))
	for i, e := range entries {
		stored := e.Payload
		if j.seal != nil {
			// Fresh nonces under the current key: compaction is where a
			// rotated key takes over.
			var err error
			if stored, err = j.seal.seal(opPut, e.ID, e.Payload); err != nil {
				return err
			}
		}
		n := len(buf)
		buf = appendRecord(buf, opPut, e.ID, stored)
		sizes[i] = int64(len(buf) - n)
	}
	nf, err := replaceFile(j.fs, j.path, buf)
	if nf == nil {
		return fmt.Errorf("link: compacting journal: %w", err)
	}
	if err != nil {
		// The rename happened; whether it is durable is unknown, but
		// both files hold the same live entries, so continue with the
		// new one.
		j.err = err
	}
	j.f.Close()
	j.f = nf
	j.size = int64(len(buf))
	j.dead = 0
	j.live = make(map[uint64]*journalEntry, len(entries))
	j.seq = 0
	for i, e := range entries {
		j.seq++
		j.live[e.ID] = &journalEntry{seq: j.seq, payload: e.Payload, size: sizes[i]}
	}
	j.reseal = false
	_, err = j.f.Seek(j.size, io.SeekStart)
	return err
}

// Close closes the journal file. Every completed Put and Delete is
// already durable.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	if uerr := j.lock.Close(); err == nil {
		err = uerr
	}
	j.lock = nil
	return err
}

// syncDir makes a file creation or rename in dir durable (POSIX leaves the
// directory entry in the page cache until the directory is synced).
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("link: syncing directory: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("link: syncing directory: %w", err)
	}
	return nil
}

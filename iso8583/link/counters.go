package link

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// Counter file layout: two 32-byte slots written alternately, so a write
// torn by a crash damages only the slot being written and the other still
// holds the previous state:
//
//	slot = magic "PCTR" version(1) reserved(3) seq(8) stans(8) batch(4) crc32c(4)
//
// seq orders the slots; stans is how many STANs have been reserved since
// the file was created (STAN = stans mod 999999 + 1, so the 6-digit STAN
// wraps from 999999 to 000001 and never takes the value 000000).
const (
	counterMagic   = "PCTR"
	counterVersion = 1
	counterSlot    = 32
	maxSTAN        = 999999
	maxBatch       = 999999
)

// Counters persists a terminal's STAN (系统跟踪号, field 11) and batch
// number (批次号, field 60.2) so that a restart, even after power loss,
// never reuses a STAN. STANs are reserved in blocks (WithReserve): a block
// is synced to disk before its first STAN is handed out, and on restart
// the unused rest of the block is skipped.
//
// A Counters is safe for concurrent use.
type Counters struct {
	mu       sync.Mutex
	fs       FS
	f        File
	lock     io.Closer // flock on path.lock: one opener at a time
	path     string
	seq      uint64
	issued   uint64 // STANs handed out
	reserved uint64 // STANs reserved on disk (issued <= reserved)
	batch    uint32
	block    uint64
}

// CounterOption adjusts OpenCounters.
type CounterOption func(*Counters)

// WithReserve sets how many STANs are reserved per disk write (default 1:
// one sync per STAN). A larger block trades skipped STANs after a crash for
// fewer syncs; it must be below 999999.
func WithReserve(n int) CounterOption {
	return func(c *Counters) {
		if n >= 1 && n < maxSTAN {
			c.block = uint64(n)
		}
	}
}

// WithInitialBatch sets the batch number of a newly created file
// (default 1). It does not change an existing file.
func WithInitialBatch(n uint32) CounterOption {
	return func(c *Counters) {
		if n >= 1 && n <= maxBatch {
			c.batch = n
		}
	}
}

// OpenCounters opens or creates the counter file at path.
func OpenCounters(path string, opts ...CounterOption) (*Counters, error) {
	c := &Counters{path: path, block: 1, batch: 1}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	if c.fs == nil {
		c.fs = OSFS{}
	}
	lock, err := c.fs.Lock(path)
	if err != nil {
		return nil, err
	}
	f, err := c.fs.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("link: opening counters: %w", err)
	}
	c.f, c.lock = f, lock
	var buf [2 * counterSlot]byte
	n, err := io.ReadFull(f, buf[:])
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		f.Close()
		lock.Close()
		return nil, fmt.Errorf("link: reading counters: %w", err)
	}
	found := false
	for i := 0; i+counterSlot <= n; i += counterSlot {
		seq, stans, batch, ok := parseCounterSlot(buf[i : i+counterSlot])
		if ok && (!found || seq > c.seq) {
			c.seq, c.reserved, c.batch, found = seq, stans, batch, true
		}
	}
	if !found && !allZero(buf[:n]) {
		f.Close()
		lock.Close()
		return nil, fmt.Errorf("%w: %s: no valid counter slot in %d bytes", ErrCorrupt, path, n)
	}
	// Every STAN up to the reserved mark may have been used before the
	// restart.
	c.issued = c.reserved
	if !found {
		if err := c.writeLocked(); err != nil {
			f.Close()
			lock.Close()
			lock.Close()
			return nil, err
		}
		if err := c.fs.SyncDir(filepath.Dir(path)); err != nil {
			f.Close()
			lock.Close()
			lock.Close()
			return nil, err
		}
	}
	return c, nil
}

func allZero(b []byte) bool {
	for _, x := range b {
		if x != 0 {
			return false
		}
	}
	return true
}

func parseCounterSlot(b []byte) (seq, stans uint64, batch uint32, ok bool) {
	if len(b) != counterSlot || string(b[:4]) != counterMagic || b[4] != counterVersion {
		return 0, 0, 0, false
	}
	if crc32.Checksum(b[:28], castagnoli) != binary.BigEndian.Uint32(b[28:]) {
		return 0, 0, 0, false
	}
	batch = binary.BigEndian.Uint32(b[24:])
	if batch < 1 || batch > maxBatch {
		return 0, 0, 0, false
	}
	return binary.BigEndian.Uint64(b[8:]), binary.BigEndian.Uint64(b[16:]), batch, true
}

// writeLocked writes the state into the slot after the current one and
// syncs it.
func (c *Counters) writeLocked() error {
	if c.f == nil {
		return ErrClosed
	}
	var b [counterSlot]byte
	copy(b[:], counterMagic)
	b[4] = counterVersion
	seq := c.seq + 1
	binary.BigEndian.PutUint64(b[8:], seq)
	binary.BigEndian.PutUint64(b[16:], c.reserved)
	binary.BigEndian.PutUint32(b[24:], c.batch)
	binary.BigEndian.PutUint32(b[28:], crc32.Checksum(b[:28], castagnoli))
	if _, err := c.f.WriteAt(b[:], int64(seq%2)*counterSlot); err != nil {
		return fmt.Errorf("link: writing counters: %w", err)
	}
	if err := c.f.Sync(); err != nil {
		return fmt.Errorf("link: syncing counters: %w", err)
	}
	c.seq = seq
	return nil
}

// NextSTAN returns the next STAN, 1 to 999999, wrapping after 999999. It
// is on disk (or inside a reserved block that is) before it is returned.
func (c *Counters) NextSTAN() (uint32, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.issued == c.reserved {
		old := c.reserved
		c.reserved += c.block
		if err := c.writeLocked(); err != nil {
			c.reserved = old
			return 0, err
		}
	}
	s := uint32(c.issued%maxSTAN) + 1
	c.issued++
	return s, nil
}

// Batch returns the current batch number.
func (c *Counters) Batch() uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.batch
}

// SetBatch durably sets the batch number (a CUP host returns the batch to
// use in field 60.2 of the sign-in response).
func (c *Counters) SetBatch(n uint32) error {
	if n < 1 || n > maxBatch {
		return fmt.Errorf("%w: batch %d outside 1..%d", ErrCounterExhausted, n, maxBatch)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if n == c.batch {
		return nil
	}
	old := c.batch
	c.batch = n
	if err := c.writeLocked(); err != nil {
		c.batch = old
		return err
	}
	return nil
}

// NextBatch durably advances the batch number (after a settlement) and
// returns the new one; 999999 wraps to 1.
func (c *Counters) NextBatch() (uint32, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.batch
	c.batch = old%maxBatch + 1
	if err := c.writeLocked(); err != nil {
		c.batch = old
		return 0, err
	}
	return c.batch, nil
}

// Close closes the file.
func (c *Counters) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.f == nil {
		return nil
	}
	err := c.f.Close()
	c.f = nil
	if uerr := c.lock.Close(); err == nil {
		err = uerr
	}
	c.lock = nil
	return err
}

package link

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// crashFS is an in-memory FS that models what survives a crash. Every
// file has the bytes written so far and the bytes a Sync made durable;
// creations and renames become durable with SyncDir. crash() ends the
// current "process": every open file fails from then on. With powerLoss
// the machine lost power too: files go back to their durable bytes and
// the directory to its durable entries; without it (SIGKILL) the page
// cache survives and nothing written is lost.
//
// A crash can be armed at the n-th sync (file Sync or SyncDir): that sync
// fails and the crash happens before it takes effect.
type crashFS struct {
	mu      sync.Mutex
	names   map[string]*memInode // current directory
	durable map[string]*memInode // what a power cut leaves
	epoch   int
	syncs   int
	crashAt int // crash at this sync (1-based); 0: never
	power   bool
	crashed bool
	locks   map[string]bool
}

type memInode struct {
	data, synced []byte
}

var errCrashed = errors.New("crashfs: the process crashed")

func newCrashFS() *crashFS {
	return &crashFS{names: map[string]*memInode{}, durable: map[string]*memInode{}, locks: map[string]bool{}}
}

// arm makes the n-th sync from now crash, with or without power loss.
func (c *crashFS) arm(n int, powerLoss bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.syncs, c.crashAt, c.power = 0, n, powerLoss
}

// syncPoint counts a sync and reports whether it crashes.
func (c *crashFS) syncPointLocked() bool {
	c.syncs++
	if c.crashAt > 0 && c.syncs == c.crashAt {
		c.crashLocked()
		return true
	}
	return false
}

func (c *crashFS) crashLocked() {
	c.crashed = true
	c.epoch++
	c.locks = map[string]bool{}
	c.crashAt = 0
	if c.power {
		c.names = map[string]*memInode{}
		for n, ino := range c.durable {
			ino.data = append([]byte(nil), ino.synced...)
			c.names[n] = ino
		}
	}
}

// restart is the next boot: the crashed flag clears (old handles stay
// dead).
func (c *crashFS) restart() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.crashed = false
	c.epoch++
	c.locks = map[string]bool{}
}

func (c *crashFS) didCrash() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.crashed
}

func (c *crashFS) OpenFile(name string, flag int, _ fs.FileMode) (File, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.crashed {
		return nil, errCrashed
	}
	ino := c.names[name]
	if ino == nil {
		if flag&os.O_CREATE == 0 {
			return nil, fs.ErrNotExist
		}
		ino = &memInode{}
		c.names[name] = ino
	}
	if flag&os.O_TRUNC != 0 {
		ino.data = ino.data[:0]
	}
	return &memFile{fs: c, ino: ino, epoch: c.epoch}, nil
}

func (c *crashFS) Rename(oldpath, newpath string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.crashed {
		return errCrashed
	}
	ino := c.names[oldpath]
	if ino == nil {
		return fs.ErrNotExist
	}
	delete(c.names, oldpath)
	c.names[newpath] = ino
	return nil
}

func (c *crashFS) Remove(name string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.crashed {
		return errCrashed
	}
	if c.names[name] == nil {
		return fs.ErrNotExist
	}
	delete(c.names, name)
	return nil
}

func (c *crashFS) SyncDir(dir string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.crashed || c.syncPointLocked() {
		return errCrashed
	}
	for n := range c.durable {
		if filepath.Dir(n) == dir && c.names[n] == nil {
			delete(c.durable, n)
		}
	}
	for n, ino := range c.names {
		if filepath.Dir(n) == dir {
			c.durable[n] = ino
		}
	}
	return nil
}

func (c *crashFS) Lock(name string) (io.Closer, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.crashed {
		return nil, errCrashed
	}
	if c.locks[name] {
		return nil, ErrLocked
	}
	c.locks[name] = true
	return &memLock{fs: c, name: name, epoch: c.epoch}, nil
}

type memLock struct {
	fs    *crashFS
	name  string
	epoch int
}

func (l *memLock) Close() error {
	l.fs.mu.Lock()
	defer l.fs.mu.Unlock()
	if l.epoch == l.fs.epoch {
		delete(l.fs.locks, l.name)
	}
	return nil
}

type memFile struct {
	fs    *crashFS
	ino   *memInode
	epoch int
	off   int64
}

func (f *memFile) live() error {
	if f.fs.crashed || f.epoch != f.fs.epoch {
		return errCrashed
	}
	return nil
}

func (f *memFile) Read(p []byte) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.live(); err != nil {
		return 0, err
	}
	if f.off >= int64(len(f.ino.data)) {
		return 0, io.EOF
	}
	n := copy(p, f.ino.data[f.off:])
	f.off += int64(n)
	return n, nil
}

func (f *memFile) writeAtLocked(p []byte, off int64) {
	if end := off + int64(len(p)); end > int64(len(f.ino.data)) {
		f.ino.data = append(f.ino.data, make([]byte, end-int64(len(f.ino.data)))...)
	}
	copy(f.ino.data[off:], p)
}

func (f *memFile) Write(p []byte) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.live(); err != nil {
		return 0, err
	}
	f.writeAtLocked(p, f.off)
	f.off += int64(len(p))
	return len(p), nil
}

func (f *memFile) WriteAt(p []byte, off int64) (int, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.live(); err != nil {
		return 0, err
	}
	f.writeAtLocked(p, off)
	return len(p), nil
}

func (f *memFile) Seek(off int64, whence int) (int64, error) {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.live(); err != nil {
		return 0, err
	}
	switch whence {
	case io.SeekStart:
		f.off = off
	case io.SeekCurrent:
		f.off += off
	case io.SeekEnd:
		f.off = int64(len(f.ino.data)) + off
	}
	return f.off, nil
}

func (f *memFile) Truncate(size int64) error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.live(); err != nil {
		return err
	}
	if size < int64(len(f.ino.data)) {
		f.ino.data = f.ino.data[:size]
	} else {
		f.writeAtLocked(nil, size)
		f.ino.data = append(f.ino.data, make([]byte, size-int64(len(f.ino.data)))...)
	}
	return nil
}

func (f *memFile) Sync() error {
	f.fs.mu.Lock()
	defer f.fs.mu.Unlock()
	if err := f.live(); err != nil {
		return err
	}
	if f.fs.syncPointLocked() {
		return errCrashed
	}
	f.ino.synced = append(f.ino.synced[:0], f.ino.data...)
	return nil
}

func (f *memFile) Close() error { return nil }

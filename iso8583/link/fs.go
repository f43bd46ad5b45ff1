package link

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// FS is the file system a Journal or Counters writes through. The default
// is the operating system's; a test substitutes one that can lose every
// byte written since the last Sync, as a power cut does, to prove that
// each durable write is synced before the money moves on.
type FS interface {
	OpenFile(name string, flag int, perm fs.FileMode) (File, error)
	Rename(oldpath, newpath string) error
	Remove(name string) error
	// SyncDir makes creations and renames in dir durable.
	SyncDir(dir string) error
	// Lock takes an exclusive lock on name (ErrLocked if held).
	Lock(name string) (io.Closer, error)
}

// File is an open file of an FS.
type File interface {
	io.Reader
	io.Writer
	io.WriterAt
	io.Seeker
	io.Closer
	Truncate(size int64) error
	Sync() error
}

// OSFS is the operating system's file system, with flock for Lock.
type OSFS struct{}

// OpenFile implements FS.
func (OSFS) OpenFile(name string, flag int, perm fs.FileMode) (File, error) {
	return os.OpenFile(name, flag, perm)
}

// Rename implements FS.
func (OSFS) Rename(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }

// Remove implements FS.
func (OSFS) Remove(name string) error { return os.Remove(name) }

// SyncDir implements FS.
func (OSFS) SyncDir(dir string) error { return syncDir(dir) }

// Lock implements FS with an advisory flock on name+".lock".
func (OSFS) Lock(name string) (io.Closer, error) {
	f, err := lockFile(name)
	if err != nil {
		return nil, err
	}
	return lockCloser{f}, nil
}

type lockCloser struct{ f *os.File }

func (l lockCloser) Close() error { return unlockFile(l.f) }

// WithFS makes a journal write through fsys instead of the operating
// system's file system.
func WithFS(fsys FS) JournalOption {
	return func(o *journalOptions) { o.fs = fsys }
}

// WithCounterFS makes the counters write through fsys.
func WithCounterFS(fsys FS) CounterOption {
	return func(c *Counters) { c.fs = fsys }
}

// replaceFile writes data to path+".tmp", syncs it, renames it over path
// and syncs the directory: at every instant one complete file is on disk
// under path, the old or the new. It returns the new file, open at its
// end. A nil file means path still holds the old contents; a file with an
// error means the rename happened but the directory sync failed, so
// after a power cut path may hold either.
func replaceFile(fsys FS, path string, data []byte) (File, error) {
	tmp := path + ".tmp"
	nf, err := fsys.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (File, error) {
		nf.Close()
		fsys.Remove(tmp)
		return nil, err
	}
	if _, err := nf.Write(data); err != nil {
		return fail(err)
	}
	if err := nf.Sync(); err != nil {
		return fail(err)
	}
	if err := fsys.Rename(tmp, path); err != nil {
		return fail(err)
	}
	return nf, fsys.SyncDir(filepath.Dir(path))
}

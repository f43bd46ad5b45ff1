//go:build unix

package link

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockFile takes an exclusive advisory lock (flock) on path+".lock",
// creating it. The lock lives on its own file so that a journal's
// compaction, which renames a new file over the old, keeps it. A second
// opener, in this process or another, gets ErrLocked.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("link: opening lock file: %w", err)
	}
	for {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s", ErrLocked, path)
		}
		return nil, fmt.Errorf("link: locking %s: %w", path, err)
	}
	return f, nil
}

// unlockFile releases a lock taken by lockFile (closing the descriptor
// releases the flock).
func unlockFile(f *os.File) error {
	if f == nil {
		return nil
	}
	return f.Close()
}

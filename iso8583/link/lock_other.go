//go:build !unix

package link

import "os"

// lockFile is a no-op where flock does not exist: the SDK's terminals run
// Linux. One process per journal remains the caller's duty there.
func lockFile(path string) (*os.File, error) { return nil, nil }

func unlockFile(f *os.File) error { return nil }

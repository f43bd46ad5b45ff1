//go:build !unix

package cputime

import "time"

const supported = false

// Used returns 0: this platform has no getrusage.
func Used() time.Duration { return 0 }

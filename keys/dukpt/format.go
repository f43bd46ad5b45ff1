package dukpt

import (
	"fmt"
	"io"
)

// masked is a value whose String and GoString never show secrets.
type masked interface {
	String() string
	GoString() string
}

// formatMasked implements fmt.Formatter for secret-holding values: every
// verb prints String (GoString for %#v), so %x or %v cannot leak key bytes.
func formatMasked(f fmt.State, verb rune, v masked) {
	if verb == 'v' && f.Flag('#') {
		_, _ = io.WriteString(f, v.GoString())
		return
	}
	_, _ = io.WriteString(f, v.String())
}

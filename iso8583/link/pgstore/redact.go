package pgstore

import (
	"fmt"
	"io"
	"log/slog"
)

// Format prints the type only: a KeyStore holds the key-encryption key's
// cipher and a cache of terminals' keys, which fmt would print under a
// verb that does not suit them (%s of a struct holding a *KeyStore).
func (s *KeyStore) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, "pgstore.KeyStore") }

// LogValue logs Format's summary.
func (s *KeyStore) LogValue() slog.Value { return slog.StringValue("pgstore.KeyStore") }

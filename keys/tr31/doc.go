// Package tr31 wraps and unwraps key blocks in the ASC X9 TR-31 / ANSI
// X9.143 format: a key, its usage, algorithm, mode of use, exportability
// and optional data, encrypted and MAC-bound under a key block protection
// key (KBPK). It is how BDKs, initial DUKPT keys and zone keys travel
// between HSMs, hosts and key-injection stations.
//
// Versions A and C (key variant binding, TDES KBPK), B (key derivation
// binding, TDES KBPK) and D (key derivation binding, AES KBPK) are
// supported; use D for an AES KBPK and B for a TDES one. Unwrap and
// UnwrapBytes check the MAC in constant time before returning anything and
// say which check failed (ErrLength, ErrVersion, ErrKBPK for e.g. an AES
// KBPK with version B, ErrFormat, ErrMAC). ParseHeader reads the clear
// header without a key.
//
// Wrap takes the key as a keys.Key; Options.Rand supplies the key field
// padding (inject the published padding to re-create the standard's
// examples exactly) and Options.MaskedKeyLength hides the key length as
// X9.143 requires. Optional blocks (KS, KC, TS, proprietary ...) are carried
// as ID and text; a PB padding block is added when needed.
//
// Not here: version E (ISO 20038), TR-34 (RSA key transport), and the
// meaning of each key usage code beyond mapping it to keys.Usage.
//
// First calls: read a header, unwrap a block under the KBPK, wrap a key.
//
//	h, err := tr31.ParseHeader(block)                     // h.Usage "P0", h.Algorithm 'T', h.ModeOfUse 'E'
//	h, key, err := tr31.Unwrap(kbpk, block)               // MAC verified first
//	defer key.Zero()
//	out, err := tr31.Wrap(kbpk, tr31.Header{Version: tr31.VersionD, Usage: "P0", Algorithm: 'A',
//		ModeOfUse: 'E', Exportability: 'N'}, key, nil)
package tr31

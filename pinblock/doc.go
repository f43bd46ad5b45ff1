// Package pinblock builds, checks, enciphers and translates ISO 9564-1 PIN
// blocks: formats 0 (ANSI X9.8), 1, 2 and 3 (8 bytes, TDES) and format 4
// (16 bytes, AES, ISO 9564-1:2017), for PINs of 4 to 12 digits.
//
// Start with ParsePIN, which turns the digits from a PIN pad into a PIN, and
// NewCipher, which pairs a PIN key (keys.Key) with a Format:
//
//	c, _ := pinblock.NewCipher(pik, pinblock.Format0, nil)
//	field52, err := c.Encrypt(pin, pan)            // terminal
//	pin, err := c.Decrypt(field52, pan)            // host, when it must
//	out, err := pinblock.Translate(nil, field52, pan, fromTerminal, toNetwork)
//
// Format.Encode and Format.Decode work on clear blocks (for tests, HSM
// interfaces and IC card PIN submission); Decode checks the control field,
// the PIN length, every PIN digit, the fill the format prescribes and, for
// formats 0 and 3, the PAN binding. Random fill (formats 1, 3, 4) comes from
// the io.Reader given to NewCipher or Encode, crypto/rand when it is nil.
// Translate refuses the translations PCI PIN requirement 3-3 forbids.
// DUKPT terminals and hosts get their per-transaction Cipher from
// TDESDUKPT and AESDUKPT.
//
// PIN and Block never print their digits (String, every fmt verb and slog
// show "redacted" or the format only) and have Wipe methods. Errors wrap
// the sentinels below and never contain a PIN, a block or a PAN.
//
// Issuer PIN verification: PVV and VerifyPVV (Visa PIN verification
// value), IBM3624 (natural PIN, offset, verification).
//
// Not here: proprietary formats (ECI, Visa-2..4, Diebold), PIN pad
// hardware, and key management (package keys and keys/dukpt).
//
// First calls: a PIN block cipher under the PIK, a PIN, its field 52.
//
//	c, err := pinblock.NewCipher(pik, pinblock.Format0, rand.Reader)
//	pin, err := pinblock.ParsePIN(digits)                 // from the PIN pad; wipe digits after
//	defer pin.Wipe()
//	enc, err := c.Encrypt(pin, "6225880123456780")        // ISO 9564 format 0, enciphered
package pinblock

package iso8583

import (
	"crypto/cipher"
	"fmt"
	"slices"

	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/pinblock"
)

// cardPAN is the PAN of field 2, or the one inside track 2.
func (t *Transaction) cardPAN() string {
	if t.PAN != "" {
		return string(t.PAN)
	}
	return string(panFromTrack(string(t.Track2)))
}

// SetPIN enciphers pin for this transaction's card with c (the PIK's
// cipher) into field 52 and records it where the CUP spec wants it: field
// 53.1 (2 for a PAN-bound format such as ISO 9564 format 0, the "ANSI X9.8
// with PAN" of CUP; 1 otherwise), the third digit of field 22 ("1": PIN
// entered) and field 26 (maximum PIN length, 12) when unset. A new field
// 53 says double-length keys (53.2 = 6).
func (t *Transaction) SetPIN(c *pinblock.Cipher, pin pinblock.PIN) error {
	pan := t.cardPAN()
	if pan == "" && c.Format().BindsPAN() {
		return fmt.Errorf("%w: %s PIN block needs the PAN (field 2 or 35)", ErrMissingField, c.Format())
	}
	enc, err := c.Encrypt(pin, pan)
	if err != nil {
		return fmt.Errorf("%w: field 52: %w", ErrInvalidField, err)
	}
	t.PINBlock, t.KSN = enc, nil
	t.markPIN(c.Format())
	return nil
}

// SetPINBlock puts a PIN block enciphered elsewhere into field 52 (a PIN
// pad: a separate secure device that returns the block and, for DUKPT,
// its key serial number) with its KSN (nil for a block under a session
// PIN key) and marks fields 53, 22 and 26 as SetPIN does for format f.
// The block must be 8 bytes (16 for format 4) and the KSN, when given,
// 10 or 12 bytes; the error never shows either.
func (t *Transaction) SetPINBlock(block []byte, f pinblock.Format, ksn []byte) error {
	want := 8
	if f == pinblock.Format4 {
		want = 16
	}
	if len(block) != want {
		return fmt.Errorf("%w: field 52: a %s PIN block of %d bytes, want %d", ErrInvalidField, f, len(block), want)
	}
	if ksn != nil {
		if err := checkKSN(ksn); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidField, err)
		}
	}
	t.PINBlock, t.KSN = slices.Clone(block), slices.Clone(ksn)
	t.markPIN(f)
	return nil
}

// markPIN records a PIN block of format f where the CUP spec wants it
// (see SetPIN).
func (t *Transaction) markPIN(f pinblock.Format) {
	sc := SecurityControl{Algorithm: 6}
	if t.Security != nil {
		sc = *t.Security
	}
	sc.PINFormat = 1
	if f.BindsPAN() {
		sc.PINFormat = 2
	}
	t.Security = &sc
	if len(t.EntryMode) == 3 {
		t.EntryMode = t.EntryMode[:2] + "1"
	}
	if t.PINCaptureCode == "" {
		t.PINCaptureCode = "12"
	}
}

// trackBlock packs tr, lets fn (keys.EncryptTrack or DecryptTrack, the
// CUP rule for which block the TDK covers) work on the packed bytes, and
// returns the track re-expressed as characters.
func trackBlock(tr Track, b cipher.Block, fn func(cipher.Block, []byte) error) (Track, error) {
	if tr == "" {
		return "", nil
	}
	enc := nibbleEncoder{pad: 0xF, track: true}
	packed, err := enc.Encode([]byte(tr))
	if err != nil {
		return "", err
	}
	if err := fn(b, packed); err != nil {
		return "", fmt.Errorf("%w: %w", ErrInvalidField, err)
	}
	out, _, err := enc.Decode(packed, len(tr))
	if err != nil {
		return "", err
	}
	return Track(out), nil
}

// EncryptTracks encrypts fields 35 and 36 in place with the TDK's cipher
// (keys.EncryptTrack: the 8 bytes before the last byte of the packed
// track, TDES-ECB; with an SM4 TDK the 16 bytes) and sets 53.3. The
// encrypted tracks carry hex letters; TrackEncoder packs them as nibbles.
func (t *Transaction) EncryptTracks(tdk cipher.Block) error {
	if t.Security != nil && t.Security.TrackEncrypted {
		return fmt.Errorf("%w: tracks are already encrypted (field 53.3)", ErrInvalidField)
	}
	t2, err := trackBlock(t.Track2, tdk, keys.EncryptTrack)
	if err != nil {
		return fmt.Errorf("field 35: %w", err)
	}
	t3, err := trackBlock(t.Track3, tdk, keys.EncryptTrack)
	if err != nil {
		return fmt.Errorf("field 36: %w", err)
	}
	t.Track2, t.Track3 = t2, t3
	sc := SecurityControl{Algorithm: 6}
	if t.Security != nil {
		sc = *t.Security
	}
	sc.TrackEncrypted = true
	t.Security = &sc
	return nil
}

// DecryptTracks reverses EncryptTracks (the host side) when field 53.3
// says the tracks are encrypted, and clears 53.3.
func (t *Transaction) DecryptTracks(tdk cipher.Block) error {
	if t.Security == nil || !t.Security.TrackEncrypted {
		return nil
	}
	t2, err := trackBlock(t.Track2, tdk, keys.DecryptTrack)
	if err != nil {
		return fmt.Errorf("field 35: %w", err)
	}
	t3, err := trackBlock(t.Track3, tdk, keys.DecryptTrack)
	if err != nil {
		return fmt.Errorf("field 36: %w", err)
	}
	t.Track2, t.Track3 = t2, t3
	sc := *t.Security
	sc.TrackEncrypted = false
	t.Security = &sc
	return nil
}

package link

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"
)

// ErrSealed reports a sealed journal record that does not open: the file
// was edited, a record was moved from another file, the file belongs to
// another terminal (another storage key), or the key is missing.
var ErrSealed = errors.New("link: sealed record does not authenticate")

// sealOverhead is what sealing adds to a payload: a 24-byte nonce and the
// 16-byte Poly1305 tag.
const sealOverhead = chacha20poly1305.NonceSizeX + chacha20poly1305.Overhead

// JournalOption configures OpenJournal.
type JournalOption func(*journalOptions)

type journalOptions struct {
	fs       FS
	key      []byte
	previous [][]byte
}

// WithSealKey seals every payload at rest with XChaCha20-Poly1305 under
// key (32 bytes), the terminal's storage key: in practice derived from or
// wrapped under its key hierarchy, never stored beside the journal. The
// file then never holds a PAN or expiry in clear (PCI DSS 3.5.1).
//
// Each record is bound to its file: the additional data is the file's
// name, a random 16-byte file ID from its header, the operation and the
// record ID, so a record copied into another journal, or a file from
// another terminal, fails to open with ErrSealed. previous keys are tried
// when the current one fails (key rotation); a journal holding records
// under a previous key, or a clear journal, is rewritten under key when
// it is opened.
func WithSealKey(key []byte, previous ...[]byte) JournalOption {
	return func(o *journalOptions) {
		o.key = key
		o.previous = previous
	}
}

type sealer struct {
	name   string
	fileID []byte
	aead   cipher
	old    []cipher
	aad    []byte
}

type cipher interface {
	Seal(dst, nonce, plaintext, additionalData []byte) []byte
	Open(dst, nonce, ciphertext, additionalData []byte) ([]byte, error)
}

func newSealer(name string, key []byte, previous [][]byte) (*sealer, error) {
	a, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, fmt.Errorf("link: journal storage key: %w", err)
	}
	s := &sealer{name: name, aead: a}
	for i, k := range previous {
		if subtle.ConstantTimeCompare(k, key) == 1 {
			continue
		}
		p, err := chacha20poly1305.NewX(k)
		if err != nil {
			return nil, fmt.Errorf("link: previous journal storage key %d: %w", i, err)
		}
		s.old = append(s.old, p)
	}
	return s, nil
}

func (s *sealer) newFileID() error {
	s.fileID = make([]byte, fileIDLen)
	if _, err := rand.Read(s.fileID); err != nil {
		return fmt.Errorf("link: journal file ID: %w", err)
	}
	return nil
}

// header is the sealed journal's header: magic, version 2, the file ID.
func (s *sealer) header() []byte {
	h := []byte{journalMagic[0], journalMagic[1], journalMagic[2], journalMagic[3], journalSealed, 0, 0, 0}
	return append(h, s.fileID...)
}

func (s *sealer) additional(op byte, id uint64) []byte {
	s.aad = append(s.aad[:0], s.name...)
	s.aad = append(s.aad, 0)
	s.aad = append(s.aad, s.fileID...)
	s.aad = append(s.aad, op)
	return binary.BigEndian.AppendUint64(s.aad, id)
}

// seal returns nonce || ciphertext || tag of payload.
func (s *sealer) seal(op byte, id uint64, payload []byte) ([]byte, error) {
	out := make([]byte, chacha20poly1305.NonceSizeX, sealOverhead+len(payload))
	if _, err := rand.Read(out); err != nil {
		return nil, fmt.Errorf("link: journal nonce: %w", err)
	}
	return s.aead.Seal(out, out, payload, s.additional(op, id)), nil
}

// open authenticates and decrypts a sealed payload; old reports that a
// previous key opened it.
func (s *sealer) open(op byte, id uint64, sealed []byte) (payload []byte, old bool, err error) {
	if len(sealed) < sealOverhead {
		return nil, false, fmt.Errorf("%w: record %d is %d bytes", ErrSealed, id, len(sealed))
	}
	nonce, ct := sealed[:chacha20poly1305.NonceSizeX], sealed[chacha20poly1305.NonceSizeX:]
	ad := s.additional(op, id)
	if p, err := s.aead.Open(nil, nonce, ct, ad); err == nil {
		return p, false, nil
	}
	for _, a := range s.old {
		if p, err := a.Open(nil, nonce, ct, ad); err == nil {
			return p, true, nil
		}
	}
	return nil, false, fmt.Errorf("%w: record %d (edited, moved from another file, or another key)", ErrSealed, id)
}

package oda

import (
	"bytes"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"sort"
	"time"
)

// CAPublicKey is a certification authority public key as the terminal holds
// it (EMV Book 2 §11.2.2): identified by the scheme's RID and an index, with a
// SHA-1 checksum over RID, index, modulus and exponent.
type CAPublicKey struct {
	RID      [5]byte
	Index    byte
	Modulus  []byte
	Exponent []byte
	// Expiry is the last day the key may be used; the zero time means no expiry.
	Expiry time.Time
	// Checksum is SHA-1(RID || Index || Modulus || Exponent), as published
	// with the key; Validate checks it.
	Checksum []byte
}

// Validate checks the key's checksum, its modulus and exponent sizes
// (EMV Book 2 §5.1: modulus at most 248 bytes, exponent 3 or 2^16+1).
func (k *CAPublicKey) Validate() error {
	if len(k.Modulus) < 64 || len(k.Modulus) > 248 || k.Modulus[0] == 0 {
		return fmt.Errorf("%w: CA key %X/%02X: modulus of %d bytes", ErrCAKey, k.RID, k.Index, len(k.Modulus))
	}
	if !bytes.Equal(k.Exponent, []byte{3}) && !bytes.Equal(k.Exponent, []byte{1, 0, 1}) {
		return fmt.Errorf("%w: CA key %X/%02X: exponent %X is not 3 or 65537", ErrCAKey, k.RID, k.Index, k.Exponent)
	}
	sum := k.computeChecksum()
	if subtle.ConstantTimeCompare(sum, k.Checksum) != 1 {
		return fmt.Errorf("%w: CA key %X/%02X: checksum mismatch", ErrCAKey, k.RID, k.Index)
	}
	return nil
}

func (k *CAPublicKey) computeChecksum() []byte {
	h := sha1.New()
	h.Write(k.RID[:])
	h.Write([]byte{k.Index})
	h.Write(k.Modulus)
	h.Write(k.Exponent)
	return h.Sum(nil)
}

// SetChecksum computes and stores the checksum of a key built in code.
func (k *CAPublicKey) SetChecksum() { k.Checksum = k.computeChecksum() }

func (k *CAPublicKey) publicKey() publicKey {
	return publicKey{n: new(big.Int).SetBytes(k.Modulus), e: new(big.Int).SetBytes(k.Exponent), size: len(k.Modulus)}
}

// CAStore holds the CA public keys a terminal trusts, by RID and index.
type CAStore struct {
	keys map[caID]*CAPublicKey
}

type caID struct {
	rid   [5]byte
	index byte
}

// NewCAStore returns a store holding keys, each validated first.
func NewCAStore(keys ...CAPublicKey) (*CAStore, error) {
	s := &CAStore{keys: make(map[caID]*CAPublicKey, len(keys))}
	for i := range keys {
		if err := s.Add(keys[i]); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Add validates k and adds it, replacing a key with the same RID and index.
func (s *CAStore) Add(k CAPublicKey) error {
	if err := k.Validate(); err != nil {
		return err
	}
	if s.keys == nil {
		s.keys = make(map[caID]*CAPublicKey)
	}
	s.keys[caID{k.RID, k.Index}] = &k
	return nil
}

// Lookup returns the key for a RID (the first 5 bytes of the AID) and index
// (tag 8F), refusing one that has expired by the transaction date.
func (s *CAStore) Lookup(rid []byte, index byte, today time.Time) (*CAPublicKey, error) {
	var id caID
	if len(rid) < 5 {
		return nil, fmt.Errorf("%w: RID %X is shorter than 5 bytes", ErrUnknownCAKey, rid)
	}
	copy(id.rid[:], rid)
	id.index = index
	k, ok := s.keys[id]
	if !ok {
		return nil, fmt.Errorf("%w: RID %X index %02X", ErrUnknownCAKey, id.rid, index)
	}
	if !k.Expiry.IsZero() && today.After(k.Expiry) {
		return nil, fmt.Errorf("%w: CA key %X/%02X expired %s", ErrExpired, id.rid, index, k.Expiry.Format("2006-01-02"))
	}
	return k, nil
}

// Keys lists the store's keys ordered by RID and index.
func (s *CAStore) Keys() []CAPublicKey {
	out := make([]CAPublicKey, 0, len(s.keys))
	for _, k := range s.keys {
		out = append(out, *k)
	}
	sort.Slice(out, func(i, j int) bool {
		if c := bytes.Compare(out[i].RID[:], out[j].RID[:]); c != 0 {
			return c < 0
		}
		return out[i].Index < out[j].Index
	})
	return out
}

// jsonKey is the data form of a CA key: hex strings, expiry as YYYY-MM-DD.
type jsonKey struct {
	RID      string `json:"rid"`
	Index    string `json:"index"`
	Modulus  string `json:"modulus"`
	Exponent string `json:"exponent"`
	Expiry   string `json:"expiry,omitempty"`
	Checksum string `json:"checksum"`
}

// LoadCAStore reads a JSON array of keys:
//
//	[{"rid":"A000000004","index":"05","modulus":"B8048A...","exponent":"03",
//	  "expiry":"2030-12-31","checksum":"EBFA0D5D..."}]
//
// Every key's checksum is verified; one bad key fails the whole load.
func LoadCAStore(r io.Reader) (*CAStore, error) {
	var list []jsonKey
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&list); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCAKey, err)
	}
	s := &CAStore{}
	for i, j := range list {
		k, err := j.key()
		if err != nil {
			return nil, fmt.Errorf("%w: key %d: %v", ErrCAKey, i, err)
		}
		if err := s.Add(k); err != nil {
			return nil, fmt.Errorf("key %d: %w", i, err)
		}
	}
	return s, nil
}

func (j jsonKey) key() (CAPublicKey, error) {
	var k CAPublicKey
	rid, err := hex.DecodeString(j.RID)
	if err != nil || len(rid) != 5 {
		return k, fmt.Errorf("rid %q is not 5 hex bytes", j.RID)
	}
	copy(k.RID[:], rid)
	idx, err := hex.DecodeString(j.Index)
	if err != nil || len(idx) != 1 {
		return k, fmt.Errorf("index %q is not 1 hex byte", j.Index)
	}
	k.Index = idx[0]
	if k.Modulus, err = hex.DecodeString(j.Modulus); err != nil {
		return k, fmt.Errorf("modulus: %v", err)
	}
	if k.Exponent, err = hex.DecodeString(j.Exponent); err != nil {
		return k, fmt.Errorf("exponent: %v", err)
	}
	if k.Checksum, err = hex.DecodeString(j.Checksum); err != nil {
		return k, fmt.Errorf("checksum: %v", err)
	}
	if j.Expiry != "" {
		t, err := time.Parse("2006-01-02", j.Expiry)
		if err != nil {
			return k, fmt.Errorf("expiry: %v", err)
		}
		k.Expiry = t.Add(24*time.Hour - time.Nanosecond)
	}
	return k, nil
}

// MarshalJSON writes a key in the form LoadCAStore reads.
func (k CAPublicKey) MarshalJSON() ([]byte, error) {
	j := jsonKey{
		RID:      fmt.Sprintf("%X", k.RID),
		Index:    fmt.Sprintf("%02X", k.Index),
		Modulus:  fmt.Sprintf("%X", k.Modulus),
		Exponent: fmt.Sprintf("%X", k.Exponent),
		Checksum: fmt.Sprintf("%X", k.Checksum),
	}
	if !k.Expiry.IsZero() {
		j.Expiry = k.Expiry.Format("2006-01-02")
	}
	return json.Marshal(j)
}

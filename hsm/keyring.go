package hsm

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// ErrKeyring: a keyring file that does not parse, or a label that is not
// in it.
var ErrKeyring = errors.New("hsm: keyring")

// Keyring is a named set of key blocks kept in a file, for the keys a host
// configures rather than receives: issuer master keys, CVKs, PVKs, zone
// keys, BDKs. Each line is "label<TAB>key block"; the blocks are
// ciphertext under the LMK, so the file holds no clear key (check values
// and usages are readable, as in any key block). Every change rewrites the
// file atomically: a new file, fsync, rename, fsync of the directory. A
// Keyring is safe for concurrent use by one process.
type Keyring struct {
	path string
	mu   sync.RWMutex
	m    map[string]KeyBlock
}

// OpenKeyring reads the keyring at path, or starts an empty one if the
// file does not exist. Blocks are not unwrapped here; the HSM checks each
// when it is used.
func OpenKeyring(path string) (*Keyring, error) {
	r := &Keyring{path: path, m: make(map[string]KeyBlock)}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return r, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyring, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), 64*1024)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		label, blk, ok := strings.Cut(line, "\t")
		if !ok || label == "" || blk == "" || strings.ContainsAny(blk, " \t") {
			return nil, fmt.Errorf("%w: %s line %d is not \"label<TAB>key block\"", ErrKeyring, path, n)
		}
		if _, dup := r.m[label]; dup {
			return nil, fmt.Errorf("%w: %s line %d repeats label %q", ErrKeyring, path, n, label)
		}
		r.m[label] = KeyBlock(blk)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrKeyring, path, err)
	}
	return r, nil
}

// Get returns the key block stored under label.
func (r *Keyring) Get(label string) (KeyBlock, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	b, ok := r.m[label]
	if !ok {
		return "", fmt.Errorf("%w: no key %q", ErrKeyring, label)
	}
	return b, nil
}

// Labels returns the labels in order.
func (r *Keyring) Labels() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.m))
	for l := range r.m {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}

// Put stores b under label (replacing what was there) and writes the file.
// Labels are printable and have no tabs or line breaks.
func (r *Keyring) Put(label string, b KeyBlock) error {
	if label == "" || strings.ContainsAny(label, "\t\r\n") {
		return fmt.Errorf("%w: label %q", ErrKeyring, label)
	}
	if b == "" || strings.ContainsAny(string(b), " \t\r\n") {
		return fmt.Errorf("%w: not a key block", ErrKeyring)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	old, had := r.m[label]
	r.m[label] = b
	if err := r.save(); err != nil {
		if had {
			r.m[label] = old
		} else {
			delete(r.m, label)
		}
		return err
	}
	return nil
}

// Delete removes label and writes the file.
func (r *Keyring) Delete(label string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	old, had := r.m[label]
	if !had {
		return fmt.Errorf("%w: no key %q", ErrKeyring, label)
	}
	delete(r.m, label)
	if err := r.save(); err != nil {
		r.m[label] = old
		return err
	}
	return nil
}

// save writes the keyring atomically; the caller holds mu.
func (r *Keyring) save() error {
	labels := make([]string, 0, len(r.m))
	for l := range r.m {
		labels = append(labels, l)
	}
	slices.Sort(labels)
	var buf bytes.Buffer
	buf.WriteString("# possdk hsm keyring: label<TAB>TR-31 key block under the LMK\n")
	for _, l := range labels {
		buf.WriteString(l)
		buf.WriteByte('\t')
		buf.WriteString(string(r.m[l]))
		buf.WriteByte('\n')
	}
	dir := filepath.Dir(r.path)
	f, err := os.CreateTemp(dir, filepath.Base(r.path)+".tmp*")
	if err != nil {
		return fmt.Errorf("%w: %w", ErrKeyring, err)
	}
	tmp := f.Name()
	_, err = f.Write(buf.Bytes())
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, r.path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("%w: writing %s: %w", ErrKeyring, r.path, err)
	}
	if d, err := os.Open(dir); err == nil {
		err = d.Sync()
		_ = d.Close()
		if err != nil {
			return fmt.Errorf("%w: syncing %s: %w", ErrKeyring, dir, err)
		}
	}
	return nil
}

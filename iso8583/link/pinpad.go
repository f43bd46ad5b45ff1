package link

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"

	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/keys/dukpt"
	"github.com/possdk/pos/pinblock"
)

// PINPad is the terminal's PIN entry device: a separate secure device that
// returns the PIN enciphered as an ISO 9564 format 0 block for pan and, for
// a DUKPT device, the block's key serial number (10 bytes TDES DUKPT, 12
// AES DUKPT). Set Config.PINPad to use one instead of the sign-in PIN key.
// Its errors must not carry PIN or key bytes.
type PINPad interface {
	EncryptPIN(pin pinblock.PIN, pan string) (block, ksn []byte, err error)
}

// setPIN puts pin into t's field 52: through the PIN pad when there is
// one, else under the sign-in PIK.
func (c *Client) setPIN(t *iso8583.Transaction, pin pinblock.PIN) error {
	if c.cfg.PINPad == nil {
		return t.SetPIN(c.pik, pin)
	}
	block, ksn, err := c.cfg.PINPad.EncryptPIN(pin, string(cardOf(t)))
	if err != nil {
		return fmt.Errorf("link: PIN pad: %w", err)
	}
	return t.SetPINBlock(block, pinblock.Format0, ksn)
}

// ErrPINPad reports a DUKPT PIN pad that cannot be used: its state file is
// missing, damaged or already loaded, its keys are used up, or it was
// closed.
var ErrPINPad = errors.New("link: DUKPT PIN pad")

// pinPadMagic starts a DUKPTPINPad state file (format 1): magic, version,
// three zero bytes, the file ID binding the sealed state to this file,
// then the sealed dukpt.TDESTerminal state.
const (
	pinPadMagic   = "DKPP"
	pinPadVersion = 1
	pinPadHdrLen  = 8 + fileIDLen
	pinPadOp      = 'K'
)

// DUKPTPINPad is a software TDES DUKPT PIN pad (ANSI X9.24-1:2009) for
// simulators and tests: format 0 PIN blocks under each transaction's PIN
// key, with the KSN. Its future-key registers live in a file sealed with
// XChaCha20-Poly1305 under a storage key (as the journal's WithSealKey),
// so no key is ever in clear on disk; the file is rewritten atomically and
// synced, with the counter advanced, before a PIN block is returned, so a
// crash can skip a KSN but never make the device use one twice. A second
// process opening the same file is refused (ErrLocked) for the same
// reason.
//
// It is not a PCI PTS device: its keys are in process memory and a copy
// of an old state file put back would replay KSNs. A real PIN pad is a
// PINPad driver.
//
// It prints, logs and marshals (JSON) as its next KSN only. It is safe
// for concurrent use.
type DUKPTPINPad struct {
	mu   sync.Mutex
	path string
	fs   FS
	seal *sealer
	lock io.Closer
	term *dukpt.TDESTerminal // nil once closed
	rand io.Reader
	next dukpt.KSN // the KSN of the next block (term.KSN() as last saved)
}

// PINPadOption adjusts LoadDUKPTPINPad and OpenDUKPTPINPad.
type PINPadOption func(*DUKPTPINPad)

// WithPINPadFS makes the PIN pad write through fsys (tests that cut the
// power).
func WithPINPadFS(fsys FS) PINPadOption { return func(p *DUKPTPINPad) { p.fs = fsys } }

// WithPINPadRand sets the source of the PIN blocks' random fill (default
// crypto/rand; format 0 has none, other formats would use it).
func WithPINPadRand(r io.Reader) PINPadOption { return func(p *DUKPTPINPad) { p.rand = r } }

// LoadDUKPTPINPad is key injection: it creates the state file at path for
// a device with initial key ipek (the IPEK, keys.TDES2, as a key injection
// facility derives it with dukpt.TDESHost.InitialKey) and initial KSN
// (counter bits ignored), sealed under sealKey (32 bytes), and returns the
// pad ready for its first transaction. It refuses a path that exists:
// loading the same key again would start the counter over and reuse KSNs.
func LoadDUKPTPINPad(path string, sealKey []byte, ipek *keys.Key, ksn dukpt.KSN, opts ...PINPadOption) (*DUKPTPINPad, error) {
	p, err := newPINPad(path, sealKey, opts)
	if err != nil {
		return nil, err
	}
	if f, err := p.fs.OpenFile(path, os.O_RDONLY, 0); err == nil {
		f.Close()
		p.lock.Close()
		return nil, fmt.Errorf("%w: %s exists: the device is loaded already (open it with OpenDUKPTPINPad)", ErrPINPad, path)
	} else if !errors.Is(err, fs.ErrNotExist) {
		p.lock.Close()
		return nil, fmt.Errorf("%w: %s: %w", ErrPINPad, path, err)
	}
	t, err := dukpt.NewTDESTerminal(ipek, ksn)
	if err != nil {
		p.lock.Close()
		return nil, fmt.Errorf("%w: loading the initial key: %w", ErrPINPad, err)
	}
	p.term = t
	if err := p.seal.newFileID(); err != nil {
		p.Close()
		return nil, err
	}
	if err := p.saveLocked(); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// OpenDUKPTPINPad opens the state file LoadDUKPTPINPad created; the pad
// continues from the stored counter.
func OpenDUKPTPINPad(path string, sealKey []byte, opts ...PINPadOption) (*DUKPTPINPad, error) {
	p, err := newPINPad(path, sealKey, opts)
	if err != nil {
		return nil, err
	}
	if err := p.load(); err != nil {
		p.lock.Close()
		return nil, err
	}
	return p, nil
}

func newPINPad(path string, sealKey []byte, opts []PINPadOption) (*DUKPTPINPad, error) {
	p := &DUKPTPINPad{path: path, fs: OSFS{}}
	for _, o := range opts {
		o(p)
	}
	s, err := newSealer(filepath.Base(path), sealKey, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPINPad, err)
	}
	p.seal = s
	if p.lock, err = p.fs.Lock(path); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrPINPad, path, err)
	}
	return p, nil
}

// load reads, authenticates and restores the state file.
func (p *DUKPTPINPad) load() error {
	f, err := p.fs.OpenFile(p.path, os.O_RDONLY, 0)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrPINPad, p.path, err)
	}
	data, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrPINPad, p.path, err)
	}
	if len(data) < pinPadHdrLen || string(data[:4]) != pinPadMagic || data[4] != pinPadVersion {
		return fmt.Errorf("%w: %s: %w: not a PIN pad state file (header)", ErrPINPad, p.path, ErrCorrupt)
	}
	p.seal.fileID = append([]byte(nil), data[8:pinPadHdrLen]...)
	state, _, err := p.seal.open(pinPadOp, 0, data[pinPadHdrLen:])
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrPINPad, p.path, err)
	}
	defer clear(state)
	var t dukpt.TDESTerminal
	if err := t.UnmarshalBinary(state); err != nil {
		return fmt.Errorf("%w: %s: %w: %w", ErrPINPad, p.path, ErrCorrupt, err)
	}
	p.term, p.next = &t, t.KSN()
	return nil
}

// saveLocked seals the current state and replaces the file with it,
// synced (file and directory).
func (p *DUKPTPINPad) saveLocked() error {
	state, err := p.term.MarshalBinary()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrPINPad, err)
	}
	sealed, err := p.seal.seal(pinPadOp, 0, state)
	clear(state)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrPINPad, err)
	}
	buf := make([]byte, 0, pinPadHdrLen+len(sealed))
	buf = append(buf, pinPadMagic...)
	buf = append(buf, pinPadVersion, 0, 0, 0)
	buf = append(append(buf, p.seal.fileID...), sealed...)
	f, err := replaceFile(p.fs, p.path, buf)
	if f != nil {
		f.Close()
	}
	if err != nil {
		return fmt.Errorf("%w: writing %s: %w", ErrPINPad, p.path, err)
	}
	p.next = p.term.KSN()
	return nil
}

// EncryptPIN implements PINPad: the next transaction key (X9.24-1 A.2
// "Request PIN Entry"), the counter advanced and the state durably on
// disk, then the format 0 block of pin and pan under the key's PIN
// variant, with its KSN. If the state cannot be written no block is
// returned (and that KSN is skipped).
func (p *DUKPTPINPad) EncryptPIN(pin pinblock.PIN, pan string) (block, ksn []byte, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.term == nil {
		return nil, nil, fmt.Errorf("%w: closed", ErrPINPad)
	}
	key, err := p.term.Next()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrPINPad, err)
	}
	defer key.Zero()
	// The advanced counter is durable before the key it released is used.
	if err := p.saveLocked(); err != nil {
		return nil, nil, err
	}
	c, err := pinblock.TDESDUKPT(key, pinblock.Format0, p.rand)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrPINPad, err)
	}
	block, err = c.Encrypt(pin, pan)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrPINPad, err)
	}
	k := key.KSN()
	return block, k[:], nil
}

// KSN returns the KSN the next PIN block will carry.
func (p *DUKPTPINPad) KSN() dukpt.KSN {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.next
}

// Close wipes the keys in memory and releases the state file's lock. The
// file holds everything; OpenDUKPTPINPad continues from it.
func (p *DUKPTPINPad) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.term != nil {
		p.term.Zero()
		p.term = nil
	}
	if p.lock == nil {
		return nil
	}
	err := p.lock.Close()
	p.lock = nil
	return err
}

// String shows the next KSN only.
func (p *DUKPTPINPad) String() string { return "DUKPT PIN pad, next KSN " + p.KSN().String() }

// GoString is String, so %#v prints no key bytes.
func (p *DUKPTPINPad) GoString() string { return "link.DUKPTPINPad{" + p.String() + "}" }

// Format writes String for every verb.
func (p *DUKPTPINPad) Format(f fmt.State, _ rune) { io.WriteString(f, p.String()) }

// LogValue implements slog.LogValuer: the next KSN only.
func (p *DUKPTPINPad) LogValue() slog.Value {
	return slog.GroupValue(slog.String("ksn", p.KSN().String()))
}

// MarshalJSON writes the next KSN only: {"ksn":"FFFF9876543210E00001"}.
func (p *DUKPTPINPad) MarshalJSON() ([]byte, error) {
	return []byte(`{"ksn":"` + p.KSN().String() + `"}`), nil
}

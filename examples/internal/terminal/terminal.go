// Package terminal is the demonstration's payment terminal: the EMV kernel
// (emv/kernel) reads contact and contactless cards, iso8583/link carries
// the authorisations to the acquirer with a durable reversal journal, qr
// makes and reads payment codes, and every approval prints merchant and
// cardholder receipts. The examples' terminal program, the cash register
// and the scripted demo day drive it.
package terminal

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/possdk/pos/emv/kernel"
	"github.com/possdk/pos/examples/internal/fixtures"
	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/keys"
)

// Config configures a Terminal.
type Config struct {
	// HostAddr is the acquirer's host:port.
	HostAddr string
	// TLS, when not nil, dials the host with TLS; Pins, when given, must
	// match the host's key.
	TLS  *tls.Config
	Pins []link.Pin
	// StateDir holds the reversal journal, the batch and the counters;
	// they survive restarts.
	StateDir string
	// TerminalID, MerchantID and MerchantName default to the fixtures'.
	TerminalID, MerchantID, MerchantName string
	// StorageKey (32 bytes) seals the journals at rest; nil derives it
	// from the TMK.
	StorageKey []byte
	// TMK is the terminal master key.
	TMK *keys.Key
	// Kernel is the EMV configuration (nil: fixtures.TerminalConfig).
	Kernel *kernel.Config
	// Timeout is how long to wait for each host response (default 30 s).
	Timeout time.Duration
	// Out receives the transcript (nil: discarded); Receipts the printed
	// receipts (nil: Out).
	Out, Receipts io.Writer
	// Logger receives the link's and kernel's logs (nil: discarded).
	Logger *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// ErrEmptyBatch reports a settlement of a batch without transactions.
var ErrEmptyBatch = errors.New("terminal: the batch is empty: nothing to settle")

// Terminal is one POS terminal.
type Terminal struct {
	cfg      Config
	client   *link.Client
	txns     *link.Journal // one sealed record per transaction
	counters *link.Counters
	// ecr remembers the cash register's last answer, the last slip and
	// the approved sales by trace number, across connections and
	// restarts (sealed like the other journals).
	ecr *link.Journal
	// keys holds the working keys of the last sign-in, under the TMK
	// and sealed (see Ready).
	keys *link.Journal
}

// storageKey is the key the journals are sealed under: cfg.StorageKey, or
// one derived from the TMK (HMAC-SHA256 with a fixed label), so the state
// directory holds no card data in clear and is useless without the
// terminal's key hierarchy.
func storageKey(cfg Config) []byte {
	if len(cfg.StorageKey) == 32 {
		return cfg.StorageKey
	}
	tmk := cfg.TMK.ClearBytes()
	m := hmac.New(sha256.New, tmk)
	clear(tmk)
	m.Write([]byte("possdk terminal journal storage key v1"))
	return m.Sum(nil)
}

// Open opens the terminal's state and prepares its host link; SignIn
// connects.
func Open(cfg Config) (*Terminal, error) {
	if cfg.TerminalID == "" {
		cfg.TerminalID, cfg.MerchantID, cfg.MerchantName = fixtures.TerminalID, fixtures.MerchantID, fixtures.MerchantName
	}
	if cfg.TMK == nil {
		return nil, errors.New("terminal: no TMK")
	}
	if cfg.Kernel == nil {
		k, err := fixtures.TerminalConfig()
		if err != nil {
			return nil, err
		}
		cfg.Kernel = k
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	if cfg.Receipts == nil {
		cfg.Receipts = cfg.Out
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	t := &Terminal{cfg: cfg}
	var err error
	seal := link.WithSealKey(storageKey(cfg))
	if t.txns, err = link.OpenJournal(filepath.Join(cfg.StateDir, "transactions.journal"), seal); err != nil {
		return nil, err
	}
	if t.counters, err = link.OpenCounters(filepath.Join(cfg.StateDir, "counters")); err != nil {
		t.Close()
		return nil, err
	}
	if t.ecr, err = link.OpenJournal(filepath.Join(cfg.StateDir, "ecr.journal"), seal); err != nil {
		t.Close()
		return nil, err
	}
	if t.keys, err = link.OpenJournal(filepath.Join(cfg.StateDir, "workingkeys.journal"), seal); err != nil {
		t.Close()
		return nil, err
	}
	t.client, err = link.NewClient(link.Config{
		Dialer: link.Dialer{Addr: cfg.HostAddr, TLS: cfg.TLS, Pins: cfg.Pins, Timeout: 5 * time.Second},
		Envelope: iso8583.Envelope{
			TPDU:   iso8583.TPDU{ID: 0x60, Destination: 0x0001},
			Header: iso8583.Header{AppType: 0x60, Version: 0x22},
		},
		Terminal: iso8583.Terminal{TerminalID: cfg.TerminalID, MerchantID: cfg.MerchantID, Operator: "001"},
		TMK:      cfg.TMK,
		Journal:  t.txns, Counters: t.counters,
		Timeout:         cfg.Timeout,
		ReversalBackoff: 200 * time.Millisecond,
		Logger:          cfg.Logger,
	})
	if err != nil {
		t.Close()
		return nil, err
	}
	return t, nil
}

// Close drops the host link and closes the state files.
func (t *Terminal) Close() error {
	var errs []error
	if t.client != nil {
		errs = append(errs, t.client.Close())
	}
	for _, j := range []*link.Journal{t.txns, t.ecr, t.keys} {
		if j != nil {
			errs = append(errs, j.Close())
		}
	}
	if t.counters != nil {
		errs = append(errs, t.counters.Close())
	}
	return errors.Join(errs...)
}

func (t *Terminal) say(format string, a ...any) {
	fmt.Fprintf(t.cfg.Out, format+"\n", a...)
}

// SignIn signs in: the host sends fresh working keys under the TMK, whose
// check values the link verifies before loading them. The terminal keeps
// them (sealed, see Ready) for later runs.
func (t *Terminal) SignIn(ctx context.Context) error {
	if err := t.client.SignIn(ctx); err != nil {
		return err
	}
	if err := t.saveKeys(); err != nil {
		// Not fatal: the next run signs in again.
		t.say("  warning: the working keys could not be kept: %v", err)
	}
	t.say("signed in: working keys loaded, check values verified under TMK %s; batch %06d", t.cfg.TMK, t.counters.Batch())
	return nil
}

// PendingReversals is the number of reversals the host has not yet
// acknowledged.
func (t *Terminal) PendingReversals() int { return t.client.Pending() }

// Batch is the current batch number.
func (t *Terminal) Batch() uint32 { return t.counters.Batch() }

// Totals are the current batch's totals as the terminal counts them.
func (t *Terminal) Totals() (iso8583.Totals, error) { return t.client.Totals() }

// Settle sends the batch totals; an unbalanced batch is uploaded.
//
// An empty batch (no transaction to settle and no reversal owed) is not
// sent: Settle returns ErrEmptyBatch, and the batch number stays.
func (t *Terminal) Settle(ctx context.Context) (*link.Settlement, error) {
	if t.batchEmpty() {
		t.say("batch %06d is empty: nothing to settle, no message sent", t.counters.Batch())
		return nil, ErrEmptyBatch
	}
	if err := t.Ready(ctx); err != nil {
		return nil, err
	}
	s, err := t.client.Settle(ctx)
	if err != nil {
		return nil, err
	}
	if err := t.forgetSettledSales(); err != nil {
		t.cfg.Logger.Error("terminal: forgetting settled sales", "err", err)
	}
	word := "balanced"
	if !s.Balanced {
		word = fmt.Sprintf("NOT balanced: %d transactions uploaded", s.Uploaded)
	}
	t.say("settlement of batch %06d: terminal %s, host %s: %s", s.Batch, totals(s.Terminal), totals(s.Host), word)
	return s, nil
}

func totals(x iso8583.Totals) string {
	return fmt.Sprintf("%d debit(s) %s, %d credit(s) %s", x.DebitCount, money(x.DebitAmount), x.CreditCount, money(x.CreditAmount))
}

func money(minor int64) string {
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	return fmt.Sprintf("%s%d.%02d", sign, minor/100, minor%100)
}

// batchEmpty reports whether the batch has nothing to settle: no reversal
// owed and no approved transaction that settles (pre-authorisations and
// their voids move no money: they settle through completions).
func (t *Terminal) batchEmpty() bool {
	recs, err := t.client.Records()
	if err != nil {
		return false // let Settle say what is wrong
	}
	for _, r := range recs {
		if r.State != link.StateApproved || r.Txn == nil {
			return false
		}
		switch r.Txn.Kind {
		case iso8583.KindPreAuth, iso8583.KindPreAuthVoid:
		default:
			return false
		}
	}
	return true
}

// StateDir returns the directory holding the terminal's state.
func (t *Terminal) StateDir() string { return t.cfg.StateDir }

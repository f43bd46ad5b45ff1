package kernel

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/possdk/pos/emv/oda"
)

// Config is a terminal's EMV configuration, loadable from JSON. Hex fields
// are hex strings.
type Config struct {
	TerminalType    string `json:"terminal_type"`    // 9F35, e.g. "22" attended online-capable merchant
	Capabilities    string `json:"capabilities"`     // 9F33, e.g. "E0F8C8"
	AddCapabilities string `json:"add_capabilities"` // 9F40
	Country         string `json:"country"`          // 9F1A, e.g. "0156"
	Currency        string `json:"currency"`         // 5F2A
	CurrencyExp     int    `json:"currency_exponent"`
	IFDSerial       string `json:"ifd_serial"` // 9F1E, 8 characters
	MerchantName    string `json:"merchant_name"`
	TerminalID      string `json:"terminal_id"` // 9F1C, 8 characters
	MerchantID      string `json:"merchant_id"` // 9F16, 15 characters
	OnlineCapable   bool   `json:"online_capable"`
	// MerchantCategoryCode is 9F15 (4 digits, ISO 18245), optional.
	MerchantCategoryCode string `json:"merchant_category_code"`
	// MerchantNameLocation is 9F4E (ans), optional.
	MerchantNameLocation string `json:"merchant_name_location"`
	// AcquirerID is 9F01 (6 to 11 digits), optional.
	AcquirerID string `json:"acquirer_id"`
	// Languages are the languages the terminal can show cardholder
	// messages in (ISO 639-1, lower case), its default first (Book 4
	// §11.1); empty means ["en"].
	Languages []string `json:"languages"`
	// MaxScriptLength is the most issuer script data (71 and 72
	// templates, tag and length included, all scripts of one response
	// together) the terminal processes; 0 means 128, the minimum the
	// payment systems require terminals to handle (Book 3 §10.10 leaves
	// the limit to them). A script past the limit is not sent to the card.
	MaxScriptLength int `json:"max_script_length"`

	// CARevocations is the CA public key revocation list (EMV Book 2
	// §5.1, §6.1): issuer certificates by RID, CA public key index and
	// certificate serial number; a listed certificate fails offline data
	// authentication.
	CARevocations []CARevocation `json:"ca_revocations"`
	// ExceptionFile is the terminal exception file (hot list): PANs,
	// digits only. A listed card sets "card appears on terminal exception
	// file" (TVR byte 1 b5). Never printed.
	ExceptionFile []string `json:"exception_file"`

	AIDs []AIDConfig `json:"aids"`
	// CAKeys are the schemes' CA public keys (see oda.LoadCAStore for the
	// form); every checksum is verified.
	CAKeys json.RawMessage `json:"ca_keys"`

	// The rest is set in code, not JSON.

	// CAStore holds the CA public keys when they do not come from
	// CAKeys (set one or the other).
	CAStore *oda.CAStore `json:"-"`
	// Hooks connect the kernel to the PIN pad, the cardholder and (for
	// RunContact and RunContactless) the host; nil hooks take their
	// defaults (see Hooks).
	Hooks Hooks `json:"-"`
	// Logger receives the kernel's logs (APDU names, status words and
	// tags, never values); nil discards them.
	Logger *slog.Logger `json:"-"`
	// Rand is the source of unpredictable numbers (9F37) and of random
	// transaction selection; nil is crypto/rand.
	Rand io.Reader `json:"-"`
	// Clock gives the transaction time when Transaction.Time is zero,
	// and times Kernel 2's relay resistance exchange and torn records;
	// nil is time.Now (monotonic, as relay resistance needs).
	Clock func() time.Time `json:"-"`

	caStore    *oda.CAStore
	revoked    map[string]bool
	exceptions map[string]bool
}

// CARevocation names one revoked issuer public key certificate.
type CARevocation struct {
	RID    string `json:"rid"`    // 5 bytes, hex
	Index  string `json:"index"`  // CA public key index (8F), 1 byte hex
	Serial string `json:"serial"` // certificate serial number, 3 bytes hex
}

// AIDConfig is the terminal's parameters for one application.
type AIDConfig struct {
	AID              string `json:"aid"`
	PartialSelection bool   `json:"partial_selection"`
	AppVersion       string `json:"app_version"` // 9F09
	TACDefault       string `json:"tac_default"`
	TACDenial        string `json:"tac_denial"`
	TACOnline        string `json:"tac_online"`
	DefaultDDOL      string `json:"default_ddol"`
	// DefaultTDOL is used for the TC Hash Value (98) when the card asks
	// for 98 and has no TDOL (97) (Book 3 §5.4); empty: none.
	DefaultTDOL string `json:"default_tdol"`
	// FloorLimit is the Terminal Floor Limit (9F1B), minor units. nil
	// means absent, which is not zero: 9F1B is then not in the
	// transaction data (a DOL naming it gets zeros, Book 3 §5.4), a
	// contact transaction's floor limit check treats every amount as
	// over the limit (no offline approval by amount without a configured
	// limit, Book 3 §10.6.1), and a contactless reader with no reader
	// floor limit either sets no floor indicator (Book B §3.1.1). A
	// floor limit of 0 is present: every amount ≥ 0 exceeds it.
	FloorLimit *int64 `json:"floor_limit"`
	// Random transaction selection (EMV Book 3 §10.6.2).
	TargetPercent    int   `json:"target_percent"`
	MaxTargetPercent int   `json:"max_target_percent"`
	Threshold        int64 `json:"threshold"`
	// Contactless reader limits (Book B §3.1.1), minor units. nil means
	// absent, which is not the same as 0: a floor limit of 0 sends every
	// tap online, an absent one falls back to FloorLimit; an absent
	// transaction or CVM-required limit does not apply.
	ContactlessLimit      *int64 `json:"contactless_limit"`
	ContactlessCVMLimit   *int64 `json:"contactless_cvm_limit"`
	ContactlessFloorLimit *int64 `json:"contactless_floor_limit"`
	TTQ                   string `json:"ttq"` // 9F66 base value, e.g. "36004000"
	// ContactlessLimitsByType overrides the three contactless limits for
	// one transaction type, keyed by 9C as two hex digits ("00" purchase,
	// "01" cash, "09" cashback, "20" refund). A limit left out of an
	// entry is the AID's own (above), which may itself be absent.
	ContactlessLimitsByType map[string]ContactlessLimits `json:"contactless_limits_by_type"`
	// KernelID is the contactless kernel the reader runs for this AID
	// (Book B §3.3.2.5 combination, hex, e.g. "03"); empty means the
	// RID's default kernel. A PPSE entry whose requested kernel differs
	// is not a candidate.
	KernelID string `json:"kernel_id"`
	// Kernel2 and Kernel7 are the Book C-2 (Mastercard) and Book C-7
	// (UnionPay QuickPass) kernels' own settings for this AID (kernel2.go,
	// kernel7.go). The reader runs Kernel 2 for an AID only when Kernel2
	// is set; Kernel 7 runs with its defaults when Kernel7 is nil.
	Kernel2 *Kernel2Config `json:"kernel2,omitempty"`
	Kernel7 *Kernel7Config `json:"kernel7,omitempty"`
}

// ContactlessLimits are reader limits for one transaction type (Book B
// §3.1.1), minor units; nil: not overridden.
type ContactlessLimits struct {
	Limit      *int64 `json:"contactless_limit"`
	CVMLimit   *int64 `json:"contactless_cvm_limit"`
	FloorLimit *int64 `json:"contactless_floor_limit"`
}

// limitsFor returns the AID's contactless transaction, CVM-required and
// floor limits for a transaction type.
func (a *AIDConfig) limitsFor(txType byte) (limit, cvm, floor *int64) {
	limit, cvm, floor = a.ContactlessLimit, a.ContactlessCVMLimit, a.ContactlessFloorLimit
	if o, ok := a.ContactlessLimitsByType[fmt.Sprintf("%02X", txType)]; ok {
		if o.Limit != nil {
			limit = o.Limit
		}
		if o.CVMLimit != nil {
			cvm = o.CVMLimit
		}
		if o.FloorLimit != nil {
			floor = o.FloorLimit
		}
	}
	return limit, cvm, floor
}

// LoadConfig reads a JSON configuration and checks it.
func LoadConfig(r io.Reader) (*Config, error) {
	var c Config
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	return &c, nil
}

// LoadConfigFile reads a JSON configuration file.
func LoadConfigFile(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return LoadConfig(f)
}

func (c *Config) check() error {
	for name, v := range map[string]struct {
		s string
		n int
	}{
		"terminal_type": {c.TerminalType, 1}, "capabilities": {c.Capabilities, 3},
		"add_capabilities": {c.AddCapabilities, 5}, "country": {c.Country, 2}, "currency": {c.Currency, 2},
	} {
		if b, err := hex.DecodeString(v.s); err != nil || len(b) != v.n {
			return fmt.Errorf("%w: %s %q is not %d hex bytes", ErrConfig, name, v.s, v.n)
		}
	}
	if len(c.AIDs) == 0 {
		return fmt.Errorf("%w: no AIDs", ErrConfig)
	}
	for i, a := range c.AIDs {
		for name, s := range map[string]string{"aid": a.AID, "app_version": a.AppVersion, "tac_default": a.TACDefault,
			"tac_denial": a.TACDenial, "tac_online": a.TACOnline, "default_ddol": a.DefaultDDOL, "default_tdol": a.DefaultTDOL, "ttq": a.TTQ, "kernel_id": a.KernelID} {
			if _, err := hex.DecodeString(s); err != nil {
				return fmt.Errorf("%w: aids[%d].%s: %v", ErrConfig, i, name, err)
			}
		}
		if ttq := mustHex(a.TTQ); len(ttq) >= 3 && ttq[2]&0x80 != 0 {
			// TTQ byte 3 b8 tells the card the reader does Issuer Update
			// Processing (Book C-3 Annex A.2; the card answers with CTQ
			// byte 2 b7): this reader does not, so it must not say so.
			return fmt.Errorf("%w: aids[%d].ttq %s claims Issuer Update Processing (byte 3 b8), which this reader does not do", ErrConfig, i, a.TTQ)
		}
		if len(a.AID) < 10 {
			return fmt.Errorf("%w: aids[%d]: AID %q shorter than 5 bytes", ErrConfig, i, a.AID)
		}
	}
	if v := c.MerchantCategoryCode; v != "" && (len(v) != 4 || !digits(v)) {
		return fmt.Errorf("%w: merchant_category_code %q is not 4 digits", ErrConfig, v)
	}
	if v := c.AcquirerID; v != "" && (len(v) < 6 || len(v) > 11 || !digits(v)) {
		return fmt.Errorf("%w: acquirer_id %q is not 6 to 11 digits", ErrConfig, v)
	}
	for i, l := range c.Languages {
		if len(l) != 2 || l[0] < 'a' || l[0] > 'z' || l[1] < 'a' || l[1] > 'z' {
			return fmt.Errorf("%w: languages[%d] %q is not an ISO 639-1 code (two lower-case letters)", ErrConfig, i, l)
		}
	}
	if c.MaxScriptLength < 0 {
		return fmt.Errorf("%w: max_script_length is negative", ErrConfig)
	}
	c.revoked = map[string]bool{}
	for i, r := range c.CARevocations {
		rid, e1 := hex.DecodeString(r.RID)
		idx, e2 := hex.DecodeString(r.Index)
		ser, e3 := hex.DecodeString(r.Serial)
		if e1 != nil || e2 != nil || e3 != nil || len(rid) != 5 || len(idx) != 1 || len(ser) != 3 {
			return fmt.Errorf("%w: ca_revocations[%d]: rid, index and serial must be 5, 1 and 3 hex bytes", ErrConfig, i)
		}
		c.revoked[string(rid)+string(idx)+string(ser)] = true
	}
	c.exceptions = map[string]bool{}
	for i, pan := range c.ExceptionFile {
		if len(pan) < 12 || len(pan) > 19 || !digits(pan) {
			// The entry itself is not echoed: it may be a PAN.
			return fmt.Errorf("%w: exception_file[%d] is not a PAN of 12 to 19 digits", ErrConfig, i)
		}
		c.exceptions[pan] = true
	}
	for i, a := range c.AIDs {
		for name, l := range map[string]*int64{"contactless_limit": a.ContactlessLimit, "contactless_cvm_limit": a.ContactlessCVMLimit, "contactless_floor_limit": a.ContactlessFloorLimit} {
			if l != nil && *l < 0 {
				return fmt.Errorf("%w: aids[%d].%s is negative", ErrConfig, i, name)
			}
		}
		for typ, o := range a.ContactlessLimitsByType {
			if b, err := hex.DecodeString(typ); err != nil || len(b) != 1 {
				return fmt.Errorf("%w: aids[%d].contactless_limits_by_type: %q is not a transaction type (2 hex digits)", ErrConfig, i, typ)
			}
			for _, l := range []*int64{o.Limit, o.CVMLimit, o.FloorLimit} {
				if l != nil && *l < 0 {
					return fmt.Errorf("%w: aids[%d].contactless_limits_by_type[%s]: negative limit", ErrConfig, i, typ)
				}
			}
		}
		if l := a.FloorLimit; l != nil && (*l < 0 || *l > 0xFFFFFFFF) {
			return fmt.Errorf("%w: aids[%d].floor_limit out of range (9F1B is 4 bytes)", ErrConfig, i)
		}
	}
	for i := range c.AIDs {
		if err := c.AIDs[i].Kernel2.check(i); err != nil {
			return err
		}
	}
	c.caStore = c.CAStore
	if len(c.CAKeys) > 0 {
		if c.CAStore != nil {
			return fmt.Errorf("%w: both ca_keys and CAStore set", ErrConfig)
		}
		s, err := oda.LoadCAStore(strings.NewReader(string(c.CAKeys)))
		if err != nil {
			return fmt.Errorf("%w: ca_keys: %v", ErrConfig, err)
		}
		c.caStore = s
	}
	return nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// bcdDigits packs a digit string into n bytes of BCD, left-padded with 0
// (format n, Book 3 §4.3).
func bcdDigits(s string, n int) []byte {
	b := make([]byte, n)
	for i, j := len(s)-1, 2*n-1; i >= 0 && j >= 0; i, j = i-1, j-1 {
		d := s[i] - '0'
		if j%2 == 1 {
			b[j/2] |= d
		} else {
			b[j/2] |= d << 4
		}
	}
	return b
}

func mustHex(s string) []byte {
	b, _ := hex.DecodeString(s) // checked by Config.check
	return b
}

package sim

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

// ErrProfile is wrapped by every personalisation error.
var ErrProfile = errors.New("sim: bad card profile")

// Profile is a card's personalisation, loadable from JSON. Hex fields are
// hex strings; the certificates and signatures ODA needs are computed at
// load time with the test PKI (emv/oda/odatest), so a profile never carries
// key material other than the issuer master key of its cryptograms.
type Profile struct {
	Name     string `json:"name"`
	ATR      string `json:"atr"`      // hex; a T=1 ATR by default
	Protocol string `json:"protocol"` // "T=0" or "T=1" (default)
	PSE      bool   `json:"pse"`      // answers SELECT 1PAY.SYS.DDF01 (contact directory)
	PPSE     bool   `json:"ppse"`     // answers SELECT 2PAY.SYS.DDF01 (contactless directory)

	PIN      string `json:"pin"`       // offline PIN, 4-12 digits; "" for none
	PINTries int    `json:"pin_tries"` // PIN try limit (and initial counter)

	Apps   []App  `json:"apps"`
	Faults Faults `json:"faults"`
}

// App is one payment application on the card.
type App struct {
	AID      string `json:"aid"`
	Label    string `json:"label"`
	Priority int    `json:"priority"` // tag 87; 0 for none
	// PreferredName is 9F12 and CodeTable its Issuer Code Table Index
	// (9F11, ISO 8859 part), in the FCI and the directory entry; empty:
	// none. Languages is the Language Preference (5F2D) in the FCI,
	// default "enzh".
	PreferredName string `json:"preferred_name"`
	CodeTable     int    `json:"code_table_index"`
	Languages     string `json:"language_preference"`

	PAN         string `json:"pan"`
	PSN         string `json:"psn"`       // 5F34, two digits
	Expiry      string `json:"expiry"`    // YYMMDD
	Effective   string `json:"effective"` // YYMMDD
	ServiceCode string `json:"service_code"`
	Name        string `json:"name"` // cardholder name, 5F20

	AIP        string `json:"aip"`
	AUC        string `json:"auc"`
	AppVersion string `json:"app_version"` // 9F08
	Country    string `json:"country"`     // 5F28, issuer country code
	Currency   string `json:"currency"`    // 9F42, application currency
	IACDefault string `json:"iac_default"`
	IACDenial  string `json:"iac_denial"`
	IACOnline  string `json:"iac_online"`
	CVMList    string `json:"cvm_list"` // 8E
	PDOL       string `json:"pdol"`
	CDOL1      string `json:"cdol1"`
	CDOL2      string `json:"cdol2"`
	DDOL       string `json:"ddol"`

	// Cryptogram is "VisaCVN10", "VisaCVN18", "CCD" or "PBOC" (UnionPay
	// PBOC/UICS CVN 01); it also sets the IAD layout and the CVR format.
	// IMK is the issuer master key (16 bytes hex) the card's AC key derives
	// from; IMKSMI and IMKSMC the secure-messaging integrity and
	// confidentiality issuer master keys of issuer scripts (default: IMK,
	// as a test card may; a real issuer has three keys).
	Cryptogram string `json:"cryptogram"`
	IMK        string `json:"imk"`
	IMKSMI     string `json:"imk_smi"`
	IMKSMC     string `json:"imk_smc"`
	DKI        int    `json:"dki"` // derivation key index in the IAD
	ATC        int    `json:"atc"` // initial ATC

	// Card risk management (the card's own velocity checking, VIS and EMV
	// Book 3 Annex C CCD): the consecutive offline limits (9F14, 9F23) count
	// ATC - last online ATC; the cumulative offline amount limits count the
	// amounts approved offline since the last online transaction (in the
	// application currency). nil: no such limit. LastOnlineATC is the
	// initial Last Online ATC Register (9F13); nil means "same as ATC" (the
	// card's last transaction was online); 0 makes a new card.
	LowerConsecutiveOffline *int       `json:"lower_consecutive_offline_limit"`
	UpperConsecutiveOffline *int       `json:"upper_consecutive_offline_limit"`
	LowerCumulativeOffline  *int64     `json:"lower_cumulative_offline_amount"`
	UpperCumulativeOffline  *int64     `json:"upper_cumulative_offline_amount"`
	LastOnlineATC           *int       `json:"last_online_atc"`
	CardAction              CardAction `json:"card_action"`

	// ScriptMACLength is the MAC length of issuer script commands, 4 to 8
	// (default 4 for PBOC, 8 otherwise).
	ScriptMACLength int `json:"script_mac_length"`

	// SignAAC: under CDA the card also signs an AAC (EMV Book 2 §6.6: an
	// issuer option); otherwise an AAC is returned unsigned.
	SignAAC bool `json:"sign_aac"`
	// LogRecords keeps a transaction log of that many approved
	// transactions (EMV Book 3 Annex D; 0: no log), in SFI 11.
	LogRecords int `json:"log_records"`
	// Format1 answers GPO and GENERATE AC with response template 80
	// (EMV Book 3 §6.5.5.4 format 1) instead of 77.
	Format1 bool `json:"format1"`

	// ODA is "none", "SDA", "DDA" or "CDA"; ICCKey picks odatest.ICCKey(n).
	ODA    string `json:"oda"`
	ICCKey int    `json:"icc_key"`
	// PINKey > 0 gives the card an ICC PIN Encipherment Public Key,
	// odatest.ICCKey(n), certified by the issuer in 9F2D (exponent 9F2E,
	// remainder 9F2F; EMV Book 2 §7.1): enciphered PIN is then deciphered
	// with it, also on an SDA card. Needs an oda other than none.
	PINKey int `json:"pin_key"`

	// OfflineLimit is kept for old profiles: when no consecutive or
	// cumulative limit is set, N > 0 is a lower and upper cumulative
	// offline amount limit of N, and 0 a lower consecutive offline limit
	// of 0 (every transaction goes online).
	OfflineLimit int64 `json:"offline_limit"`

	// Contactless "qVSDC": GPO returns the cryptogram (one tap); CTQ is 9F6C.
	// "qUICS": UnionPay QuickPass, the one-tap qVSDC shape with electronic
	// cash (ECBalance) and the card's own qUICS decision (quics.go).
	// "MChip": Mastercard M/Chip contactless (EMV Book C-2 card side:
	// GPO with AIP and AFL, GENERATE AC with CDA, EXCHANGE RELAY
	// RESISTANCE DATA, RECOVER AC; mchip.go).
	Contactless string `json:"contactless"`
	CTQ         string `json:"ctq"`
	// KernelID is the Kernel Identifier (9F2A, hex) put in the PPSE
	// directory entry (EMV Contactless Book B §3.3.2); empty leaves it out.
	KernelID string `json:"kernel_id"`

	// ECBalance is the UnionPay electronic cash balance (9F79, minor units
	// of the application currency) of a "qUICS" application: the offline
	// funds the card's own qUICS decision spends (quics.go); nil: the card
	// has no electronic cash and never approves offline.
	ECBalance *int64 `json:"ec_balance"`
	// MChip configures a Contactless "MChip" application (mchip.go).
	MChip *MChipOptions `json:"mchip"`

	// Extra tags (hex tag → hex value) added to the first record.
	Extra map[string]string `json:"extra"`
}

// Faults make the card misbehave for tests.
type Faults struct {
	// CorruptIssuerCert flips a byte of the issuer certificate (tag 90).
	CorruptIssuerCert bool `json:"corrupt_issuer_cert"`
	// CorruptSSAD flips a byte of the signed static data (tag 93).
	CorruptSSAD bool `json:"corrupt_ssad"`
	// CorruptSDAD flips a byte of every dynamic signature (9F4B).
	CorruptSDAD bool `json:"corrupt_sdad"`
	// SW answers the command with this INS (hex) with the status word.
	SW map[string]string `json:"sw"`
	// GetResponse answers case-4 commands with 61xx (T=0 style).
	GetResponse bool `json:"get_response"`
	// WrongLe answers case-2 commands whose Le is not exact with 6Cxx.
	WrongLe bool `json:"wrong_le"`
	// RejectARPC makes EXTERNAL AUTHENTICATE and issuer authentication fail.
	RejectARPC bool `json:"reject_arpc"`

	// The faults below make a deliberately non-conforming card, to test a
	// terminal's defences (EMV Book 3 §9.3: only ARQC or AAC may answer an
	// ARQC request; TC or AAC a TC request in the second GENERATE AC).

	// TCForARQC answers an ARQC request (first GENERATE AC, or a qVSDC GPO
	// whose TTQ asks for an online cryptogram) with a TC.
	TCForARQC bool `json:"tc_for_arqc"`
	// TCForAAC answers an AAC request with a TC.
	TCForAAC bool `json:"tc_for_aac"`
	// MalformedGenerateAC breaks GENERATE AC responses: "truncated" (the
	// last byte is cut), "missing_cid" (no 9F27), "duplicate_ac" (9F26
	// twice), "short_ac" (a 4-byte 9F26), "trailing" (bytes after 77).
	MalformedGenerateAC string `json:"malformed_generate_ac"`
	// WrongATC returns an ATC (9F36) one above the one the AC is over.
	WrongATC bool `json:"wrong_atc"`
	// ForgedCDCVM returns a CTQ (9F6C) claiming "consumer device CVM
	// performed" while the card's own CTQ, in the Card Authentication
	// Related Data (9F69) it signs, does not: what a relay that rewrites
	// 9F6C in flight produces (the phone-wallet CDCVM bypass).
	ForgedCDCVM bool `json:"forged_cdcvm"`
}

// CardAction holds the issuer's card risk management options (the VIS
// Application Default Action and CCD Card Issuer Action Codes reduced to
// their common choices). Zero values are the usual personalisation.
type CardAction struct {
	// OfflineNewCard lets a new card (Last Online ATC Register zero)
	// approve offline; by default it asks to go online.
	OfflineNewCard bool `json:"offline_new_card"`
	// OfflinePINTryLimitExceeded lets a card whose PIN is blocked approve
	// offline; by default it asks to go online.
	OfflinePINTryLimitExceeded bool `json:"offline_pin_try_limit_exceeded"`
	// DeclineIfUnableOnline declines (AAC) when the terminal could not go
	// online, whatever the limits; by default the upper limits decide.
	DeclineIfUnableOnline bool `json:"decline_if_unable_online"`
	// ApproveIfIssuerAuthFailed approves an issuer approval whose ARPC did
	// not verify; by default the card declines.
	ApproveIfIssuerAuthFailed bool `json:"approve_if_issuer_auth_failed"`
	// DeclineIfIssuerAuthNotPerformed declines an issuer approval that came
	// without an ARPC on a card whose AIP says issuer authentication is
	// supported; by default the card approves and records it in the CVR.
	DeclineIfIssuerAuthNotPerformed bool `json:"decline_if_issuer_auth_not_performed"`
}

// LoadProfile reads a JSON profile.
func LoadProfile(r io.Reader) (*Profile, error) {
	var p Profile
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrProfile, err)
	}
	return &p, nil
}

// LoadProfileFile reads a JSON profile from a file.
func LoadProfileFile(path string) (*Profile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return LoadProfile(f)
}

// hexField decodes a profile hex field, naming it on error.
func hexField(app int, name, s string) ([]byte, error) {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		return nil, fmt.Errorf("%w: app %d: %s: %v", ErrProfile, app, name, err)
	}
	return b, nil
}

// String names the profile; its PIN, PANs and issuer master keys never
// print, through any fmt verb or slog.
func (p Profile) String() string { return "sim.Profile{" + p.Name + "}" }

// Format prints String for every verb.
func (p Profile) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, p.String()) }

// LogValue logs the name only.
func (p Profile) LogValue() slog.Value { return slog.StringValue(p.String()) }

// String names the application by AID and label; PAN and keys never print.
func (a App) String() string { return "sim.App{" + a.AID + " " + a.Label + "}" }

// Format prints String for every verb.
func (a App) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, a.String()) }

// LogValue logs AID and label only.
func (a App) LogValue() slog.Value { return slog.StringValue(a.String()) }

// MarshalText gives String to encoding/json and encoding/xml: a profile
// holds a PAN, the PIN and issuer master keys, so it never leaves as JSON
// (profiles are written by hand and read with LoadProfile).
func (p Profile) MarshalText() ([]byte, error) { return []byte(p.String()), nil }

// MarshalText gives String to encoding/json and encoding/xml.
func (a App) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

package kernel

import (
	"bytes"
	"crypto/sha1"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/emv/oda/odatest"
	"github.com/possdk/pos/reader/sim"
	"github.com/possdk/pos/tlv"
)

func profilePAN(t *testing.T, name string) string {
	t.Helper()
	p, err := sim.LoadProfileFile("../../reader/sim/testdata/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	return p.Apps[0].PAN
}

// TestTerminalDataFromConfig: Book 3 Annex A — 9F15 Merchant Category
// Code (n4, 2 bytes), 9F4E Merchant Name and Location (ans), 9F01
// Acquirer Identifier (n6-11, 6 bytes, left-padded with 0) and 9F1B
// Terminal Floor Limit (b, 4 bytes: the selected AID's, 100.00 = 2710)
// come from the configuration; absent entries give no tag.
func TestTerminalDataFromConfig(t *testing.T) {
	cfg := loadConfig(t)
	cfg.MerchantCategoryCode, cfg.MerchantNameLocation, cfg.AcquirerID = "5411", "POSSDK SHOP, SHANGHAI", "12345678"
	s := newScenario(t, cfg, "1234")
	res := s.contact(t, loadCard(t, "visa_dda", nil), 20000)
	for tag, want := range map[uint32]string{0x9F15: "5411", 0x9F4E: fmt.Sprintf("%X", "POSSDK SHOP, SHANGHAI"), 0x9F01: "000012345678", 0x9F1B: "00002710"} {
		if got := fmt.Sprintf("%X", res.Data[tlv.Tag(tag)]); got != want {
			t.Errorf("%X = %s, want %s", tag, got, want)
		}
	}
	res = newScenario(t, nil, "1234").contact(t, loadCard(t, "visa_dda", nil), 20000)
	for _, tag := range []uint32{0x9F15, 0x9F4E, 0x9F01} {
		if v, ok := res.Data[tlv.Tag(tag)]; ok {
			t.Errorf("%X = %X without configuration", tag, v)
		}
	}
}

// TestConfigChecks: bad entries are refused with ErrConfig, and an
// exception-file entry is never echoed in the error.
func TestConfigChecks(t *testing.T) {
	neg := int64(-1)
	for name, tweak := range map[string]func(*Config){
		"mcc":         func(c *Config) { c.MerchantCategoryCode = "54A1" },
		"acquirer":    func(c *Config) { c.AcquirerID = "12345" },
		"revocation":  func(c *Config) { c.CARevocations = []CARevocation{{RID: "A000000003", Index: "F1", Serial: "0001"}} },
		"exception":   func(c *Config) { c.ExceptionFile = []string{"47617390010100X0"} },
		"limit":       func(c *Config) { c.AIDs[0].ContactlessLimit = &neg },
		"floor limit": func(c *Config) { l := int64(1 << 32); c.AIDs[0].FloorLimit = &l },
	} {
		cfg := loadConfig(t)
		tweak(cfg)
		err := cfg.check()
		if !errors.Is(err, ErrConfig) {
			t.Errorf("%s: %v, want ErrConfig", name, err)
		}
		if err != nil && strings.Contains(err.Error(), "4761739") {
			t.Errorf("%s: the error shows the entry: %v", name, err)
		}
	}
}

// TestCARevocationList: Book 2 §5.1/§6.1 — the issuer certificate (RID
// A000000003, CA index, serial 000001) is on the revocation list: DDA
// fails (TVR byte 1 b4); the TAC/IAC Online (byte 1 DC) send the sale
// online, where the issuer approves. TSI "offline data authentication
// was performed" is set: it was attempted.
func TestCARevocationList(t *testing.T) {
	cfg := loadConfig(t)
	cfg.CARevocations = []CARevocation{{RID: "A000000003", Index: fmt.Sprintf("%02X", odatest.CAIndex), Serial: "000001"}}
	if err := cfg.check(); err != nil {
		t.Fatal(err)
	}
	s := newScenario(t, cfg, "1234")
	res := s.contact(t, loadCard(t, "visa_dda", nil), 20000)
	expect(t, res, expectation{Outcome: Approved, TSI: append(allTSI, emv.TSIIssuerAuthPerformed)})
	wantTVR(t, res, emv.TVRDDAFailed, emv.TVRFloorLimitExceeded)
	if s.h.calls != 1 {
		t.Fatalf("host calls %d", s.h.calls)
	}
	// Another serial is not revoked.
	cfg.CARevocations[0].Serial = "000002"
	if err := cfg.check(); err != nil {
		t.Fatal(err)
	}
	res = newScenario(t, cfg, "1234").contact(t, loadCard(t, "visa_dda", nil), 20000)
	wantTVR(t, res, emv.TVRFloorLimitExceeded)
}

// TestExceptionFile: a hot-listed PAN sets "card appears on terminal
// exception file" (TVR byte 1 b5). Contact: the TAC/IAC Online name it
// (DC), the sale goes online. Contactless: an offline approval (TC) of
// a hot-listed card is declined.
func TestExceptionFile(t *testing.T) {
	cfg := loadConfig(t)
	cfg.ExceptionFile = []string{"4000000000000002", profilePAN(t, "visa_dda"), profilePAN(t, "visa_qvsdc")}
	if err := cfg.check(); err != nil {
		t.Fatal(err)
	}
	s := newScenario(t, cfg, "1234")
	res := s.contact(t, loadCard(t, "visa_dda", nil), 20000)
	expect(t, res, expectation{Outcome: Approved, TSI: append(allTSI, emv.TSIIssuerAuthPerformed)})
	wantTVR(t, res, emv.TVRCardOnExceptionFile, emv.TVRFloorLimitExceeded)
	if s.h.calls != 1 {
		t.Fatalf("host calls %d", s.h.calls)
	}
	s = newScenario(t, cfg)
	res = s.contactless(t, loadCard(t, "visa_qvsdc", nil), 2000)
	if res.CID.Type() != emv.TC {
		t.Fatalf("the card answered %v; the test needs an offline approval", res.CID)
	}
	expect(t, res, expectation{Outcome: Declined})
	wantTVR(t, res, emv.TVRCardOnExceptionFile)
	if bytes.Contains([]byte(fmt.Sprint(res, cfg.ExceptionFile[:0])), []byte(profilePAN(t, "visa_qvsdc"))) {
		t.Fatal("PAN printed")
	}
}

// TestTCHashValue: Book 3 §5.4 — the card's CDOL1 asks for the TC Hash
// Value (98, 20 bytes). Without a TDOL (97) on the card the AID's default
// TDOL (9F02 06, 9F1A 02) is used and "Default TDOL used" (TVR byte 5 b8)
// set: 98 = SHA-1(000000020000 || 0156). With the card's own TDOL (9F02
// 06) the bit stays clear and 98 = SHA-1(000000020000).
func TestTCHashValue(t *testing.T) {
	cdol1 := "9F02069F03069F1A0295055F2A029A039C019F37049814"
	cfg := loadConfig(t)
	cfg.AIDs[0].DefaultTDOL = "9F02069F1A02"
	s := newScenario(t, cfg, "1234")
	res := s.contact(t, loadCard(t, "visa_dda", func(p *sim.Profile) { p.Apps[0].CDOL1 = cdol1 }), 20000)
	expect(t, res, expectation{Outcome: Approved, TSI: append(allTSI, emv.TSIIssuerAuthPerformed)})
	wantTVR(t, res, emv.TVRFloorLimitExceeded, emv.TVRDefaultTDOLUsed)
	want := sha1.Sum(h2b("000000020000" + "0156"))
	if !bytes.Equal(res.Data[0x98], want[:]) {
		t.Fatalf("98 %X, want %X", res.Data[0x98], want)
	}

	s = newScenario(t, cfg, "1234")
	res = s.contact(t, loadCard(t, "visa_dda", func(p *sim.Profile) {
		p.Apps[0].CDOL1 = cdol1
		p.Apps[0].Extra = map[string]string{"97": "9F0206"}
	}), 20000)
	expect(t, res, expectation{Outcome: Approved, TSI: append(allTSI, emv.TSIIssuerAuthPerformed)})
	wantTVR(t, res, emv.TVRFloorLimitExceeded)
	want = sha1.Sum(h2b("000000020000"))
	if !bytes.Equal(res.Data[0x98], want[:]) {
		t.Fatalf("98 %X, want %X", res.Data[0x98], want)
	}
}

// TestNewCopiesConfig: issue 24 (one configuration style) — New checks
// the Config and keeps its own copy: a caller changing its Config (or its
// AID list) afterwards does not change a running kernel, and CA keys come
// from ca_keys or CAStore, never both.
func TestNewCopiesConfig(t *testing.T) {
	cfg := loadConfig(t)
	k, err := New(*cfg)
	if err != nil {
		t.Fatal(err)
	}
	wantAID := k.cfg.AIDs[0].AID
	cfg.AIDs[0].AID = "A0000009999999"
	cfg.Currency = "0840"
	if k.cfg.AIDs[0].AID != wantAID || k.cfg.Currency == "0840" {
		t.Fatalf("kernel's config changed with the caller's: AID %s currency %s", k.cfg.AIDs[0].AID, k.cfg.Currency)
	}
	if k.rand == nil || k.now == nil || k.log == nil || k.k2.clock == nil {
		t.Fatal("defaults for Rand, Clock, Logger not set")
	}
	both := loadConfig(t)
	both.CAStore = odatest.CAStore()
	if _, err := New(*both); !errors.Is(err, ErrConfig) || len(both.CAKeys) == 0 {
		t.Fatalf("ca_keys and CAStore both set: err %v, want ErrConfig", err)
	}
	bad := loadConfig(t)
	bad.Currency = "84"
	if _, err := New(*bad); !errors.Is(err, ErrConfig) {
		t.Fatalf("bad currency: err %v, want ErrConfig", err)
	}
}

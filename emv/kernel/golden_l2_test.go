package kernel

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/possdk/pos/emv/oda"
	"github.com/possdk/pos/emv/oda/odatest"
	"github.com/possdk/pos/reader"
	"github.com/possdk/pos/reader/sim"
)

// Golden scenarios grouped as a Level 2 lab groups its test cases. The
// harness, the conventions (zero unpredictable number, test day
// 2026-11-21, "xx" bytes) and the card personalisations are those of
// golden_test.go; every expectation below is derived by hand from the
// clause named and the profile in reader/sim/testdata.
//
// Terminal (testdata/terminal.json): type 22, capabilities E0F8C8
// (plaintext and enciphered offline PIN, online PIN, signature, No CVM;
// SDA, DDA, CDA), online capable. Visa AID: floor limit 100.00, TAC
// Denial 0010000000, Online DC4004F800, Default DC4000A800. Mastercard
// AID: floor limit 0, TACs F45084800C / 0000000000. UnionPay (partial
// A000000333): floor 0, TACs D84000A800 / 0010000000 / DC4004F800.

// Further APDUs.
const (
	apduReadDir3      = "00B2030C00"
	apduSelectMC      = "00A4040007A000000004101000"
	apduSelectUPPart  = "00A4040005A00000033300"
	apduSelectUPNext  = "00A4040205A00000033300"
	apduSelectUP      = "00A4040008A00000033301010100"
	apduSelectVisa2   = "00A4040007A000000003201000"
	aidVisaElectron   = "A0000000032010"
	amount200         = "000000020000"
	amount20          = "000000002000"
	scriptMAC8        = "xxxxxxxxxxxxxxxx"
	zeroIssuerAuth    = "0000000000000000"
	arcApproved       = "3030"
	arcOfflineDecline = "5A31" // "Z1"
)

// cdol1t is cdol1 with a transaction type.
func cdol1t(amount, tvr, typ string) string {
	return amount + "000000000000" + "0156" + tvr + "0156" + "261121" + typ + "00000000"
}

// cat flattens strings and string slices into one APDU list.
func cat(parts ...any) []string {
	var out []string
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			out = append(out, v)
		case []string:
			out = append(out, v...)
		}
	}
	return out
}

// visaStart: the visa_dda card up to and including INTERNAL AUTHENTICATE.
var visaStart = []string{apduSelectPSE, apduReadDir1, apduReadDir2, apduSelectVisa, apduGPONoPDOL,
	apduRead11, apduRead21, apduRead31, apduRead32, apduIntAuth}

// visaRecords: GPO and the records of a visa_dda application.
var visaRecords = []string{apduGPONoPDOL, apduRead11, apduRead21, apduRead31, apduRead32}

// visaPIN: the offline plaintext PIN 1234, accepted (Book 3 §10.5.1:
// GET DATA PIN Try Counter, then VERIFY).
var visaPIN = []string{apduPINTry, apduVerify1234}

// visaOnline: ARQC, EXTERNAL AUTHENTICATE (Visa CVN 18, 91 of ARPC method
// 2), TC asked with ARC 00 in CDOL2 (Book 3 §10.9, §10.11).
func visaOnline(amount, tvr1, tvr2 string) []string {
	return []string{"80AE80001D" + cdol1(amount, tvr1) + "00", apduExtAuthCVN18,
		"80AE40001F" + arcApproved + cdol1(amount, tvr2) + "00"}
}

// upStart/upOnline: the unionpay_sda card (SDA, no INTERNAL
// AUTHENTICATE; CDOL2 8A 02, 91 0A: ARPC method 1 = ARPC 8 || ARC 2).
var upStart = []string{apduSelectPSE, apduReadDir1, apduReadDir2, apduSelectUP, apduGPONoPDOL,
	apduRead11, apduRead21, apduRead31, apduRead32}

func upOnline(tvr string) []string {
	return []string{"80AE80001D" + cdol1(amount200, tvr) + "00",
		"80AE400029" + arcApproved + strings.Repeat("xx", 8) + arcApproved + cdol1(amount200, tvr) + "00"}
}

// withElectron adds a second Visa application (A0000000032010) to the
// terminal's configuration, with the Visa AID's parameters.
func withElectron(c *Config) {
	a := c.AIDs[0]
	a.AID = aidVisaElectron
	c.AIDs = append(c.AIDs, a)
}

// electronCard adds the second application to the card, with priority p
// (and the first application gets 3-p).
func electronCard(p int) func(*sim.Profile) {
	return func(pr *sim.Profile) {
		app := pr.Apps[0]
		app.AID, app.Label, app.Priority = aidVisaElectron, "VISA ELECTRON", p
		pr.Apps[0].Priority = 3 - p
		pr.Apps = append(pr.Apps, app)
	}
}

// override answers the commands whose hex starts with a prefix with a
// fixed response, the first n times (n 0: always).
type override struct {
	reader.Card
	prefix string
	resp   string
	n      int
	used   int
}

func (o *override) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	if strings.HasPrefix(fmt.Sprintf("%X", apdu), o.prefix) && (o.n == 0 || o.used < o.n) {
		o.used++
		return hex.DecodeString(o.resp)
	}
	return o.Card.Transmit(ctx, apdu)
}

func answer(prefix, resp string, n int) func(reader.Card) reader.Card {
	return func(c reader.Card) reader.Card { return &override{Card: c, prefix: prefix, resp: resp, n: n} }
}

func runGolden(t *testing.T, gs []golden) {
	t.Helper()
	for _, g := range gs {
		t.Run(g.name, g.run)
	}
}

// TestL2ApplicationSelection: EMV Book 1 §12.
func TestL2ApplicationSelection(t *testing.T) {
	runGolden(t, []golden{
		{
			name:   "no PSE: list of AIDs",
			clause: "Book 1 §12.3.3: SELECT PSE 6A82 → SELECT each terminal AID (exact; partial for A000000333), then the final SELECT of the one candidate",
			card:   "visa_dda", amount: 20000, pins: []string{"1234"},
			tweak:   func(p *sim.Profile) { p.PSE = false },
			outcome: Approved, tvr: "0000008000", tsi: "F800", cvm: "410302", arc: "00", cid: "40",
			apdus: cat(apduSelectPSE, apduSelectVisa, apduSelectMC, apduSelectUPPart, apduSelectVisa, visaRecords[0:],
				apduIntAuth, visaPIN, visaOnline(amount200, "0000008000", "0000008000")),
		},
		{
			name:   "UnionPay by partial selection, no PSE",
			clause: "Book 1 §12.3.3: the partial AID A000000333 selects A000000333010101; SELECT next (P2 02) until 6A82; final SELECT with the full DF name",
			card:   "unionpay_sda", amount: 20000,
			tweak:   func(p *sim.Profile) { p.PSE = false },
			outcome: Approved, tvr: "0000048000", tsi: "F800", cvm: "420300", arc: "00", cid: "40",
			apdus: cat(apduSelectPSE, apduSelectVisa, apduSelectMC, apduSelectUPPart, apduSelectUPNext, apduSelectUP,
				apduGPONoPDOL, apduRead11, apduRead21, apduRead31, apduRead32, upOnline("0000048000")),
		},
		{
			name:   "priority order from the directory",
			clause: "Book 1 §12.4: candidates in priority order (87 low nibble, 1 highest) whatever the directory order; no confirmation asked (87 b8 clear)",
			card:   "visa_dda", amount: 20000, pins: []string{"1234"},
			cfg: withElectron, tweak: electronCard(1),
			outcome: Approved, tvr: "0000008000", tsi: "F800", cvm: "410302", arc: "00", cid: "40",
			apdus: cat(apduSelectPSE, apduReadDir1, apduReadDir2, apduReadDir3, apduSelectVisa2, visaRecords,
				apduIntAuth, visaPIN, visaOnline(amount200, "0000008000", "0000008000")),
		},
		{
			name:   "GPO 6985: back to the candidate list",
			clause: "Book 3 §10.1: GET PROCESSING OPTIONS 6985 → the application leaves the candidate list, the next is selected with a fresh state",
			card:   "visa_dda", amount: 20000, pins: []string{"1234"},
			cfg: withElectron, tweak: electronCard(2),
			wrap:    answer("80A8", "6985", 1),
			outcome: Approved, tvr: "0000008000", tsi: "F800", cvm: "410302", arc: "00", cid: "40",
			apdus: cat(apduSelectPSE, apduReadDir1, apduReadDir2, apduReadDir3, apduSelectVisa, apduGPONoPDOL,
				apduSelectVisa2, visaRecords, apduIntAuth, visaPIN, visaOnline(amount200, "0000008000", "0000008000")),
		},
		{
			name:   "final SELECT fails: next candidate",
			clause: "Book 1 §12.4: the final SELECT answered 6283 (application blocked) → removed from the candidate list, the next is selected",
			card:   "visa_dda", amount: 20000, pins: []string{"1234"},
			cfg: withElectron, tweak: electronCard(2),
			wrap:    answer(apduSelectVisa[:len(apduSelectVisa)-2], "6283", 1),
			outcome: Approved, tvr: "0000008000", tsi: "F800", cvm: "410302", arc: "00", cid: "40",
			apdus: cat(apduSelectPSE, apduReadDir1, apduReadDir2, apduReadDir3, apduSelectVisa,
				apduSelectVisa2, visaRecords, apduIntAuth, visaPIN, visaOnline(amount200, "0000008000", "0000008000")),
		},
		{
			name:   "card blocked: SELECT PSE 6A81",
			clause: "Book 1 §12.3.2: SELECT PSE answered 6A81 (card blocked or command not supported) → terminate; nothing else is sent",
			card:   "visa_dda", amount: 20000,
			tweak:   func(p *sim.Profile) { p.Faults.SW = map[string]string{"A4": "6A81"} },
			outcome: Failed, tvr: "0000000000", tsi: "0000", cvm: "3F0000",
			apdus: []string{apduSelectPSE},
		},
		{
			name:   "no mutually supported application",
			clause: "Book 1 §12.3.2-12.3.3: the PSE lists no AID the terminal supports → list of AIDs, all 6A82 → terminate",
			card:   "visa_dda", amount: 20000,
			tweak:   func(p *sim.Profile) { p.Apps[0].AID = "A0000000999999" },
			outcome: Failed, tvr: "0000000000", tsi: "0000", cvm: "3F0000",
			apdus: cat(apduSelectPSE, apduReadDir1, apduReadDir2, apduSelectVisa, apduSelectMC, apduSelectUPPart),
		},
	})
}

// TestL2DataAuthentication: EMV Book 2 §5-6, Book 3 §10.3.
func TestL2DataAuthentication(t *testing.T) {
	noIA := cat(visaStart[:len(visaStart)-1]) // no INTERNAL AUTHENTICATE
	mcStart := []string{apduSelectPSE, apduReadDir1, apduReadDir2, apduSelectMC, apduGPONoPDOL,
		apduRead11, apduRead21, apduRead31, apduRead32}
	mcT1 := func(p *sim.Profile) { p.Protocol = "T=1" }
	runGolden(t, []golden{
		{
			name:   "SDA failed",
			clause: "Book 2 §5.4, Book 3 §10.3: the Signed Static Application Data does not verify → TVR byte 1 b7, TSI byte 1 b8 still set; TAC/IAC Online name it",
			card:   "unionpay_sda", amount: 20000,
			tweak:   func(p *sim.Profile) { p.Faults.CorruptSSAD = true },
			outcome: Approved, tvr: "4000048000", tsi: "F800", cvm: "420300", arc: "00", cid: "40",
			apdus: cat(upStart, upOnline("4000048000")),
		},
		{
			name:   "DDA: issuer certificate does not recover",
			clause: "Book 2 §6.3: the issuer public key cannot be retrieved → DDA failed (TVR byte 1 b4) without INTERNAL AUTHENTICATE",
			card:   "visa_dda", amount: 20000, pins: []string{"1234"},
			tweak:   func(p *sim.Profile) { p.Faults.CorruptIssuerCert = true },
			outcome: Approved, tvr: "0800008000", tsi: "F800", cvm: "410302", arc: "00", cid: "40",
			apdus: cat(noIA, visaPIN, visaOnline(amount200, "0800008000", "0800008000")),
		},
		{
			name:   "DDA: CA public key not held by the terminal",
			clause: "Book 2 §6.2 (CA key by RID and 8F), Book 3 §10.3: DDA failed, not 'ICC data missing' (the card gave 8F); no INTERNAL AUTHENTICATE",
			card:   "visa_dda", amount: 20000, pins: []string{"1234"},
			cfg: func(c *Config) {
				empty, _ := oda.NewCAStore()
				c.CAKeys = nil
				c.SetCAStore(empty)
			},
			outcome: Approved, tvr: "0800008000", tsi: "F800", cvm: "410302", arc: "00", cid: "40",
			apdus: cat(noIA, visaPIN, visaOnline(amount200, "0800008000", "0800008000")),
		},
		{
			name:   "DDA: issuer certificate on the CA revocation list",
			clause: "Book 2 §6.3 step 10 (RID, CA index and certificate serial number on the revocation list) → DDA failed; no INTERNAL AUTHENTICATE",
			card:   "visa_dda", amount: 20000, pins: []string{"1234"},
			cfg: func(c *Config) {
				c.CARevocations = []CARevocation{{RID: "A000000003", Index: fmt.Sprintf("%02X", odatest.CAIndex), Serial: "000001"}}
			},
			outcome: Approved, tvr: "0800008000", tsi: "F800", cvm: "410302", arc: "00", cid: "40",
			apdus: cat(noIA, visaPIN, visaOnline(amount200, "0800008000", "0800008000")),
		},
		{
			name:   "card supports no offline data authentication",
			clause: "Book 3 §10.3: AIP 1C00 names neither SDA, DDA nor CDA → TVR byte 1 b8 'not performed', TSI byte 1 b8 clear",
			card:   "visa_dda", amount: 20000, pins: []string{"1234"},
			tweak:   func(p *sim.Profile) { p.Apps[0].AIP = "1C00" },
			outcome: Approved, tvr: "8000008000", tsi: "7800", cvm: "410302", arc: "00", cid: "40",
			apdus: cat(noIA, visaPIN, visaOnline(amount200, "8000008000", "8000008000")),
		},
		{
			name:   "terminal does not support the card's method",
			clause: "Book 3 §10.3: card DDA only, terminal capabilities E0F888 (SDA, CDA) → no common method: TVR byte 1 b8",
			card:   "visa_dda", amount: 20000, pins: []string{"1234"},
			cfg:     func(c *Config) { c.Capabilities = "E0F888" },
			outcome: Approved, tvr: "8000008000", tsi: "7800", cvm: "410302", arc: "00", cid: "40",
			apdus: cat(noIA, visaPIN, visaOnline(amount200, "8000008000", "8000008000")),
		},
		{
			name:   "CDA online approval",
			clause: "Book 2 §6.6, Book 3 §10.3 (CDA preferred over DDA): no INTERNAL AUTHENTICATE; GENERATE AC P1 b5 set (90, then 50); CDOL2 carries 91 (8 bytes, truncated ARPC, Book 3 §5.4) so no EXTERNAL AUTHENTICATE",
			card:   "mc_cda", amount: 20000, tweak: mcT1,
			outcome: Approved, tvr: "0000048000", tsi: "F800", cvm: "420300", arc: "00", cid: "40",
			apdus: cat(mcStart, "80AE90001D"+cdol1(amount200, "0000048000")+"00",
				"80AE500027"+arcApproved+strings.Repeat("xx", 8)+cdol1(amount200, "0000048000")+"00"),
		},
		{
			name:   "CDA signature fails on the ARQC",
			clause: "Book 2 §6.6.2, Book 3 §10.8: CDA failed (TVR byte 1 b3) → not sent online; the ARQC is closed by a second GENERATE AC asking AAC (no CDA), 8A Z1 (Book 4 §A6), 91 absent: zeros",
			card:   "mc_cda", amount: 20000,
			tweak:   func(p *sim.Profile) { mcT1(p); p.Faults.CorruptSDAD = true },
			outcome: Declined, tvr: "0400048000", tsi: "E800", cvm: "420300", arc: "Z1", cid: "00",
			apdus: cat(mcStart, "80AE90001D"+cdol1(amount200, "0000048000")+"00",
				"80AE000027"+arcOfflineDecline+zeroIssuerAuth+cdol1(amount200, "0400048000")+"00"),
		},
	})
}

// TestL2ProcessingRestrictions: EMV Book 3 §10.4.
func TestL2ProcessingRestrictions(t *testing.T) {
	declined := func(tvr, typ string) []string {
		return cat(visaStart, visaPIN, "80AE00001D"+cdol1t(amount200, tvr, typ)+"00")
	}
	runGolden(t, []golden{
		{
			name:   "AUC: no domestic goods or services",
			clause: "Book 3 §10.4.2: 5F28 = 9F1A (domestic), purchase, AUC C300 lacks 'valid for domestic goods' and '… services' → TVR byte 2 b5; TAC Denial → AAC, Z1",
			card:   "visa_dda", amount: 20000, pins: []string{"1234"},
			tweak:   func(p *sim.Profile) { p.Apps[0].AUC = "C300" },
			outcome: Declined, tvr: "0010008000", tsi: "E800", cvm: "410302", arc: "Z1", cid: "00",
			apdus: declined("0010008000", "00"),
		},
		{
			name:   "AUC: international purchase not allowed",
			clause: "Book 3 §10.4.2: 5F28 0840 ≠ 9F1A 0156 (international), AUC AB00 (domestic only) → TVR byte 2 b5 → AAC",
			card:   "visa_dda", amount: 20000, pins: []string{"1234"},
			tweak:   func(p *sim.Profile) { p.Apps[0].AUC, p.Apps[0].Country = "AB00", "0840" },
			outcome: Declined, tvr: "0010008000", tsi: "E800", cvm: "410302", arc: "Z1", cid: "00",
			apdus: declined("0010008000", "00"),
		},
		{
			name:   "AUC: issuer country absent, no domestic/international check",
			clause: "Book 3 §10.4.2: the domestic/international checks need the Issuer Country Code (5F28); without it only the ATM/non-ATM bits apply → AB00 allows the sale",
			card:   "visa_dda", amount: 20000, pins: []string{"1234"},
			tweak:   func(p *sim.Profile) { p.Apps[0].AUC, p.Apps[0].Country = "AB00", "" },
			outcome: Approved, tvr: "0000008000", tsi: "F800", cvm: "410302", arc: "00", cid: "40",
			apdus: cat(visaStart, visaPIN, visaOnline(amount200, "0000008000", "0000008000")),
		},
		{
			name:   "AUC: domestic cash not allowed",
			clause: "Book 3 §10.4.2: cash (9C 01) domestic, AUC 7F00 lacks 'valid for domestic cash' → TVR byte 2 b5 → AAC",
			card:   "visa_dda", amount: 20000, pins: []string{"1234"}, txType: 0x01,
			tweak:   func(p *sim.Profile) { p.Apps[0].AUC = "7F00" },
			outcome: Declined, tvr: "0010008000", tsi: "E800", cvm: "410302", arc: "Z1", cid: "00",
			apdus: declined("0010008000", "01"),
		},
		{
			name:   "AUC: not valid at ATMs",
			clause: "Book 3 §10.4.2, Book 4 Annex A1: terminal type 14 with cash capability (9F40 byte 1 b8) is an ATM; AUC FD00 lacks 'valid at ATMs' → TVR byte 2 b5 → AAC",
			card:   "visa_dda", amount: 20000, pins: []string{"1234"}, txType: 0x01,
			tweak: func(p *sim.Profile) { p.Apps[0].AUC = "FD00" },
			cfg: func(c *Config) {
				c.TerminalType, c.AddCapabilities = "14", "E000F0A001"
			},
			outcome: Declined, tvr: "0010008000", tsi: "E800", cvm: "410302", arc: "Z1", cid: "00",
			apdus: declined("0010008000", "01"),
		},
		{
			name:   "AUC: ATM-only card at a merchant terminal",
			clause: "Book 3 §10.4.2: AUC FE00 — the 'valid at terminals other than ATMs' bit clear — at terminal type 22 → TVR byte 2 b5 → AAC",
			card:   "visa_dda", amount: 20000, pins: []string{"1234"},
			tweak:   func(p *sim.Profile) { p.Apps[0].AUC = "FE00" },
			outcome: Declined, tvr: "0010008000", tsi: "E800", cvm: "410302", arc: "Z1", cid: "00",
			apdus: declined("0010008000", "00"),
		},
		{
			name:   "expired and not yet effective",
			clause: "Book 3 §10.4.3: effective 26-11-22 after today (TVR byte 2 b6) and expiry 26-11-20 before today (b7): both bits",
			card:   "visa_dda", amount: 20000, pins: []string{"1234"},
			tweak:   func(p *sim.Profile) { p.Apps[0].Expiry, p.Apps[0].Effective = "261120", "261122" },
			outcome: Approved, tvr: "0060008000", tsi: "F800", cvm: "410302", arc: "00", cid: "40",
			apdus: cat(visaStart, visaPIN, visaOnline(amount200, "0060008000", "0060008000")),
		},
		{
			name:   "application versions: card gives none",
			clause: "Book 3 §10.4.1: without the card's 9F08 the versions are not compared: no TVR bit",
			card:   "visa_dda", amount: 20000, pins: []string{"1234"},
			tweak:   func(p *sim.Profile) { p.Apps[0].AppVersion = "" },
			outcome: Approved, tvr: "0000008000", tsi: "F800", cvm: "410302", arc: "00", cid: "40",
			apdus: cat(visaStart, visaPIN, visaOnline(amount200, "0000008000", "0000008000")),
		},
	})
}

package kernel

import (
	"errors"
	"testing"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/reader/sim"
	"github.com/possdk/pos/tlv"
)

// Kernel 7 scenarios. The card is reader/sim/testdata/unionpay_quics.json:
// AID A000000333010101, PDOL 9F66 04 9F02 06 9F03 06 9F1A 02 95 05 5F2A 02
// 9A 03 9C 01 9F37 04 9F7A 01 (34 bytes), AFL SFI 1 rec 1, SFI 2 rec 1
// (signed), SFI 3 recs 1-2 (certificates), CTQ 80 00 (online PIN required
// over the CVM limit), electronic cash 100.00 in CNY (0156), PBOC CVN 01.
//
// The reader (k7Config): UnionPay AID with TTQ base 26 00 00 00 (qPBOC,
// online PIN, signature), contactless limit 500.00, CVM-required limit
// 100.00, floor limit 50.00, EC supported. The Kernel 7 TTQ (qPBOC layout,
// emv.cool's qPBOC TTQ table): byte 1 b6 qPBOC supported, byte 4 b8 fDDA
// version 01 supported — so 26 00 00 80 offline, 26 80 00 80 with "online
// cryptogram required" (amount > floor, or zero), 26 C0 00 80 with "CVM
// required" too (amount ≥ CVM limit, Book B §3.1.1).

const (
	k7SelectPPSE = "00A404000E325041592E5359532E444446303100"
	k7Select     = "00A4040008A00000033301010100"
	k7Read11     = "00B2010C00"
	k7Read21     = "00B2011400"
	k7Read31     = "00B2011C00"
	k7Read32     = "00B2021C00"
)

// k7GPO is the GPO for the qUICS PDOL: Lc 24 (83 22 + 34 bytes).
func k7GPO(ttq, amount, currency, txType, ec string) string {
	return "80A8000024 8322" + ttq + amount + "000000000000" + "0156" + "0000000000" + currency + "261121" + txType + "00000000" + ec + "00"
}

func k7APDUs(gpo string) []string {
	return []string{k7SelectPPSE, k7Select, gpo, k7Read11, k7Read21, k7Read31, k7Read32}
}

func k7Config(c *Config) {
	limit, cvm, floor := int64(50000), int64(10000), int64(5000)
	up := &c.AIDs[2]
	up.TTQ = "26000000"
	up.ContactlessLimit, up.ContactlessCVMLimit, up.ContactlessFloorLimit = &limit, &cvm, &floor
	up.Kernel7 = &Kernel7Config{ECTerminalSupport: true}
}

func k7With(f func(*Config)) func(*Config) {
	return func(c *Config) { k7Config(c); f(c) }
}

func ecBalance(v int64) func(*sim.Profile) {
	return func(p *sim.Profile) { p.Apps[0].ECBalance = &v }
}

// balances checks the card's electronic cash afterwards and what the
// kernel reports (9F5D in the GPO response: the balance after this
// transaction, as the card computes it).
func balances(card, reported int64) func(t *testing.T, res *Result, c *sim.Card) {
	return func(t *testing.T, res *Result, c *sim.Card) {
		t.Helper()
		if got := c.ECBalance(0); got != card {
			t.Errorf("card balance %d, want %d", got, card)
		}
		got, err := ECBalance(res)
		if reported < 0 {
			if !errors.Is(err, ErrNoBalance) {
				t.Errorf("reported balance %d %v, want none", got, err)
			}
			return
		}
		if err != nil || got != reported {
			t.Errorf("reported balance %d (%v), want %d", got, err, reported)
		}
	}
}

// onlineF55 is what the host must get for an online qUICS tap: the
// amount, the currency, the TVR as sent to the card in the PDOL (all
// zero: frozen, the cryptogram covers it), the PBOC CVN 01 IAD (07 DKI 01,
// CVR 03xxxxxx, algorithm 01) and the CID.
func onlineF55(amount, currency, cid string) map[tlv.Tag]string {
	return map[tlv.Tag]string{0x9F02: amount, 0x5F2A: currency, 0x95: "0000000000",
		0x9F10: "07000103xxxxxx01", 0x9F27: cid, 0x9F37: "00000000", 0x82: "2000"}
}

func TestKernel7Scenarios(t *testing.T) {
	usd := func(c *Config) { c.Currency = "0840" }
	for _, c := range []clCase{
		{
			name: "EC offline approval", clause: "C-7/qPBOC: 20.00 ≤ floor 50.00, EC offered (9F7A 01), balance 100.00 → card TC, fDDA v01 verifies; no CVM (1F 00 02)",
			card: "unionpay_quics", cfg: k7Config, amount: 2000,
			outcome: Approved, tvr: "0000000000", tsi: "8000", cvm: "1F0002", cid: "40",
			apdus: k7APDUs(k7GPO("26000080", "000000002000", "0156", "00", "01")),
			check: balances(8000, 8000),
		},
		{
			name: "EC spends the whole balance at the floor limit", clause: "Book B §3.1.1: 50.00 is not over the floor limit 50.00 (amount > floor) → offline; card: amount ≤ balance",
			card: "unionpay_quics", tweak: ecBalance(5000), cfg: k7Config, amount: 5000,
			outcome: Approved, tvr: "0000000000", tsi: "8000", cvm: "1F0002", cid: "40",
			apdus: k7APDUs(k7GPO("26000080", "000000005000", "0156", "00", "01")),
			check: balances(0, 0),
		},
		{
			name: "one cent over the floor limit goes online", clause: "Book B §3.1.1: 50.01 > 50.00 → TTQ byte 2 b8; card ARQC; TVR ODA not performed",
			card: "unionpay_quics", cfg: k7Config, amount: 5001,
			outcome: Approved, tvr: "8000000000", tsi: "0000", cvm: "1F0002", cid: "80",
			apdus:  k7APDUs(k7GPO("26800080", "000000005001", "0156", "00", "01")),
			online: true, f55: onlineF55("000000005001", "0156", "80"),
			check: balances(10000, 10000),
		},
		{
			name: "balance one cent short goes online", clause: "qUICS card: amount over the EC balance → ARQC even under the floor limit",
			card: "unionpay_quics", tweak: ecBalance(1999), cfg: k7Config, amount: 2000,
			outcome: Approved, tvr: "8000000000", tsi: "0000", cvm: "1F0002", cid: "80",
			apdus:  k7APDUs(k7GPO("26000080", "000000002000", "0156", "00", "01")),
			online: true, f55: onlineF55("000000002000", "0156", "80"),
			check: balances(1999, 1999),
		},
		{
			name: "terminal without EC", clause: "C-7: 9F7A 00 (no Kernel 7 EC setting) → the card cannot spend EC → ARQC",
			card: "unionpay_quics", cfg: k7With(func(c *Config) { c.AIDs[2].Kernel7 = nil }), amount: 2000,
			outcome: Approved, tvr: "8000000000", tsi: "0000", cvm: "1F0002", cid: "80",
			apdus:  k7APDUs(k7GPO("26000080", "000000002000", "0156", "00", "00")),
			online: true, f55: onlineF55("000000002000", "0156", "80"),
			check: balances(10000, 10000),
		},
		{
			name: "over the EC terminal transaction limit", clause: "qPBOC: amount 20.00 > 9F7B 10.00 → 9F7A 00 → ARQC",
			card: "unionpay_quics", cfg: k7With(func(c *Config) { l := int64(1000); c.AIDs[2].Kernel7.ECTransactionLimit = &l }), amount: 2000,
			outcome: Approved, tvr: "8000000000", tsi: "0000", cvm: "1F0002", cid: "80",
			apdus:  k7APDUs(k7GPO("26000080", "000000002000", "0156", "00", "00")),
			online: true, f55: onlineF55("000000002000", "0156", "80"),
		},
		{
			name: "at the EC terminal transaction limit", clause: "qPBOC: amount 20.00 = 9F7B 20.00 → EC offered (9F7A 01) → TC",
			card: "unionpay_quics", cfg: k7With(func(c *Config) { l := int64(2000); c.AIDs[2].Kernel7.ECTransactionLimit = &l }), amount: 2000,
			outcome: Approved, tvr: "0000000000", tsi: "8000", cvm: "1F0002", cid: "40",
			apdus: k7APDUs(k7GPO("26000080", "000000002000", "0156", "00", "01")),
			check: balances(8000, 8000),
		},
		{
			name: "offline-only reader, balance too low", clause: "TTQ byte 1 b4 offline-only; qUICS card: no EC funds and no online → AAC → Declined",
			card: "unionpay_quics", tweak: ecBalance(1000),
			cfg:     k7With(func(c *Config) { c.OnlineCapable = false; c.AIDs[2].TTQ = "2E000000" }),
			amount:  2000,
			outcome: Declined, tvr: "0000000000", tsi: "0000", cvm: "3F0000", cid: "00",
			apdus: []string{k7SelectPPSE, k7Select, k7GPO("2E000080", "000000002000", "0156", "00", "01")},
			check: balances(1000, 1000),
		},
		{
			name: "at the CVM limit: online PIN", clause: "Book B §3.1.1: 100.00 ≥ CVM limit → TTQ byte 2 b7|b8; C-3/C-7 CTQ byte 1 b8 online PIN → 9F34 02 00 00, TVR online PIN entered",
			card: "unionpay_quics", cfg: k7Config, amount: 10000,
			outcome: Approved, tvr: "8000040000", tsi: "0000", cvm: "020000", cid: "80",
			apdus:  k7APDUs(k7GPO("26C00080", "000000010000", "0156", "00", "01")),
			online: true, f55: onlineF55("000000010000", "0156", "80"),
			check: func(t *testing.T, res *Result, _ *sim.Card) {
				if res.OnlinePINBlock == nil {
					t.Error("no PIN block")
				}
			},
		},
		{
			name: "one cent under the CVM limit: no CVM", clause: "Book B §3.1.1: 99.99 < 100.00 → no CVM required; over the floor → online",
			card: "unionpay_quics", cfg: k7Config, amount: 9999,
			outcome: Approved, tvr: "8000000000", tsi: "0000", cvm: "1F0002", cid: "80",
			apdus:  k7APDUs(k7GPO("26800080", "000000009999", "0156", "00", "01")),
			online: true, f55: onlineF55("000000009999", "0156", "80"),
		},
		{
			name: "no PIN pad over the CVM limit", clause: "Book 3 Annex C5 applied to C-7: online PIN required, no PIN pad → TVR PIN pad not present (byte 3 b5), 9F34 02 00 01, online",
			card: "unionpay_quics", cfg: k7Config, amount: 15000, noPINPad: true,
			outcome: Approved, tvr: "8000100000", tsi: "0000", cvm: "020001", cid: "80",
			apdus:  k7APDUs(k7GPO("26C00080", "000000015000", "0156", "00", "01")),
			online: true, f55: onlineF55("000000015000", "0156", "80"),
		},
		{
			name: "at the contactless limit", clause: "Book B §3.1.1: 500.00 ≥ contactless limit → Try Another Interface before any command",
			card: "unionpay_quics", cfg: k7Config, amount: 50000,
			outcome: Failed, errIs: ErrTryAnother, tvr: "0000000000", tsi: "0000", cvm: "3F0000", cid: "",
		},
		{
			name: "one cent under the contactless limit", clause: "Book B §3.1.1: 499.99 allowed; CVM (online PIN) and online",
			card: "unionpay_quics", cfg: k7Config, amount: 49999,
			outcome: Approved, tvr: "8000040000", tsi: "0000", cvm: "020000", cid: "80",
			apdus:  k7APDUs(k7GPO("26C00080", "000000049999", "0156", "00", "01")),
			online: true, f55: onlineF55("000000049999", "0156", "80"),
		},
		{
			name: "zero amount", clause: "C-3/C-7: zero amount → online cryptogram required (TTQ byte 2 b8); the card cannot spend EC on it",
			card: "unionpay_quics", cfg: k7Config, amount: 0,
			outcome: Approved, tvr: "8000000000", tsi: "0000", cvm: "1F0002", cid: "80",
			apdus:  k7APDUs(k7GPO("26800080", "000000000000", "0156", "00", "01")),
			online: true, f55: onlineF55("000000000000", "0156", "80"),
			check: balances(10000, 10000),
		},
		{
			name: "fDDA fails, card asks nothing", clause: "C-7/C-3: TC whose fDDA does not verify, CTQ 80 00 → Declined, TVR DDA failed, TSI ODA performed",
			card: "unionpay_quics", tweak: func(p *sim.Profile) { p.Faults.CorruptSDAD = true }, cfg: k7Config, amount: 2000,
			outcome: Declined, tvr: "0800000000", tsi: "8000", cvm: "1F0002", cid: "40",
			apdus: k7APDUs(k7GPO("26000080", "000000002000", "0156", "00", "01")),
		},
		{
			name: "fDDA fails, card asks to go online", clause: "CTQ byte 1 b6 (go online if ODA fails) and an online reader → the TC goes online with TVR DDA failed",
			card: "unionpay_quics", tweak: func(p *sim.Profile) { p.Faults.CorruptSDAD = true; p.Apps[0].CTQ = "A000" }, cfg: k7Config, amount: 2000,
			outcome: Approved, tvr: "0800000000", tsi: "8000", cvm: "1F0002", cid: "40",
			apdus:  k7APDUs(k7GPO("26000080", "000000002000", "0156", "00", "01")),
			online: true, f55: onlineF55("000000002000", "0156", "40"),
		},
		{
			name: "fDDA fails, card asks to switch interface, reader without contact", clause: "UnionPay kernel (xwanyux/AS350PLUS_SP UNP_Check_CTQDecision): CTQ byte 1 b5 switches only when the TTQ says contact debit/credit is supported (byte 1 b5); TTQ 26 does not → Declined",
			card: "unionpay_quics", tweak: func(p *sim.Profile) { p.Faults.CorruptSDAD = true; p.Apps[0].CTQ = "9000" }, cfg: k7Config, amount: 2000,
			outcome: Declined, tvr: "0800000000", tsi: "8000", cvm: "1F0002", cid: "40",
			apdus: k7APDUs(k7GPO("26000080", "000000002000", "0156", "00", "01")),
		},
		{
			name: "fDDA fails, card asks to switch interface", clause: "UNP_Check_CTQDecision: CTQ byte 1 b5 and TTQ byte 1 b5 (contact debit/credit, TTQ 36) → Try Another Interface",
			card: "unionpay_quics", tweak: func(p *sim.Profile) { p.Faults.CorruptSDAD = true; p.Apps[0].CTQ = "9000" },
			cfg: k7With(func(c *Config) { c.AIDs[2].TTQ = "36000000" }), amount: 2000,
			outcome: Failed, errIs: ErrTryAnother, tvr: "0800000000", tsi: "8000", cvm: "1F0002", cid: "40",
			apdus: k7APDUs(k7GPO("36000080", "000000002000", "0156", "00", "01")),
		},
		{
			name: "expired card, offline", clause: "C-3/C-7 processing restrictions: expiry 26-11-20 before the test day → the TC is declined; CVM not yet processed (3F 00 00)",
			card: "unionpay_quics", tweak: func(p *sim.Profile) { p.Apps[0].Expiry = "261120" }, cfg: k7Config, amount: 2000,
			outcome: Declined, tvr: "0040000000", tsi: "0000", cvm: "3F0000", cid: "40",
			apdus: k7APDUs(k7GPO("26000080", "000000002000", "0156", "00", "01")),
		},
		{
			name: "expired card, card asks to go online", clause: "CTQ byte 1 b4 (go online if application expired) → the TC goes online with TVR expired",
			card: "unionpay_quics", tweak: func(p *sim.Profile) { p.Apps[0].Expiry = "261120"; p.Apps[0].CTQ = "8800" }, cfg: k7Config, amount: 2000,
			outcome: Approved, tvr: "0040000000", tsi: "0000", cvm: "3F0000", cid: "40",
			apdus:  k7APDUs(k7GPO("26000080", "000000002000", "0156", "00", "01")),
			online: true, f55: onlineF55("000000002000", "0156", "40"),
		},
		{
			name: "expired card, online cryptogram", clause: "C-3/C-7: an ARQC of an expired card goes online, the TVR notes it for the issuer",
			card: "unionpay_quics", tweak: func(p *sim.Profile) { p.Apps[0].Expiry = "261120" }, cfg: k7Config, amount: 8000,
			outcome: Approved, tvr: "8040000000", tsi: "0000", cvm: "1F0002", cid: "80",
			apdus:  k7APDUs(k7GPO("26800080", "000000008000", "0156", "00", "01")),
			online: true, f55: onlineF55("000000008000", "0156", "80"),
		},
		{
			name: "not yet effective", clause: "processing restrictions: effective 26-11-22 after the test day → TC declined (TVR byte 2 b6)",
			card: "unionpay_quics", tweak: func(p *sim.Profile) { p.Apps[0].Effective = "261122" }, cfg: k7Config, amount: 2000,
			outcome: Declined, tvr: "0020000000", tsi: "0000", cvm: "3F0000", cid: "40",
			apdus: k7APDUs(k7GPO("26000080", "000000002000", "0156", "00", "01")),
		},
		{
			name: "wrong currency", clause: "qUICS card: EC only in the application currency (CNY); a USD transaction gets an ARQC; 5F2A 0840 goes to the host",
			card: "unionpay_quics", cfg: k7With(usd), amount: 2000,
			outcome: Approved, tvr: "8000000000", tsi: "0000", cvm: "1F0002", cid: "80",
			apdus:  k7APDUs(k7GPO("26000080", "000000002000", "0840", "00", "01")),
			online: true, f55: onlineF55("000000002000", "0840", "80"),
			check: balances(10000, 10000),
		},
		{
			name: "host declines", clause: "C-7 ARQC: the issuer's decline is the outcome (no second GENERATE AC)",
			card: "unionpay_quics", cfg: k7Config, amount: 8000, decline: true,
			outcome: OnlineDeclined, tvr: "8000000000", tsi: "0000", cvm: "1F0002", cid: "80",
			apdus:  k7APDUs(k7GPO("26800080", "000000008000", "0156", "00", "01")),
			online: true, f55: onlineF55("000000008000", "0156", "80"),
		},
		{
			name: "host unreachable", clause: "C-7 ARQC and no answer: declined (Book A: an online request without a response is not approved)",
			card: "unionpay_quics", cfg: k7Config, amount: 8000, hostDown: true,
			outcome: Declined, errIs: ErrOffline, tvr: "8000000000", tsi: "0000", cvm: "1F0002", cid: "80",
			apdus:  k7APDUs(k7GPO("26800080", "000000008000", "0156", "00", "01")),
			online: true, f55: onlineF55("000000008000", "0156", "80"),
		},
		{
			name: "CDCVM claimed on a UnionPay card", clause: "UNP_Check_CVMRequest: the CTQ asks for online PIN (byte 1 b8) and the reader offers it → online PIN first, whatever byte 2 b8 (a forged 'CDCVM performed') says",
			card: "unionpay_quics", tweak: func(p *sim.Profile) { p.Faults.ForgedCDCVM = true }, cfg: k7Config, amount: 15000,
			outcome: Approved, tvr: "8000040000", tsi: "0000", cvm: "020000", cid: "80",
			apdus:  k7APDUs(k7GPO("26C00080", "000000015000", "0156", "00", "01")),
			online: true, f55: withF55(onlineF55("000000015000", "0156", "80"), 0x9F34, "020000"),
		},
		{
			name: "CDCVM on a UnionPay phone", clause: "UNP_Check_CVMRequest: CTQ 00 80 ('CDCVM performed', no online PIN) and the fDDA-signed copy in 9F69 equal to 9F6C → CVM complete: 9F34 01 00 02, no PIN, no signature",
			card: "unionpay_quics", tweak: func(p *sim.Profile) { p.Apps[0].CTQ = "0080" }, cfg: k7Config, amount: 15000,
			outcome: Approved, tvr: "8000000000", tsi: "0000", cvm: "010002", cid: "80",
			apdus:  k7APDUs(k7GPO("26C00080", "000000015000", "0156", "00", "01")),
			online: true, f55: withF55(onlineF55("000000015000", "0156", "80"), 0x9F34, "010002"),
			check: func(t *testing.T, res *Result, _ *sim.Card) {
				if res.SignatureNeeded || res.OnlinePINBlock != nil {
					t.Error("a CVM asked for on top of the phone's")
				}
			},
		},
		{
			name: "CDCVM forged by a relay on an offline approval", clause: "UNP_Check_CVMRequest: the TC's 9F6C says 00 80 but the fDDA-signed copy in 9F69 says 00 00 → declined (TVR CVM not successful, 9F34 3F 00 01), nothing online",
			card: "unionpay_quics", tweak: func(p *sim.Profile) { p.Apps[0].CTQ = "0000"; p.Faults.ForgedCDCVM = true }, cfg: k7Config, amount: 2000,
			outcome: Declined, tvr: "0000800000", tsi: "0000", cvm: "3F0001", cid: "40",
			apdus: k7APDUs(k7GPO("26000080", "000000002000", "0156", "00", "01")),
		},
		{
			name: "CDCVM forged by a relay on an ARQC", clause: "UNP_Check_CVMRequest: an ARQC without 9F69 relies on the issuer for the CDCVM claim (the cryptogram covers the card's own CVR) → credited here, 9F34 01 00 02 online; the issuer decides",
			card: "unionpay_quics", tweak: func(p *sim.Profile) { p.Apps[0].CTQ = "0000"; p.Faults.ForgedCDCVM = true }, cfg: k7Config, amount: 15000,
			outcome: Approved, tvr: "8000000000", tsi: "0000", cvm: "010002", cid: "80",
			apdus:  k7APDUs(k7GPO("26C00080", "000000015000", "0156", "00", "01")),
			online: true, f55: withF55(onlineF55("000000015000", "0156", "80"), 0x9F34, "010002"),
		},
		{
			name: "CVM required and the card names none", clause: "UNP_Check_CVMRequest: TTQ byte 2 b7 (CVM required, 150.00 ≥ 100.00) and CTQ 00 00 → declined, not a signature by default",
			card: "unionpay_quics", tweak: func(p *sim.Profile) { p.Apps[0].CTQ = "0000" }, cfg: k7Config, amount: 15000,
			outcome: Declined, tvr: "0000800000", tsi: "0000", cvm: "3F0001", cid: "80",
			apdus: k7APDUs(k7GPO("26C00080", "000000015000", "0156", "00", "01")),
		},
		{
			name: "TC when an online cryptogram was asked", clause: "Book 3 §9.3 / C-7: a TC answering TTQ byte 2 b8 is never an approval → card error",
			card: "unionpay_quics", tweak: func(p *sim.Profile) { p.Faults.TCForARQC = true }, cfg: k7Config, amount: 8000,
			outcome: Failed, errIs: ErrCard, tvr: "0000000000", tsi: "0000", cvm: "3F0000", cid: "40",
			apdus: k7APDUs(k7GPO("26800080", "000000008000", "0156", "00", "01")),
		},
		{
			name: "hot-listed card", clause: "exception file: a listed PAN's TC is declined (TVR byte 1 b5)",
			card: "unionpay_quics", cfg: k7With(func(c *Config) { c.ExceptionFile = []string{"6225880123450012"} }), amount: 2000,
			outcome: Declined, tvr: "1000000000", tsi: "0000", cvm: "3F0000", cid: "40",
			apdus: k7APDUs(k7GPO("26000080", "000000002000", "0156", "00", "01")),
		},
		{
			name: "relay strips the cryptogram", clause: "C-7: a GPO answer without 9F26 is a card data error, never an approval",
			card: "unionpay_quics", cfg: k7Config, amount: 2000,
			relay: func(cmd, resp []byte) []byte {
				if cmd[1] == 0xA8 {
					return stripTag(resp, 0x9F26)
				}
				return resp
			},
			outcome: Failed, errIs: ErrCardData, tvr: "0000000000", tsi: "0000", cvm: "3F0000", cid: "40",
			apdus: []string{k7SelectPPSE, k7Select, k7GPO("26000080", "000000002000", "0156", "00", "01")},
		},
	} {
		t.Run(c.name, c.run)
	}
}

// stripTag removes one primitive tag from a 77 response (SW kept).
func stripTag(resp []byte, tag tlv.Tag) []byte {
	body, sw := resp[:len(resp)-2], resp[len(resp)-2:]
	inner, ok, _ := tlv.Find(body, 0x77)
	if !ok {
		return resp
	}
	var out []byte
	for s := tlv.NewScanner(inner); s.Next(); {
		if s.Tag() != tag {
			out = append(out, s.Raw()...)
		}
	}
	return append(tlv.AppendTLV(nil, 0x77, out), sw...)
}

// TestKernel7Registered: Book B — the Entry Point routes kernel ID 7 to
// Kernel 7 (the UnionPay TTQ with byte 4 b8 set proves which kernel ran).
func TestKernel7Registered(t *testing.T) {
	if _, ok := clKernels[KernelUnionPay].(kernel7); !ok {
		t.Fatalf("kernel 7 is %T", clKernels[KernelUnionPay])
	}
	_ = emv.TTQ{}
}

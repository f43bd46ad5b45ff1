package kernel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/reader"
	"github.com/possdk/pos/reader/sim"
	"github.com/possdk/pos/tlv"
)

// Kernel 2 scenarios. The card is reader/sim/testdata/mc_contactless.json:
// AID A0000000041010, PDOL 9F1A 02, AIP 19 81 (CVM supported, terminal
// risk management, CDA; EMV mode, relay resistance), AFL SFI 1 rec 1,
// SFI 2 rec 1 (signed), SFI 3 recs 1-2; CDOL1 9F02 06 9F03 06 9F1A 02 95
// 05 5F2A 02 9A 03 9C 01 9F37 04 9F34 03 (32 bytes); CVM list 42 03 (online
// PIN if supported, next), 1E 03 (signature if supported), 1F 03 (no CVM
// if supported); M/Chip CVN 16; cumulative offline limit 30.00; relay
// resistance min 1.0 ms, max 6.0 ms, estimated R-APDU 1.8 ms, delay 2 ms.
// The phone (mc_phone.json) is the same with CVN 17, CDCVM and no offline
// approvals (consecutive offline limit 0).
//
// The reader (k2Config): contactless limits 500.00 (no on-device CVM) and
// 1000.00 (on-device CVM), CVM required limit 100.00, floor limit 50.00,
// CVM capability 60 (online PIN, signature) over the CVM limit and 08 (no
// CVM) under it, relay resistance with the timings of a typical Kernel 2
// terminal configuration: expected C-APDU 1.2 ms (0012), R-APDU 1.8 ms
// (0018), grace periods 2.0 ms / 5.0 ms, accuracy 30.0 ms, mismatch 50 %.
// TACs (terminal.json): denial 00…, online F4 50 84 80 0C (byte 5: relay
// resistance threshold and time limits exceeded go online).
//
// Relay resistance with the 2 ms delay: measured = 20 − 12 − min(18, 18)
// = 0 (×100 µs), not under max(0, 10 − 20) and not over 60 + 50: TVR byte
// 5 b2-b1 = 10 "performed".

const (
	k2SelectPPSE = "00A404000E325041592E5359532E444446303100"
	k2Select     = "00A4040007A000000004101000"
	k2GPO        = "80A80000048302015600"
	k2ERRD       = "80EA00000400000000 00"
)

var k2Reads = []string{"00B2010C00", "00B2011400", "00B2011C00", "00B2021C00"}

// k2GAC is GENERATE AC with the CDOL1 data: p1 50 TC+CDA, 90 ARQC+CDA,
// 80 ARQC, 00 AAC.
func k2GAC(p1, amount, currency, tvr, cvm string) string {
	return "80AE" + p1 + "0020" + amount + "000000000000" + "0156" + tvr + currency + "261121" + "00" + "00000000" + cvm + "00"
}

func k2APDUs(tail ...string) []string {
	out := []string{k2SelectPPSE, k2Select, k2GPO, k2ERRD}
	out = append(out, k2Reads...)
	return append(out, tail...)
}

func k2Config(c *Config) {
	l1, l2, cvm, floor := int64(50000), int64(100000), int64(10000), int64(5000)
	c.AIDs[1].Kernel2 = &Kernel2Config{
		ContactlessLimitNoODCVM: &l1, ContactlessLimitODCVM: &l2, CVMRequiredLimit: &cvm, FloorLimit: &floor,
		CVMCapabilityCVMRequired: "60", CVMCapabilityNoCVM: "08", OnDeviceCVM: true, RelayResistance: true,
		RelayTimes: RelayResistanceCfg{MinGrace: 20, MaxGrace: 50, ExpectedCAPDU: 12, ExpectedRAPDU: 18, Accuracy: 300, Mismatch: 50},
	}
}

func k2With(f func(*Config)) func(*Config) {
	return func(c *Config) { k2Config(c); f(c) }
}

func mchip(f func(*sim.MChipOptions)) func(*sim.Profile) {
	return func(p *sim.Profile) {
		o := *p.Apps[0].MChip
		f(&o)
		p.Apps[0].MChip = &o
	}
}

// k2F55 is what the host must get: amount, currency, the TVR and CVM
// Results as the card MACed them, the AIP, the M/Chip IAD (KDI 00, CVN,
// CVR, DAC, counters) and the CID.
func k2F55(amount, tvr, cvm, aip, cvn string) map[tlv.Tag]string {
	return map[tlv.Tag]string{0x9F02: amount, 0x5F2A: "0156", 0x95: tvr, 0x9F34: cvm, 0x82: aip,
		0x9F10: "00" + cvn + "xxxxxxxxxxxx xxxx xxxxxxxxxxxxxxxx", 0x9F27: "80", 0x9F37: "00000000"}
}

func TestKernel2Scenarios(t *testing.T) {
	for _, c := range []clCase{
		{
			name: "offline approval with CDA", clause: "C-2: 20.00 ≤ floor 50.00, no CVM required (CVM list: 1F 03 with capability 08), TAA → TC with CDA; CDA verifies",
			card: "mc_contactless", cfg: k2Config, amount: 2000,
			outcome: Approved, tvr: "0000000002", tsi: "C000", cvm: "1F0302", cid: "40",
			apdus: k2APDUs(k2GAC("50", "000000002000", "0156", "0000000002", "1F0302")),
		},
		{
			name: "at the card's offline limit", clause: "M/Chip card risk: 30.00 = the card's cumulative offline limit (not over) → TC",
			card: "mc_contactless", cfg: k2Config, amount: 3000,
			outcome: Approved, tvr: "0000000002", tsi: "C000", cvm: "1F0302", cid: "40",
			apdus: k2APDUs(k2GAC("50", "000000003000", "0156", "0000000002", "1F0302")),
		},
		{
			name: "at the floor limit", clause: "C-2: amount > floor limit sets the TVR bit; 50.00 is not over 50.00 → the reader asks for a TC (P1 50); the card, over its own 30.00, answers ARQC",
			card: "mc_contactless", cfg: k2Config, amount: 5000,
			outcome: Approved, tvr: "0000000002", tsi: "C000", cvm: "1F0302", cid: "80",
			apdus:  k2APDUs(k2GAC("50", "000000005000", "0156", "0000000002", "1F0302")),
			online: true, f55: k2F55("000000005000", "0000000002", "1F0302", "1981", "10"),
		},
		{
			name: "one cent over the floor limit", clause: "C-2: 50.01 > floor → TVR byte 4 b8 → TAC online → ARQC with CDA → online",
			card: "mc_contactless", cfg: k2Config, amount: 5001,
			outcome: Approved, tvr: "0000008002", tsi: "C000", cvm: "1F0302", cid: "80",
			apdus:  k2APDUs(k2GAC("90", "000000005001", "0156", "0000008002", "1F0302")),
			online: true, f55: k2F55("000000005001", "0000008002", "1F0302", "1981", "10"),
		},
		{
			name: "card declines offline approval over its own limit", clause: "M/Chip card risk: 40.00 over the card's cumulative offline limit 30.00 → the card answers ARQC to a TC request; online",
			card: "mc_contactless", cfg: k2Config, amount: 4000,
			outcome: Approved, tvr: "0000000002", tsi: "C000", cvm: "1F0302", cid: "80",
			apdus:  k2APDUs(k2GAC("50", "000000004000", "0156", "0000000002", "1F0302")),
			online: true, f55: k2F55("000000004000", "0000000002", "1F0302", "1981", "10"),
		},
		{
			name: "at the CVM required limit: no CVM", clause: "C-2: a CVM is required when amount > Reader CVM Required Limit; 100.00 is not → capability 08, 1F 03 02; over the floor → ARQC",
			card: "mc_contactless", cfg: k2Config, amount: 10000,
			outcome: Approved, tvr: "0000008002", tsi: "C000", cvm: "1F0302", cid: "80",
			apdus:  k2APDUs(k2GAC("90", "000000010000", "0156", "0000008002", "1F0302")),
			online: true, f55: k2F55("000000010000", "0000008002", "1F0302", "1981", "10"),
		},
		{
			name: "one cent over the CVM required limit: online PIN", clause: "C-2: 100.01 > 100.00 → capability 60 → CVM list 42 03 online PIN (Book 3 §10.5) → 9F34 42 03 00, TVR online PIN entered",
			card: "mc_contactless", cfg: k2Config, amount: 10001,
			outcome: Approved, tvr: "0000048002", tsi: "C000", cvm: "420300", cid: "80",
			apdus:  k2APDUs(k2GAC("90", "000000010001", "0156", "0000048002", "420300")),
			online: true, f55: k2F55("000000010001", "0000048002", "420300", "1981", "10"),
			check: func(t *testing.T, res *Result, _ *sim.Card) {
				if res.OnlinePINBlock == nil {
					t.Error("no PIN block")
				}
			},
		},
		{
			name: "unsupported CVM", clause: "Book 3 §10.5 in C-2: CVM required, the reader's capability 00 offers neither PIN nor signature nor no-CVM → CVM failed (3F 00 01), TVR CVM not successful → TAC online → ARQC",
			card: "mc_contactless", cfg: k2With(func(c *Config) { c.AIDs[1].Kernel2.CVMCapabilityCVMRequired = "00" }), amount: 15000,
			outcome: Approved, tvr: "0000808002", tsi: "C000", cvm: "3F0001", cid: "80",
			apdus:  k2APDUs(k2GAC("90", "000000015000", "0156", "0000808002", "3F0001")),
			online: true, f55: k2F55("000000015000", "0000808002", "3F0001", "1981", "10"),
		},
		{
			name: "signature when the reader has no PIN pad", clause: "C-2 CVM: capability 20 (signature only) → 42 03 skipped, 1E 03 signature (9F34 1E 03 00)",
			card: "mc_contactless", cfg: k2With(func(c *Config) { c.AIDs[1].Kernel2.CVMCapabilityCVMRequired = "20" }), amount: 15000,
			outcome: Approved, tvr: "0000008002", tsi: "C000", cvm: "1E0300", cid: "80",
			apdus:  k2APDUs(k2GAC("90", "000000015000", "0156", "0000008002", "1E0300")),
			online: true, f55: k2F55("000000015000", "0000008002", "1E0300", "1981", "10"),
			check: func(t *testing.T, res *Result, _ *sim.Card) {
				if !res.SignatureNeeded {
					t.Error("signature not asked for")
				}
			},
		},
		{
			name: "at the contactless limit", clause: "C-2: refused when amount > Reader Contactless Transaction Limit; 500.00 = limit is allowed",
			card: "mc_contactless", cfg: k2Config, amount: 50000,
			outcome: Approved, tvr: "0000048002", tsi: "C000", cvm: "420300", cid: "80",
			apdus:  k2APDUs(k2GAC("90", "000000050000", "0156", "0000048002", "420300")),
			online: true, f55: k2F55("000000050000", "0000048002", "420300", "1981", "10"),
		},
		{
			name: "one cent over the contactless limit", clause: "C-2 S456.14-15 (open MPP kernel, xwanyux/AS350PLUS_SP MPP_S456_14/15): 500.01 > the no-on-device-CVM limit (a card), checked after the records → Select Next (MAX LIMIT EXCEEDED); the only candidate gone, the Entry Point says Try Another Interface; no GENERATE AC",
			card: "mc_contactless", cfg: k2Config, amount: 50001,
			outcome: Failed, errIs: ErrNoApplication, tvr: "0000000002", tsi: "0000", cvm: "3F0000", cid: "",
			apdus: k2APDUs(),
			check: func(t *testing.T, res *Result, _ *sim.Card) {
				if st := stepOf(res); st.Outcome != OutcomeTryAnotherInterface || !errors.Is(res.Err, ErrTryAnother) {
					t.Errorf("step %v (%v), want try another interface once the Select Next left no candidate", st.Outcome, res.Err)
				}
			},
		},
		{
			name: "zero amount", clause: "zero amount is never approved offline (this kernel's rule, as C-3's): TC turned into ARQC",
			card: "mc_contactless", cfg: k2Config, amount: 0,
			outcome: Approved, tvr: "0000000002", tsi: "C000", cvm: "1F0302", cid: "80",
			apdus:  k2APDUs(k2GAC("90", "000000000000", "0156", "0000000002", "1F0302")),
			online: true, f55: k2F55("000000000000", "0000000002", "1F0302", "1981", "10"),
		},
		{
			name: "CDA signature corrupted on a TC", clause: "C-2 S910.5-7 → S910.50-53 (MPP_State_910_CommonProcessing): the TC's SDAD does not verify → TVR CDA failed, End Application ('insert, swipe or try another card'), nothing online",
			card: "mc_contactless", tweak: func(p *sim.Profile) { p.Faults.CorruptSDAD = true }, cfg: k2Config, amount: 2000,
			outcome: Failed, errIs: ErrOtherCard, tvr: "0400000002", tsi: "C000", cvm: "1F0302", cid: "40",
			apdus: k2APDUs(k2GAC("50", "000000002000", "0156", "0000000002", "1F0302")),
			check: func(t *testing.T, res *Result, _ *sim.Card) {
				if st := stepOf(res); st.Outcome != OutcomeEndApplication || st.UI.Message != MsgInsertSwipeOrTryAnotherCard {
					t.Errorf("step %v message %02X, want end application / insert, swipe or try another card", st.Outcome, st.UI.Message)
				}
			},
		},
		{
			name: "CDA signature corrupted on an ARQC", clause: "C-2 S910.5-7 → S910.50-53: CDA failed on an ARQC → End Application, not sent online",
			card: "mc_contactless", tweak: func(p *sim.Profile) { p.Faults.CorruptSDAD = true }, cfg: k2Config, amount: 8000,
			outcome: Failed, errIs: ErrOtherCard, tvr: "0400008002", tsi: "C000", cvm: "1F0302", cid: "80",
			apdus: k2APDUs(k2GAC("90", "000000008000", "0156", "0000008002", "1F0302")),
			check: func(t *testing.T, res *Result, _ *sim.Card) {
				if st := stepOf(res); st.Outcome != OutcomeEndApplication || st.UI.Message != MsgInsertSwipeOrTryAnotherCard {
					t.Errorf("step %v message %02X, want end application / insert, swipe or try another card", st.Outcome, st.UI.Message)
				}
			},
		},
		{
			name: "relay strips the CDA signature", clause: "C-2 S9.28 → S910.34/37 → S910.50-53: CDA requested, the TC comes without 9F4B → card data error, End Application",
			card: "mc_contactless", cfg: k2Config, amount: 2000,
			relay: func(cmd, resp []byte) []byte {
				if cmd[1] == 0xAE {
					return stripTag(resp, 0x9F4B)
				}
				return resp
			},
			outcome: Failed, errIs: ErrOtherCard, tvr: "0400000002", tsi: "C000", cvm: "1F0302", cid: "40",
			apdus: k2APDUs(k2GAC("50", "000000002000", "0156", "0000000002", "1F0302")),
			check: func(t *testing.T, res *Result, _ *sim.Card) {
				if st := stepOf(res); st.Outcome != OutcomeEndApplication || st.UI.Message != MsgInsertSwipeOrTryAnotherCard {
					t.Errorf("step %v message %02X, want end application / insert, swipe or try another card", st.Outcome, st.UI.Message)
				}
			},
		},
		{
			name: "SDA Tag List other than the AIP", clause: "C-2 S456.26-27 (MPP_S456_26/27 in xwanyux/AS350PLUS_SP): with CDA, a Static Data Authentication Tag List other than '82' ends the application (card data error) before GENERATE AC — the AIP and its on-device CVM bit are always signed",
			card: "mc_contactless", cfg: k2Config, amount: 2000,
			relay: func(cmd, resp []byte) []byte {
				if cmd[1] == 0xB2 {
					return bytes.Replace(resp, []byte{0x9F, 0x4A, 0x01, 0x82}, []byte{0x9F, 0x4A, 0x01, 0x83}, 1)
				}
				return resp
			},
			outcome: Failed, errIs: ErrOtherCard, tvr: "0000000002", tsi: "C000", cvm: "1F0302", cid: "",
			apdus: k2APDUs(),
			check: func(t *testing.T, res *Result, _ *sim.Card) {
				if st := stepOf(res); st.Outcome != OutcomeEndApplication || st.UI.Message != MsgInsertSwipeOrTryAnotherCard {
					t.Errorf("step %v message %02X, want end application / insert, swipe or try another card", st.Outcome, st.UI.Message)
				}
			},
		},
		{
			name: "issuer certificate corrupted", clause: "C-2 CDA: the ICC key cannot be recovered → TVR CDA failed before GENERATE AC → TAC online → ARQC without CDA",
			card: "mc_contactless", tweak: func(p *sim.Profile) { p.Faults.CorruptIssuerCert = true }, cfg: k2Config, amount: 2000,
			outcome: Approved, tvr: "0400000002", tsi: "C000", cvm: "1F0302", cid: "80",
			apdus:  k2APDUs(k2GAC("80", "000000002000", "0156", "0400000002", "1F0302")),
			online: true, f55: k2F55("000000002000", "0400000002", "1F0302", "1981", "10"),
		},
		{
			name: "relay too slow", clause: "C-2 relay resistance: 20 ms delay → measured 200 − 12 − 18 = 170 > 60 + 50 → two retries with a new UN, then TVR time limits exceeded (byte 5 b3) → TAC online → ARQC",
			card: "mc_contactless", tweak: mchip(func(o *sim.MChipOptions) { o.DelayMicros = 20000 }), cfg: k2Config, amount: 2000,
			outcome: Approved, tvr: "0000000006", tsi: "C000", cvm: "1F0302", cid: "80",
			apdus: append([]string{k2SelectPPSE, k2Select, k2GPO, k2ERRD, k2ERRD, k2ERRD}, append(append([]string{}, k2Reads...),
				k2GAC("90", "000000002000", "0156", "0000000006", "1F0302"))...),
			online: true, f55: k2F55("000000002000", "0000000006", "1F0302", "1981", "10"),
		},
		{
			name: "relay far too slow", clause: "C-2: 35 ms → measured 320: time limits exceeded and measured − min 310 > accuracy 300 → threshold exceeded too (byte 5 b4)",
			card: "mc_contactless", tweak: mchip(func(o *sim.MChipOptions) { o.DelayMicros = 35000 }), cfg: k2Config, amount: 2000,
			outcome: Approved, tvr: "000000000E", tsi: "C000", cvm: "1F0302", cid: "80",
			apdus: append([]string{k2SelectPPSE, k2Select, k2GPO, k2ERRD, k2ERRD, k2ERRD}, append(append([]string{}, k2Reads...),
				k2GAC("90", "000000002000", "0156", "000000000E", "1F0302"))...),
			online: true, f55: k2F55("000000002000", "000000000E", "1F0302", "1981", "10"),
		},
		{
			name: "relay just within the maximum", clause: "C-2: 14 ms → measured 140 − 30 = 110 = max 60 + grace 50 → not over: performed, no retry",
			card: "mc_contactless", tweak: mchip(func(o *sim.MChipOptions) { o.DelayMicros = 14000 }), cfg: k2Config, amount: 2000,
			outcome: Approved, tvr: "0000000002", tsi: "C000", cvm: "1F0302", cid: "40",
			apdus: k2APDUs(k2GAC("50", "000000002000", "0156", "0000000002", "1F0302")),
		},
		{
			name: "card answers faster than its minimum", clause: "C-2: measured 0 < min 10.0 ms − grace 2.0 ms → End Application (a card cannot be faster than it says)",
			card: "mc_contactless", tweak: mchip(func(o *sim.MChipOptions) { o.MinTime = 100 }), cfg: k2Config, amount: 2000,
			outcome: Failed, errIs: ErrRelay, tvr: "0000000000", tsi: "0000", cvm: "3F0000", cid: "",
			apdus: []string{k2SelectPPSE, k2Select, k2GPO, k2ERRD},
		},
		{
			name: "transmission time mismatch", clause: "C-2: device estimate 0.5 ms vs expected 1.8 ms: 5×100/18 = 27 % < 50 % → threshold exceeded → ARQC",
			card: "mc_contactless", tweak: mchip(func(o *sim.MChipOptions) { o.EstimatedTime = 5 }), cfg: k2Config, amount: 2000,
			outcome: Approved, tvr: "000000000A", tsi: "C000", cvm: "1F0302", cid: "80",
			apdus:  k2APDUs(k2GAC("90", "000000002000", "0156", "000000000A", "1F0302")),
			online: true, f55: k2F55("000000002000", "000000000A", "1F0302", "1981", "10"),
		},
		{
			name: "device estimate of zero", clause: "C-2 SR1.30 (MPP_S1_30 in xwanyux/AS350PLUS_SP): a Device Estimated Transmission Time of 0 gives a ratio 0 % under the 50 % mismatch threshold → threshold exceeded (TVR byte 5 b4) → TAC online → ARQC",
			card: "mc_contactless", tweak: mchip(func(o *sim.MChipOptions) { o.EstimatedTime = 0 }), cfg: k2Config, amount: 2000,
			outcome: Approved, tvr: "000000000A", tsi: "C000", cvm: "1F0302", cid: "80",
			apdus:  k2APDUs(k2GAC("90", "000000002000", "0156", "000000000A", "1F0302")),
			online: true, f55: k2F55("000000002000", "000000000A", "1F0302", "1981", "10"),
		},
		{
			name: "card without relay resistance", clause: "C-2: the reader supports it, the card's AIP byte 2 b1 does not → TVR byte 5 b2-b1 01 'not performed', no EXCHANGE RELAY RESISTANCE DATA",
			card: "mc_contactless", tweak: mchip(func(o *sim.MChipOptions) { o.RelayResistance = false }), cfg: k2Config, amount: 2000,
			outcome: Approved, tvr: "0000000001", tsi: "C000", cvm: "1F0302", cid: "40",
			apdus: append([]string{k2SelectPPSE, k2Select, k2GPO}, append(append([]string{}, k2Reads...),
				k2GAC("50", "000000002000", "0156", "0000000001", "1F0302"))...),
		},
		{
			name: "expired card", clause: "C-2 processing restrictions (Book 3 §10.4): expired → TVR byte 2 b7 → TAC online → ARQC",
			card: "mc_contactless", tweak: func(p *sim.Profile) { p.Apps[0].Expiry = "261120" }, cfg: k2Config, amount: 2000,
			outcome: Approved, tvr: "0040000002", tsi: "C000", cvm: "1F0302", cid: "80",
			apdus:  k2APDUs(k2GAC("90", "000000002000", "0156", "0040000002", "1F0302")),
			online: true, f55: k2F55("000000002000", "0040000002", "1F0302", "1981", "10"),
		},
		{
			name: "expired card, offline-only reader", clause: "C-2 TAA on an offline-only reader: TAC default hits expired → AAC; S910.74 (MPP_S910_74): a card's AAC for a purchase on a terminal with a contact reader (9F33 E0…) → Try Another Interface",
			card: "mc_contactless", tweak: func(p *sim.Profile) { p.Apps[0].Expiry = "261120" },
			cfg: k2With(func(c *Config) { c.OnlineCapable = false }), amount: 2000,
			outcome: Failed, errIs: ErrTryAnother, tvr: "0040000002", tsi: "C000", cvm: "1F0302", cid: "00",
			apdus: k2APDUs(k2GAC("00", "000000002000", "0156", "0040000002", "1F0302")),
		},
		{
			name: "card's AAC on a contactless-only terminal", clause: "C-2 S910.74: the same AAC where the terminal has no contact interface (9F33 byte 1 b6 clear) → Declined",
			card: "mc_contactless", tweak: func(p *sim.Profile) { p.Apps[0].Expiry = "261120" },
			cfg: k2With(func(c *Config) { c.OnlineCapable = false; c.Capabilities = "80F8C8" }), amount: 2000,
			outcome: Declined, tvr: "0040000002", tsi: "C000", cvm: "1F0302", cid: "00",
			apdus: k2APDUs(k2GAC("00", "000000002000", "0156", "0040000002", "1F0302")),
		},
		{
			name: "reader without relay resistance", clause: "C-2 S3.60/S3.65 (MPP_S3_60/65): the Kernel Configuration does not support RRP → no EXCHANGE RELAY RESISTANCE DATA and TVR byte 5 b2-b1 01 'RRP not performed' (not 00)",
			card: "mc_contactless", cfg: k2With(func(c *Config) { c.AIDs[1].Kernel2.RelayResistance = false }), amount: 2000,
			outcome: Approved, tvr: "0000000001", tsi: "C000", cvm: "1F0302", cid: "40",
			apdus: append([]string{k2SelectPPSE, k2Select, k2GPO}, append(append([]string{}, k2Reads...),
				k2GAC("50", "000000002000", "0156", "0000000001", "1F0302"))...),
		},
		{
			name: "wrong currency", clause: "M/Chip card risk: a USD amount cannot count towards the CNY offline limit → the card asks to go online; 5F2A 0840 to the host",
			card: "mc_contactless", cfg: k2With(func(c *Config) { c.Currency = "0840" }), amount: 2000,
			outcome: Approved, tvr: "0000000002", tsi: "C000", cvm: "1F0302", cid: "80",
			apdus:  k2APDUs(k2GAC("50", "000000002000", "0840", "0000000002", "1F0302")),
			online: true, f55: withF55(k2F55("000000002000", "0000000002", "1F0302", "1981", "10"), 0x5F2A, "0840"),
		},
		{
			name: "host declines", clause: "C-2 ARQC: the issuer's decline is the outcome",
			card: "mc_contactless", cfg: k2Config, amount: 8000, decline: true,
			outcome: OnlineDeclined, tvr: "0000008002", tsi: "C000", cvm: "1F0302", cid: "80",
			apdus:  k2APDUs(k2GAC("90", "000000008000", "0156", "0000008002", "1F0302")),
			online: true, f55: k2F55("000000008000", "0000008002", "1F0302", "1981", "10"),
		},
		{
			name: "host unreachable", clause: "C-2 ARQC without an answer → Declined",
			card: "mc_contactless", cfg: k2Config, amount: 8000, hostDown: true,
			outcome: Declined, errIs: ErrOffline, tvr: "0000008002", tsi: "C000", cvm: "1F0302", cid: "80",
			apdus:  k2APDUs(k2GAC("90", "000000008000", "0156", "0000008002", "1F0302")),
			online: true, f55: k2F55("000000008000", "0000008002", "1F0302", "1981", "10"),
		},
		{
			name: "CDCVM on a phone", clause: "C-2 on-device CVM: AIP byte 1 b2 and the reader support it, 150.00 > CVM limit → 9F34 01 00 02, no PIN; floor → ARQC; the issuer sees CVN 17 with the phone's CVR",
			card: "mc_phone", cfg: k2Config, amount: 15000,
			outcome: Approved, tvr: "0000008002", tsi: "8000", cvm: "010002", cid: "80",
			apdus:  k2APDUs(k2GAC("90", "000000015000", "0156", "0000008002", "010002")),
			online: true, f55: k2F55("000000015000", "0000008002", "010002", "1B81", "11"),
		},
		{
			name: "CDCVM on a phone, approved offline", clause: "C-2 on-device CVM with the AIP authenticated by CDA (9F4A = 82): reader floor 200.00 here, 150.00 → TC with CDA, 9F34 01 00 02, no PIN; the phone's own offline limit 200.00",
			card: "mc_phone", tweak: func(p *sim.Profile) { p.Apps[0].OfflineLimit = 20000 },
			cfg:     k2With(func(c *Config) { f := int64(20000); c.AIDs[1].Kernel2.FloorLimit = &f }),
			amount:  15000,
			outcome: Approved, tvr: "0000000002", tsi: "8000", cvm: "010002", cid: "40",
			apdus: k2APDUs(k2GAC("50", "000000015000", "0156", "0000000002", "010002")),
		},
		{
			name: "phone over the card limit, under the on-device CVM limit", clause: "C-2: 600.00 > 500.00 but ≤ 1000.00, the limit that applies with on-device CVM",
			card: "mc_phone", cfg: k2Config, amount: 60000,
			outcome: Approved, tvr: "0000008002", tsi: "8000", cvm: "010002", cid: "80",
			apdus:  k2APDUs(k2GAC("90", "000000060000", "0156", "0000008002", "010002")),
			online: true, f55: k2F55("000000060000", "0000008002", "010002", "1B81", "11"),
		},
		{
			name: "phone under the CVM limit", clause: "C-2 on-device CVM, amount ≤ CVM limit → 'No CVM' 3F 00 02; the phone goes online itself (its offline limit 0)",
			card: "mc_phone", cfg: k2Config, amount: 2000,
			outcome: Approved, tvr: "0000000002", tsi: "8000", cvm: "3F0002", cid: "80",
			apdus:  k2APDUs(k2GAC("50", "000000002000", "0156", "0000000002", "3F0002")),
			online: true, f55: k2F55("000000002000", "0000000002", "3F0002", "1B81", "11"),
		},
		{
			name: "phone needs its holder: See Phone", clause: "C-2: the phone answers AAC with POS Cardholder Interaction Information 'verification required' → Try Again / See Phone",
			card: "mc_phone", tweak: mchip(func(o *sim.MChipOptions) { o.CDCVM = "required" }), cfg: k2Config, amount: 15000,
			outcome: Failed, errIs: ErrSeePhone, tvr: "0000008002", tsi: "8000", cvm: "010002", cid: "00",
			apdus: k2APDUs(k2GAC("90", "000000015000", "0156", "0000008002", "010002")),
			check: func(t *testing.T, res *Result, _ *sim.Card) {
				if st := stepOf(res); st.Outcome != OutcomeTryAgain || st.UI.Message != MsgSeePhone {
					t.Errorf("step %v message %02X, want try again / see phone", st.Outcome, st.UI.Message)
				}
			},
		},
		{
			name: "reader without on-device CVM, phone", clause: "C-2: Kernel Configuration without on-device CVM → the phone is a card: CVM list, online PIN over the CVM limit",
			card: "mc_phone", cfg: k2With(func(c *Config) { c.AIDs[1].Kernel2.OnDeviceCVM = false }), amount: 15000,
			outcome: Approved, tvr: "0000048002", tsi: "C000", cvm: "420300", cid: "80",
			apdus:  k2APDUs(k2GAC("90", "000000015000", "0156", "0000048002", "420300")),
			online: true, f55: k2F55("000000015000", "0000048002", "420300", "1B81", "11"),
		},
		{
			name: "relay forges CDCVM on a plastic card, offline amount", clause: "CDCVM bypass: a relay sets AIP byte 1 b2 → the reader would skip the PIN; the AIP is in the CDA static data (9F4A = 82), so the ICC key does not recover → CDA failed; C-2 GAC.21-23 (MPP_Procedure.c): CDA failed with on-device CVM → GENERATE AC asks for an AAC, no CDA; the card's AAC on a contact-capable terminal → Try Another Interface (S910.74); nothing online",
			card: "mc_contactless", cfg: k2Config, amount: 15000,
			relay: func(cmd, resp []byte) []byte {
				if cmd[1] == 0xA8 {
					return setAIP(resp, 0x1B)
				}
				return resp
			},
			outcome: Failed, errIs: ErrTryAnother, tvr: "0400008002", tsi: "8000", cvm: "010002", cid: "00",
			apdus: k2APDUs(k2GAC("00", "000000015000", "0156", "0400008002", "010002")),
		},
		{
			name: "not a Mastercard answer", clause: "C-2: a GPO returning a cryptogram (a qVSDC card under a Mastercard AID) is a card data error",
			card: "visa_qvsdc", tweak: func(p *sim.Profile) { p.Apps[0].AID = "A0000000041010" }, cfg: k2Config, amount: 2000,
			outcome: Failed, errIs: ErrCardData, tvr: "0000000000", tsi: "0000", cvm: "3F0000", cid: "40",
			apdus: []string{k2SelectPPSE, k2Select, "80A8000023 8321 00000000 000000002000 000000000000 0156 0000000000 0156 261121 00 00000000 00"},
		},
	} {
		t.Run(c.name, c.run)
	}
}

// setAIP rewrites AIP byte 1 in a GPO response (77 template).
func setAIP(resp []byte, b1 byte) []byte {
	body, sw := resp[:len(resp)-2], resp[len(resp)-2:]
	inner, ok, _ := tlv.Find(body, 0x77)
	if !ok {
		return resp
	}
	var out []byte
	for s := tlv.NewScanner(inner); s.Next(); {
		if s.Tag() == 0x82 && len(s.Value()) == 2 {
			out = tlv.AppendTLV(out, 0x82, []byte{b1, s.Value()[1]})
			continue
		}
		out = append(out, s.Raw()...)
	}
	return append(tlv.AppendTLV(nil, 0x77, out), sw...)
}

// tearingCard loses the answer to GENERATE AC: the card leaves the field
// after computing it (processed) or before the command reaches it.
type tearingCard struct {
	*sim.Card
	processed bool
	lost      []byte
}

func (c *tearingCard) Transmit(ctx context.Context, apdu []byte) ([]byte, error) {
	if len(apdu) > 1 && apdu[1] == 0xAE {
		if c.processed {
			c.lost, _ = c.Card.Transmit(ctx, apdu)
		}
		c.Card.Remove()
		return nil, reader.ErrCardRemoved
	}
	return c.Card.Transmit(ctx, apdu)
}

type k2Terminal struct {
	k   *Kernel
	h   *acHost
	clk *fakeClock
}

func newK2Terminal(t *testing.T) *k2Terminal {
	cfg := loadConfig(t)
	k2Config(cfg)
	h := &acHost{t: t}
	clk := &fakeClock{t: testDay}
	cfg.Hooks, cfg.Rand, cfg.Clock = Hooks{OnlinePIN: onlinePIN, Online: h.online}, zeroRand{}, clk.now
	k, err := New(*cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &k2Terminal{k: k, h: h, clk: clk}
}

func (k *k2Terminal) tap(card reader.Card, amount int64) (*recordingCard, *Result) {
	rc := &recordingCard{Card: card}
	res, _ := k.k.RunContactless(context.Background(), reader.NewTransport(rc, reader.TransportOptions{}), Transaction{Amount: amount, Time: testDay})
	return rc, res
}

func apdus(cmds [][]byte) []string {
	out := make([]string, len(cmds))
	for i, c := range cmds {
		out[i] = fmt.Sprintf("%X", c)
	}
	return out
}

func sameAPDUs(t *testing.T, got [][]byte, want []string) {
	t.Helper()
	g := apdus(got)
	for i := 0; i < max(len(g), len(want)); i++ {
		var a, b string
		if i < len(g) {
			a = g[i]
		}
		if i < len(want) {
			b = strings.ReplaceAll(want[i], " ", "")
		}
		if !apduMatch(a, b) {
			t.Errorf("APDU %d: %s, want %s", i+1, a, b)
		}
	}
}

// TestKernel2TornRecovered: Book C-2 torn transaction recovery. Tap 1
// (20.00): the card computes its TC and leaves the field before the answer
// arrives — outcome Try Again ("present card again", Book A), one torn
// record, the card's ATC 17. Tap 2, same card: after the records, RECOVER
// AC with tap 1's DRDOL Related Data (C-2 S456.48-49: the card's DRDOL
// 9F37 04 9F02 06 5F2A 02 → UN 00000000, 20.00, 0156) instead of GENERATE
// AC; the card returns tap
// 1's answer, whose CDA verifies over tap 1's data: approved offline with
// tap 1's cryptogram and ATC, tap 1's TVR; no second cryptogram (the ATC
// moves only for tap 2's GPO), the torn log is empty.
// k2RecoverAC is RECOVER AC with the DRDOL Related Data of a 20.00 CNY
// tap (the reader's UN is 00000000 under zeroRand).
const k2RecoverAC = "80D000000C 00000000 000000002000 0156 00"

func TestKernel2TornRecovered(t *testing.T) {
	term := newK2Terminal(t)
	card := loadCard(t, "mc_contactless", nil)
	card.SetSleep(term.clk.advance)
	tear := &tearingCard{Card: card, processed: true}
	rc := &recordingCard{Card: tear}
	s, step := term.k.StartContactless(context.Background(), reader.NewTransport(rc, reader.TransportOptions{}), Transaction{Amount: 2000, Time: testDay})
	_ = s
	gac := k2GAC("50", "000000002000", "0156", "0000000002", "1F0302")
	if step.Outcome != OutcomeTryAgain || step.UI.Message != MsgPresentCardAgain || term.k.TornRecords() != 1 || card.ATC(0) != 17 {
		t.Fatalf("tap 1: %v %02X, %d torn, ATC %d; want try again, 1 torn, ATC 17", step.Outcome, step.UI.Message, term.k.TornRecords(), card.ATC(0))
	}
	sameAPDUs(t, rc.cmds, k2APDUs(gac))
	lostAC, _, _ := tlv.Find(tear.lost[:len(tear.lost)-2], 0x9F26)
	card.Insert()
	rc2, res := term.tap(card, 2000)
	sameAPDUs(t, rc2.cmds, k2APDUs(k2RecoverAC))
	if res.Outcome != Approved || res.CID.Type() != emv.TC || !bytes.Equal(res.Cryptogram, lostAC) || len(lostAC) != 8 {
		t.Fatalf("tap 2: %v %v cryptogram %X, want approved with tap 1's TC %X (err %v)", res.Outcome, res.CID.Type(), res.Cryptogram, lostAC, res.Err)
	}
	if fmt.Sprintf("%X", res.TVR[:]) != "0000000002" || fmt.Sprintf("%X", res.Data[0x9F36]) != "0011" || card.ATC(0) != 18 || term.k.TornRecords() != 0 || term.h.calls != 0 {
		t.Errorf("TVR %X ATC %X card ATC %d torn %d host %d; want 0000000002, 0011, 18, 0, 0", res.TVR[:], res.Data[0x9F36], card.ATC(0), term.k.TornRecords(), term.h.calls)
	}
}

// TestKernel2TornNotProcessed: the GENERATE AC never reached the card:
// RECOVER AC gets 6A88 (no such answer) and the kernel carries on with a
// new GENERATE AC — one cryptogram in all.
func TestKernel2TornNotProcessed(t *testing.T) {
	term := newK2Terminal(t)
	card := loadCard(t, "mc_contactless", nil)
	card.SetSleep(term.clk.advance)
	_, res := term.tap(&tearingCard{Card: card}, 2000)
	if !errors.Is(res.Err, reader.ErrCardRemoved) || term.k.TornRecords() != 1 {
		t.Fatalf("tap 1: %v, %d torn", res.Err, term.k.TornRecords())
	}
	card.Insert()
	rc, res := term.tap(card, 2000)
	gac := k2GAC("50", "000000002000", "0156", "0000000002", "1F0302")
	sameAPDUs(t, rc.cmds, k2APDUs(k2RecoverAC, gac))
	if res.Outcome != Approved || term.k.TornRecords() != 0 {
		t.Fatalf("tap 2: %v (%v), %d torn", res.Outcome, res.Err, term.k.TornRecords())
	}
}

// TestKernel2TornWithoutDRDOL: Book C-2 S9.5 (open MPP kernel,
// xwanyux/AS350PLUS_SP MPP_S9_5): a card without a DRDOL (9F51) leaves no
// torn record — the tap ends Try Again and the next tap of the card runs a
// plain GENERATE AC.
func TestKernel2TornWithoutDRDOL(t *testing.T) {
	term := newK2Terminal(t)
	noDRDOL := func(p *sim.Profile) { delete(p.Apps[0].Extra, "9F51") }
	card := loadCard(t, "mc_contactless", noDRDOL)
	card.SetSleep(term.clk.advance)
	_, res := term.tap(&tearingCard{Card: card, processed: true}, 2000)
	if !errors.Is(res.Err, reader.ErrCardRemoved) || term.k.TornRecords() != 0 {
		t.Fatalf("tap 1: %v, %d torn; want card removed and no torn record", res.Err, term.k.TornRecords())
	}
	card.Insert()
	rc, res := term.tap(card, 2000)
	sameAPDUs(t, rc.cmds, k2APDUs(k2GAC("50", "000000002000", "0156", "0000000002", "1F0302")))
	if res.Outcome != Approved {
		t.Fatalf("tap 2: %v (%v)", res.Outcome, res.Err)
	}
}

// TestKernel2TornOtherCardAndExpiry: a torn record is only for its card
// (PAN and PSN): another card gets no RECOVER AC and the record stays;
// after the record's lifetime (300 s by default) the same card gets none
// either and the record is dropped.
func TestKernel2TornOtherCardAndExpiry(t *testing.T) {
	term := newK2Terminal(t)
	card := loadCard(t, "mc_contactless", nil)
	card.SetSleep(term.clk.advance)
	term.tap(&tearingCard{Card: card, processed: true}, 2000)
	card.Insert()
	other := loadCard(t, "mc_contactless", func(p *sim.Profile) { p.Apps[0].PAN = "5413330089020037" })
	other.SetSleep(term.clk.advance)
	rc, res := term.tap(other, 2000)
	gac := k2GAC("50", "000000002000", "0156", "0000000002", "1F0302")
	sameAPDUs(t, rc.cmds, k2APDUs(gac))
	if res.Outcome != Approved || term.k.TornRecords() != 1 {
		t.Fatalf("other card: %v, %d torn", res.Outcome, term.k.TornRecords())
	}
	term.clk.advance(301 * time.Second)
	rc, res = term.tap(card, 1000)
	sameAPDUs(t, rc.cmds, k2APDUs(k2GAC("50", "000000001000", "0156", "0000000002", "1F0302")))
	if res.Outcome != Approved || term.k.TornRecords() != 0 {
		t.Fatalf("after expiry: %v, %d torn", res.Outcome, term.k.TornRecords())
	}
}

// TestKernel2NotConfigured: without kernel2 settings the reader does not
// run Kernel 2 for the AID (Book B: no such combination), so a Mastercard
// tap is Try Another Interface as before.
func TestKernel2NotConfigured(t *testing.T) {
	s := newScenario(t, nil)
	_, res := tap(t, s, loadCard(t, "mc_contactless", nil), 2000)
	if !errors.Is(res.Err, ErrTryAnother) {
		t.Fatalf("%v %v, want try another interface", res.Outcome, res.Err)
	}
}

// TestKernel2ConfigChecked: bad Kernel 2 settings are refused at load with
// the field named.
func TestKernel2ConfigChecked(t *testing.T) {
	neg := int64(-1)
	for _, bad := range []func(*Kernel2Config){
		func(c *Kernel2Config) { c.CVMRequiredLimit = &neg },
		func(c *Kernel2Config) { c.CVMCapabilityNoCVM = "0808" },
		func(c *Kernel2Config) { c.CVMCapabilityCVMRequired = "zz" },
		func(c *Kernel2Config) { c.MaxTorn = -1 },
	} {
		cfg := loadConfig(t)
		k2Config(cfg)
		bad(cfg.AIDs[1].Kernel2)
		if err := cfg.check(); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "aids[1].kernel2") {
			t.Errorf("check: %v", err)
		}
	}
}

// TestKernel2Session: Book A outcomes through the Session API. An ARQC
// (80.00 > floor) stops at an Online Request whose field 55 carries the
// M/Chip CVN 16 IAD and the ARQC; the host's approval (Resume) ends with
// Approved and message 03; the See Phone answer of a phone is Try Again
// with message 20.
func TestKernel2Session(t *testing.T) {
	term := newK2Terminal(t)
	card := loadCard(t, "mc_contactless", nil)
	card.SetSleep(term.clk.advance)
	s, step := term.k.StartContactless(context.Background(), reader.NewTransport(card, reader.TransportOptions{}), Transaction{Amount: 8000, Time: testDay})
	if step.Outcome != OutcomeOnlineRequest || step.Online == nil || step.UI.Message != MsgAuthorisingPleaseWait {
		t.Fatalf("step %v %02X, want online request", step.Outcome, step.UI.Message)
	}
	iad, _, _ := tlv.Find(step.Online.Field55, 0x9F10)
	ac, _, _ := tlv.Find(step.Online.Field55, 0x9F26)
	if len(iad) != 18 || iad[1] != 0x10 || len(ac) != 8 || step.Online.Amount != 8000 {
		t.Fatalf("field 55 IAD %X AC %X amount %d", iad, ac, step.Online.Amount)
	}
	if _, err := term.h.online(context.Background(), step.Online); err != nil || !term.h.verified {
		t.Fatalf("issuer: %v", err)
	}
	step = s.Resume(&OnlineResponse{Approved: true, ARC: [2]byte{'0', '0'}})
	if step.Outcome != OutcomeApproved || step.UI.Message != MsgApproved || step.Result.CID.Type() != emv.ARQC {
		t.Fatalf("after resume: %v %02X %v", step.Outcome, step.UI.Message, step.Result.CID.Type())
	}
	phone := loadCard(t, "mc_phone", mchip(func(o *sim.MChipOptions) { o.CDCVM = "required" }))
	phone.SetSleep(term.clk.advance)
	_, step = term.k.StartContactless(context.Background(), reader.NewTransport(phone, reader.TransportOptions{}), Transaction{Amount: 15000, Time: testDay})
	if step.Outcome != OutcomeTryAgain || step.UI.Message != MsgSeePhone {
		t.Fatalf("phone: %v %02X, want try again / see phone", step.Outcome, step.UI.Message)
	}
}

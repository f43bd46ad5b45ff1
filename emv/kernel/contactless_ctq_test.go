package kernel

import (
	"errors"
	"testing"

	"github.com/possdk/pos/reader/sim"
	"github.com/possdk/pos/tlv"
)

// gpoType is gpo with a transaction type (9C) other than 00.
func gpoType(ttq, amount, typ string) string {
	return "80A8000023 8321" + ttq + amount + "000000000000" + "0156" + "0000000000" + "0156" + "261121" + typ + "00000000" + "00"
}

// TestGoldenCTQ: the Card Transaction Qualifiers options of EMV
// Contactless Book C-3 Annex A.2 (9F6C byte 1: b6 Go Online if Offline
// Data Authentication Fails and Reader is online capable, b5 Switch
// Interface if Offline Data Authentication fails and Reader supports
// contact chip, b4 Go Online if Application Expired, b3 Switch Interface
// for Cash Transactions, b2 Switch Interface for Cashback Transactions;
// byte 2 b8 Consumer Device CVM Performed is in TestGoldenContactless and
// contactless_cvm_test.go). The reader: TTQ 36004000 (byte 1 b5 EMV
// contact chip supported, b4 clear: not offline-only), online capable;
// Visa limits 500.00 / 100.00 / 50.00. The visa_qvsdc card approves
// 20.00 offline (its offline limit is 30.00) with a TC (9F27 40) and
// fDDA; its IAD for that TC is 06 00 12 03 90 00 00 (VIS CVR byte 2: second
// AC not requested 10, first AC TC 01).
func TestGoldenCTQ(t *testing.T) {
	start := []string{"00A404000E325041592E5359532E444446303100", apduSelectVisa}
	reads := []string{apduRead11, apduRead21, apduRead31, apduRead32}
	ctq := func(v string, more ...func(*sim.Profile)) func(*sim.Profile) {
		return func(p *sim.Profile) {
			p.Apps[0].CTQ = v
			for _, m := range more {
				m(p)
			}
		}
	}
	corrupt := func(p *sim.Profile) { p.Faults.CorruptSDAD = true }
	expired := func(p *sim.Profile) { p.Apps[0].Expiry = "261120" }
	tryAnother := func(t *testing.T, r *Result) {
		if !errors.Is(r.Err, ErrTryAnother) || r.WentOnline {
			t.Errorf("err %v, online %v: want Try Another Interface, not online", r.Err, r.WentOnline)
		}
	}
	wentOnline := func(t *testing.T, r *Result) {
		if !r.WentOnline || r.Err != nil {
			t.Errorf("online %v err %v: want an online approval", r.WentOnline, r.Err)
		}
	}
	tcOnline := map[tlv.Tag]string{0x9F27: "40", 0x9F10: "06001203900000"}
	for _, g := range []golden{
		{
			name:   "switch interface for cash",
			clause: "Book C-3 Annex A.2 CTQ byte 1 b3: cash (9C 01) and the reader supports contact chip (TTQ byte 1 b5) → Try Another Interface, no record read",
			card:   "visa_qvsdc", contactless: true, amount: 2000, txType: 0x01,
			tweak:   ctq("0400"),
			outcome: Failed, tvr: "0000000000", tsi: "0000", cvm: "3F0000", cid: "40",
			apdus: append(append([]string{}, start...), gpoType("36004000", "000000002000", "01")),
			check: tryAnother,
		},
		{
			name:   "switch interface for cashback",
			clause: "Book C-3 Annex A.2 CTQ byte 1 b2: cashback (9C 09) → Try Another Interface",
			card:   "visa_qvsdc", contactless: true, amount: 2000, txType: 0x09,
			tweak:   ctq("0200"),
			outcome: Failed, tvr: "0000000000", tsi: "0000", cvm: "3F0000", cid: "40",
			apdus: append(append([]string{}, start...), gpoType("36004000", "000000002000", "09")),
			check: tryAnother,
		},
		{
			name:   "cash bit on a purchase is not applied",
			clause: "Book C-3 Annex A.2 CTQ byte 1 b3 applies to cash only: a purchase (9C 00) is approved offline with fDDA",
			card:   "visa_qvsdc", contactless: true, amount: 2000,
			tweak:   ctq("0600"),
			outcome: Approved, tvr: "0000000000", tsi: "8000", cvm: "1F0002", cid: "40",
			apdus: append(append(append([]string{}, start...), gpo("36004000", "000000002000")), reads...),
		},
		{
			name:   "switch interface for cash on a reader without contact chip",
			clause: "Book C-3 Annex A.2 CTQ byte 1 b3 needs a reader that supports contact chip: TTQ 26004000 (byte 1 b5 clear) → the cash tap goes on, approved offline",
			card:   "visa_qvsdc", contactless: true, amount: 2000, txType: 0x01,
			tweak:   ctq("0400"),
			cfg:     func(c *Config) { c.AIDs[0].TTQ = "26004000" },
			outcome: Approved, tvr: "0000000000", tsi: "8000", cvm: "1F0002", cid: "40",
			apdus: append(append(append([]string{}, start...), gpoType("26004000", "000000002000", "01")), reads...),
		},
		{
			name:   "fDDA fails, card asks to go online",
			clause: "Book C-3 Annex A.2 CTQ byte 1 b6: the offline approval's fDDA fails (TVR byte 1 b4, DDA failed), the reader is online capable → online with the card's TC; the issuer approves",
			card:   "visa_qvsdc", contactless: true, amount: 2000,
			tweak:   ctq("2000", corrupt),
			outcome: Approved, tvr: "0800000000", tsi: "8000", cvm: "1F0002", cid: "40",
			apdus: append(append(append([]string{}, start...), gpo("36004000", "000000002000")), reads...),
			f55:   tcOnline,
			check: wentOnline,
		},
		{
			name:   "fDDA fails, card asks to switch interface",
			clause: "Book C-3 Annex A.2 CTQ byte 1 b5: fDDA fails and the reader supports contact chip → Try Another Interface",
			card:   "visa_qvsdc", contactless: true, amount: 2000,
			tweak:   ctq("1000", corrupt),
			outcome: Failed, tvr: "0800000000", tsi: "0000", cvm: "1F0002", cid: "40",
			apdus: append(append(append([]string{}, start...), gpo("36004000", "000000002000")), reads...),
			check: tryAnother,
		},
		{
			name:   "fDDA fails, both options: online first",
			clause: "Book C-3 Annex A.2 CTQ byte 1 b6 and b5 both set on an online-capable reader: online is taken (b6 is checked first; the order is our reading, see the report)",
			card:   "visa_qvsdc", contactless: true, amount: 2000,
			tweak:   ctq("3000", corrupt),
			outcome: Approved, tvr: "0800000000", tsi: "8000", cvm: "1F0002", cid: "40",
			apdus: append(append(append([]string{}, start...), gpo("36004000", "000000002000")), reads...),
			f55:   tcOnline,
			check: wentOnline,
		},
		{
			name:   "fDDA fails, go-online bit on an offline-only reader",
			clause: "Book C-3 Annex A.2 CTQ byte 1 b6 needs an online-capable reader: TTQ 3E004000 (byte 1 b4 offline-only) → declined",
			card:   "visa_qvsdc", contactless: true, amount: 2000,
			tweak:   ctq("2000", corrupt),
			cfg:     func(c *Config) { c.AIDs[0].TTQ = "3E004000" },
			outcome: Declined, tvr: "0800000000", tsi: "0000", cvm: "1F0002", cid: "40",
			apdus: append(append(append([]string{}, start...), gpo("3E004000", "000000002000")), reads...),
		},
		{
			name:   "fDDA fails, no CTQ option",
			clause: "Book C-3: fDDA failed on an offline approval and the CTQ names neither option → declined",
			card:   "visa_qvsdc", contactless: true, amount: 2000,
			tweak:   ctq("0000", corrupt),
			outcome: Declined, tvr: "0800000000", tsi: "0000", cvm: "1F0002", cid: "40",
			apdus: append(append(append([]string{}, start...), gpo("36004000", "000000002000")), reads...),
		},
		{
			name:   "expired application, card asks to go online",
			clause: "Book C-3 Annex A.2 CTQ byte 1 b4: the offline approval's application expired 26-11-20 (TVR byte 2 b7) → online with the TC, no fDDA (TVR byte 1 b8); the issuer approves",
			card:   "visa_qvsdc", contactless: true, amount: 2000,
			tweak:   ctq("0800", expired),
			outcome: Approved, tvr: "8040000000", tsi: "0000", cvm: "1F0002", cid: "40",
			apdus: append(append(append([]string{}, start...), gpo("36004000", "000000002000")), reads...),
			f55:   tcOnline,
			check: wentOnline,
		},
		{
			name:   "expired and not yet effective: go-online bit does not apply",
			clause: "Book C-3 Annex A.2 CTQ byte 1 b4 covers the expiry only: not yet effective as well (TVR byte 2 b6) → declined",
			card:   "visa_qvsdc", contactless: true, amount: 2000,
			tweak:   ctq("0800", expired, func(p *sim.Profile) { p.Apps[0].Effective = "261122" }),
			outcome: Declined, tvr: "0060000000", tsi: "0000", cvm: "3F0000", cid: "40",
			apdus: append(append(append([]string{}, start...), gpo("36004000", "000000002000")), reads...),
		},
	} {
		t.Run(g.name, g.run)
	}
}

// TestTTQIssuerUpdateRefused: Book C-3 Annex A.2 — TTQ byte 3 b8
// "Issuer Update Processing supported" invites the card to expect issuer
// update processing after the online response (CTQ byte 2 b7); the
// reader does none, so a configuration claiming it is refused.
func TestTTQIssuerUpdateRefused(t *testing.T) {
	cfg := loadConfig(t)
	cfg.AIDs[0].TTQ = "36004080"
	if _, err := New(*cfg); err != nil {
		t.Fatalf("byte 4 b8 (RFU here) refused: %v", err)
	}
	cfg.AIDs[0].TTQ = "36008000"
	if _, err := New(*cfg); !errors.Is(err, ErrConfig) {
		t.Fatalf("TTQ 36008000: err %v, want ErrConfig", err)
	}
}

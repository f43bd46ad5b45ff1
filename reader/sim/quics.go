package sim

import (
	"bytes"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/tlv"
)

// qUICS answers GPO for a UnionPay QuickPass application (EMV Contactless
// Book C-7 card side, UnionPay qPBOC/qUICS practice) with the card's own
// decision, which never looks at what the terminal decided, only at what
// it sent in the PDOL:
//
//   - a blocked application answers AAC;
//   - the reader's TTQ byte 2 b8 (online cryptogram required): ARQC;
//   - electronic cash: when the terminal says it supports it (9F7A = 01),
//     the transaction is in the application currency (5F2A = 9F42), the
//     amount is not zero and at most the balance, the card approves offline
//     (TC with an fDDA signature) and spends the balance;
//   - otherwise ARQC, or AAC when the reader is offline only (TTQ byte 1
//     b4).
//
// The response carries the PBOC IAD (CVN 01), the CTQ and, for an
// electronic-cash application, the Available Offline Spending Amount
// (9F5D) after this transaction.
func (c *Card) qUICS(a *application, pdolData []byte) []byte {
	v, _ := dolValues(a.pdol, pdolData)
	ctr := &c.ctr[c.st.app]
	ttq := v[0x9F66]
	onlineRequired := len(ttq) >= 2 && ttq[1]&0x80 != 0
	offlineOnly := len(ttq) >= 1 && ttq[0]&0x08 != 0
	amt := amount(v[0x9F02])
	c.st.amount = amt
	r := c.risk(a, v)
	c.st.risk = r
	ecOK := a.hasEC && bytes.Equal(v[emv.TagUnionPayECTerminalSupportIndicator], []byte{0x01}) && len(a.currency) == 2 &&
		bytes.Equal(v[0x5F2A], a.currency) && amt > 0 && amt <= ctr.ecBalance
	var cid byte
	switch {
	case ctr.blocked:
		cid = cidAAC
	case onlineRequired && c.profile.Faults.TCForARQC:
		cid = cidTC // deliberately non-conforming
	case onlineRequired:
		cid = cidARQC
	case ecOK:
		cid = cidTC
	case offlineOnly:
		cid = cidAAC
	default:
		cid = cidARQC
	}
	var spent func()
	if cid == cidTC && ecOK {
		spent = func() { ctr.ecBalance -= amt }
	}
	var extra func(*tlv.Builder)
	if a.hasEC {
		// The Available Offline Spending Amount after this transaction.
		extra = func(b *tlv.Builder) { b.Add(emv.TagUnionPayAvailableOfflineSpendingAmount, bcd12(ctr.ecBalance)) }
	}
	// The CTQ rule is qVSDC's: qPBOC cards return it the same way.
	return c.oneTapAnswer(a, v, cid, r, qvsdcCTQ(a.ctq, ttq), spent, extra)
}

// ECBalance is the electronic cash balance of application i (UnionPay
// 9F79), 0 when it has none.
func (c *Card) ECBalance(i int) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if i < 0 || i >= len(c.ctr) {
		return 0
	}
	return c.ctr[i].ecBalance
}

// bcd12 encodes minor units as n12 (6 bytes BCD).
func bcd12(v int64) []byte {
	out := make([]byte, 6)
	for i := 5; i >= 0; i-- {
		out[i] = byte(v%10) | byte(v/10%10)<<4
		v /= 100
	}
	return out
}

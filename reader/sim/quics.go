package sim

import (
	"bytes"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/emv/oda"
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
	c.st.genACs = 1
	c.st.firstCID = cid
	iad := c.iad(a, cid, false, false, r)
	d := cryptogramData(a, v, c.st.atc, iad)
	ac, good := c.ac(a, d)
	if !good {
		return sw(0x6F00)
	}
	c.st.lastAC, c.st.lastCID = ac, cid
	if cid == cidTC && ecOK {
		ctr.ecBalance -= amt
	}
	if cid != cidARQC {
		c.record(a, cid, false, v)
	}
	ctq := quicsCTQ(a.ctq, ttq)
	cardAuth := a.cardAuth
	if len(ctq) == 2 && len(cardAuth) >= 2 {
		// 9F69 carries (and fDDA signs) the CTQ the card returns.
		cardAuth = append(append([]byte(nil), cardAuth[:len(cardAuth)-2]...), ctq...)
	}
	var sdad []byte
	if cid == cidTC && a.icc != nil {
		var err error
		if sdad, err = c.signDynamic(a, oda.DDADynamicData(c.randomBytes(4)), oda.FDDAData(v[0x9F37], v[0x9F02], v[0x5F2A], cardAuth)); err != nil {
			return sw(0x6F00)
		}
	}
	b := tlv.NewBuilder(nil)
	b.AddConstructed(0x77, func(b *tlv.Builder) {
		b.Add(0x82, a.aip)
		if a.icc != nil {
			b.Add(0x94, a.afl)
		}
		b.Add(0x57, a.track2)
		b.Add(0x5F34, a.psn)
		b.Add(0x9F10, d.IAD)
		b.Add(0x9F26, ac)
		b.Add(0x9F27, []byte{cid})
		b.Add(0x9F36, d.ATC[:])
		if len(ctq) > 0 {
			if c.profile.Faults.ForgedCDCVM && len(ctq) == 2 {
				ctq = []byte{ctq[0], ctq[1] | 0x80}
			}
			b.Add(0x9F6C, ctq)
		}
		if a.hasEC {
			b.Add(emv.TagUnionPayAvailableOfflineSpendingAmount, bcd12(ctr.ecBalance))
		}
		if sdad != nil {
			b.Add(0x9F69, cardAuth)
			b.Add(0x9F4B, sdad)
		}
	})
	out, _ := b.Bytes()
	return ok(out)
}

// quicsCTQ is the CTQ the card returns (qPBOC/qVSDC card behaviour): the
// personalised CVM it wants (byte 1 b8 online PIN, b7 signature) only when
// the reader says a CVM is required (TTQ byte 2 b7); its other bits always.
func quicsCTQ(personal, ttq []byte) []byte {
	if len(personal) != 2 {
		return personal
	}
	ctq := []byte{personal[0], personal[1]}
	if len(ttq) < 2 || ttq[1]&0x40 == 0 {
		ctq[0] &^= 0xC0
	}
	return ctq
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

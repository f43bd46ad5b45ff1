package sim

import (
	"bytes"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/tlv"
)

// Card risk management, written from the card's side: VIS 1.5 §"Card Risk
// Management" and Appendix A (CVR), EMV Book 3 Annex C (Common Core
// Definitions: C7.3 CVR, C9 IAD) and the PBOC/UICS CVR. The card's checks
// decide whether it asks to go online; the terminal's request only caps
// the answer (genac.go). Nothing here reads the terminal's decisions
// except its request, the ARC it passes in the CDOL2 and the TVR the card
// records for the next transaction.

// riskResult is the card's view at the first GENERATE AC (or qVSDC GPO);
// the second GENERATE AC reuses it so the CVR reports the state the
// transaction started with.
type riskResult struct {
	newCard, pinLimit, velocity                                 bool
	lowerCount, upperCount, lowerAmount, upperAmount            bool
	onlineNotCompleted, issuerAuthFailedLast, issuerAuthNotDone bool
	sdaFailedLast, ddaFailedLast, scriptFailedLast              bool
	scriptsLast                                                 int
}

// risk runs the card's checks for the selected application.
func (c *Card) risk(a *application, v map[tlv.Tag][]byte) riskResult {
	ctr := &c.ctr[c.st.app]
	r := riskResult{
		newCard:              ctr.lastOnline == 0,
		pinLimit:             c.profile.PIN != "" && c.pinTries <= 0,
		onlineNotCompleted:   ctr.onlineNotCompleted,
		issuerAuthFailedLast: ctr.issuerAuthFailedLast,
		issuerAuthNotDone:    ctr.issuerAuthNotDone,
		sdaFailedLast:        ctr.sdaFailedLast,
		ddaFailedLast:        ctr.ddaFailedLast,
		scriptFailedLast:     ctr.scriptFailedLast,
		scriptsLast:          ctr.scriptsLast,
	}
	// Consecutive offline transactions: ATC - Last Online ATC Register,
	// with this transaction's ATC (the same count EMV Book 3 §10.6.3 has
	// the terminal make from GET DATA 9F36 and 9F13).
	n := int(c.st.atc) - int(ctr.lastOnline)
	l := a.limits
	r.lowerCount = l.lowerCount >= 0 && n > l.lowerCount
	r.upperCount = l.upperCount >= 0 && n > l.upperCount
	// Cumulative offline amount: only amounts in the application currency
	// add up; another currency cannot be counted and so exceeds any limit.
	amt := c.st.amount
	sameCurrency := len(a.currency) == 2 && bytes.Equal(v[emv.TagTransactionCurrencyCode], a.currency) && amt >= 0
	total := ctr.offlineAmount + amt
	r.lowerAmount = l.lowerAmount >= 0 && (!sameCurrency || total > l.lowerAmount)
	r.upperAmount = l.upperAmount >= 0 && (!sameCurrency || total > l.upperAmount)
	r.velocity = r.lowerCount || r.upperCount || r.lowerAmount || r.upperAmount
	return r
}

// online: the card wants this transaction to go online.
func (r riskResult) online(act CardAction) bool {
	return r.velocity ||
		r.newCard && !act.OfflineNewCard ||
		r.pinLimit && !act.OfflinePINTryLimitExceeded ||
		r.onlineNotCompleted || r.issuerAuthFailedLast ||
		r.sdaFailedLast || r.ddaFailedLast
}

// declineOffline: the card refuses an offline approval when the terminal
// could not go online (the upper limits, VIS and CCD).
func (r riskResult) declineOffline(act CardAction) bool {
	return r.upperCount || r.upperAmount || act.DeclineIfUnableOnline
}

// firstDecision: the first GENERATE AC (EMV Book 3 §9.3, Table 13).
func (c *Card) firstDecision(a *application, asked byte, r riskResult) byte {
	f := c.profile.Faults
	switch asked {
	case cidAAC:
		if f.TCForAAC {
			return cidTC // deliberately non-conforming
		}
		return cidAAC
	case cidARQC:
		if f.TCForARQC {
			return cidTC // deliberately non-conforming
		}
		return cidARQC
	}
	if r.online(a.action) {
		return cidARQC
	}
	return cidTC
}

// secondDecision: the second GENERATE AC, after the ARQC. cdol2 holds the
// terminal's CDOL2 values (8A, maybe 91).
func (c *Card) secondDecision(a *application, asked byte, cdol2 map[tlv.Tag][]byte, r riskResult) byte {
	if iad := cdol2[0x91]; len(iad) > 0 && !allZero(iad) && c.st.issuerAuth == 0 {
		// CCD: issuer authentication data travels in the CDOL2.
		c.st.issuerAuth = -1
		if c.checkARPC(a, iad) {
			c.st.issuerAuth = 1
		}
	}
	arc := cdol2[0x8A]
	// Y3 or Z3 says the terminal could not go online, whatever it asks
	// for: the CVR records it (VIS CVR byte 2 b1, CCD byte 4 b1) and the
	// transaction is not an online one for the counters (record).
	c.st.unableOnline = unableOnline(arc)
	if asked == cidAAC {
		if c.profile.Faults.TCForAAC {
			return cidTC
		}
		return cidAAC
	}
	switch {
	case c.st.unableOnline:
		if r.declineOffline(a.action) {
			return cidAAC
		}
		return cidTC
	case !approvedARC(arc):
		return cidAAC // the issuer declined (or referred)
	case c.st.issuerAuth < 0 && !a.action.ApproveIfIssuerAuthFailed:
		return cidAAC
	case c.st.issuerAuth == 0 && a.issuerAuthSupported() && a.action.DeclineIfIssuerAuthNotPerformed:
		return cidAAC
	}
	return cidTC
}

// issuerAuthSupported: AIP byte 1 bit 3 (EMV Book 3 Annex C1).
func (a *application) issuerAuthSupported() bool { return len(a.aip) == 2 && a.aip[0]&0x04 != 0 }

// record updates what the application remembers after it answered a
// cryptogram of type cid.
func (c *Card) record(a *application, cid byte, second bool, v map[tlv.Tag][]byte) {
	ctr := &c.ctr[c.st.app]
	sameCurrency := len(a.currency) == 2 && bytes.Equal(v[emv.TagTransactionCurrencyCode], a.currency) && c.st.amount >= 0
	if !second && cid == cidARQC {
		ctr.onlineNotCompleted = true
		return
	}
	// The transaction is complete.
	c.logTransaction(a, ctr, cid, v)
	online := second && !c.st.unableOnline
	ctr.onlineNotCompleted = false
	if cid == cidTC && !online && sameCurrency {
		ctr.offlineAmount += c.st.amount
	}
	if online {
		switch {
		case c.st.issuerAuth > 0 || !a.issuerAuthSupported():
			// The online transaction completed with the issuer: reset the
			// velocity counters (VIS, CCD "issuer authentication passed").
			ctr.lastOnline = c.st.atc
			ctr.offlineAmount = 0
			ctr.issuerAuthFailedLast, ctr.issuerAuthNotDone = false, false
		case c.st.issuerAuth < 0:
			ctr.issuerAuthFailedLast = true
		default:
			ctr.issuerAuthNotDone = true
		}
	}
	declinedOffline := cid == cidAAC && !online
	var tvr emv.TVR
	copy(tvr[:], v[emv.TagTVR])
	ctr.sdaFailedLast = declinedOffline && tvr[0]&0x40 != 0
	ctr.ddaFailedLast = declinedOffline && tvr[0]&0x0C != 0
}

// cvrType codes an AC type for the CVR: 00 AAC, 01 TC, 10 ARQC (first
// GENERATE AC) or "not requested" (second).
func cvrType(cid byte) byte { return cid >> 6 }

func b(v bool, bit byte) byte {
	if v {
		return bit
	}
	return 0
}

// iad builds the Issuer Application Data of the cryptogram being returned
// (cid), with the CVR in the scheme's layout: VIS format 0/1/3 (06 DKI CVN
// CVR), PBOC/UICS (07 DKI 01 CVR 01) or CCD format A (EMV Book 3 C9).
func (c *Card) iad(a *application, cid byte, second, cda bool, r riskResult) []byte {
	first, snd := cvrType(cid), byte(0x02)
	if second {
		first, snd = cvrType(c.st.firstCID), cvrType(cid)
	}
	s := &c.st
	pinFailed := s.pinTried && s.pinFailed
	online := second && !s.unableOnline
	switch a.method {
	case emv.CCD:
		iad := make([]byte, 32)
		iad[0], iad[1], iad[2] = 0x0F, 0xA5, a.dki
		cvr := iad[3:8]
		cvr[0] = snd<<6 | first<<4 | b(cda, 0x08) | b(s.ddaDone, 0x04) |
			b(online && s.issuerAuth == 0 && a.issuerAuthSupported(), 0x02) | b(s.issuerAuth < 0, 0x01)
		tries := c.pinTries
		if tries > 15 {
			tries = 15
		}
		cvr[1] = byte(tries)<<4 | b(s.pinTried, 0x08) | b(pinFailed, 0x04) | b(r.pinLimit, 0x02) | b(r.onlineNotCompleted, 0x01)
		cvr[2] = b(r.lowerCount, 0x80) | b(r.upperCount, 0x40) | b(r.lowerAmount, 0x20) | b(r.upperAmount, 0x10)
		cvr[3] = byte(min(r.scriptsLast, 15))<<4 | b(r.scriptFailedLast, 0x08) | b(r.sdaFailedLast || r.ddaFailedLast, 0x04) | b(s.unableOnline, 0x01)
		iad[16] = 0x0F
		return iad
	}
	cvr := []byte{0x03,
		snd<<6 | first<<4 | b(s.issuerAuth < 0, 0x08) | b(s.pinTried, 0x04) | b(pinFailed, 0x02) | b(s.unableOnline, 0x01),
		b(r.onlineNotCompleted, 0x80) | b(r.pinLimit, 0x40) | b(r.velocity, 0x20) | b(r.newCard, 0x10) |
			b(r.issuerAuthFailedLast, 0x08) | b(r.issuerAuthNotDone, 0x04) | b(r.sdaFailedLast, 0x01),
		byte(min(r.scriptsLast, 15))<<4 | b(r.scriptFailedLast, 0x08) | b(r.ddaFailedLast, 0x04),
	}
	if a.method == emv.PBOCCVN01 {
		// PBOC/UICS: CVR byte 4 b2-b1 are RFU.
		return append(append([]byte{0x07, a.dki, 0x01}, cvr...), 0x01)
	}
	cvr[3] |= b(s.ddaDone || s.cdaDone || cda, 0x02) // VIS: offline DDA performed
	cvn := byte(0x12)
	if a.method == emv.VisaCVN10 {
		cvn = 0x0A
	}
	return append([]byte{0x06, a.dki, cvn}, cvr...)
}

package kernel

import (
	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/tlv"
)

// exceptionFile sets "card appears on terminal exception file" (TVR byte 1
// b5, Book 3 Annex C5) when the PAN is hot-listed. It is checked whatever
// the AIP says about terminal risk management: a hot-listed card is never
// let through because its AIP skips the other checks.
func (t *txn) exceptionFile() {
	if len(t.k.cfg.exceptions) > 0 && t.k.cfg.exceptions[t.res.PAN.Digits()] {
		t.tvr(emv.TVRCardOnExceptionFile)
	}
}

// terminalRiskManagement: floor limit, random transaction selection and
// velocity checking (EMV Book 3 §10.6).
func (t *txn) terminalRiskManagement() error {
	t.exceptionFile()
	if !t.aip.Has(emv.AIPTerminalRiskMgmt) && !t.tx.ForceOnline {
		return nil
	}
	t.tsi(emv.TSITerminalRiskMgmtPerformed)
	a := t.aid
	// §10.6.1: amount ≥ Terminal Floor Limit sets "transaction exceeds
	// floor limit". An absent floor limit (not configured) is not a
	// licence to approve any amount offline: every amount exceeds it.
	if a.FloorLimit == nil || t.tx.Amount >= *a.FloorLimit {
		t.tvr(emv.TVRFloorLimitExceeded)
	} else if floor := *a.FloorLimit; a.TargetPercent > 0 || a.MaxTargetPercent > 0 {
		// Random selection, biased towards online as the amount nears the
		// floor limit (§10.6.2).
		r := t.percent()
		target := a.TargetPercent
		if t.tx.Amount >= a.Threshold && floor > a.Threshold {
			target += int(int64(a.MaxTargetPercent-a.TargetPercent) * (t.tx.Amount - a.Threshold) / (floor - a.Threshold))
		}
		if r <= target { // §10.6.2: selected when the number is ≤ the target percentage
			t.tvr(emv.TVRRandomlySelectedOnline)
		}
	}
	// Velocity checking needs both consecutive offline limits on the card.
	lower, upper := t.d[emv.TagLowerConsecutiveOfflineLimit], t.d[emv.TagUpperConsecutiveOfflineLimit]
	if len(lower) == 1 && len(upper) == 1 {
		atc, okA := t.getData(0x9F36)
		last, okL := t.getData(0x9F13)
		switch {
		case !okA || !okL:
			// Book 3 §10.6.3: ATC or Last Online ATC Register not
			// returned — both limits count as exceeded; "new card" is not
			// set (and nothing says "ICC data missing").
			t.tvr(emv.TVRLowerOfflineLimitExceeded)
			t.tvr(emv.TVRUpperOfflineLimitExceeded)
		case atc <= last:
			// §10.6.3: an ATC not above the Last Online ATC Register is
			// treated as both limits exceeded.
			t.tvr(emv.TVRLowerOfflineLimitExceeded)
			t.tvr(emv.TVRUpperOfflineLimitExceeded)
		default:
			gap := int(atc) - int(last)
			if gap > int(lower[0]) {
				t.tvr(emv.TVRLowerOfflineLimitExceeded)
			}
			if gap > int(upper[0]) {
				t.tvr(emv.TVRUpperOfflineLimitExceeded)
			}
		}
		if okL && last == 0 {
			// §10.6.3: Last Online ATC Register zero — a new card.
			t.tvr(emv.TVRNewCard)
		}
	}
	if t.tx.ForceOnline {
		t.tvr(emv.TVRMerchantForcedOnline)
	}
	return t.ctx.Err()
}

// getData reads a 2-byte counter with GET DATA.
func (t *txn) getData(tag tlv.Tag) (uint16, bool) {
	cmd, err := emv.GetData(tag)
	if err != nil {
		return 0, false
	}
	data, sw, err := t.exchange(cmd)
	if err != nil || sw != emv.SWOK || len(data) != 5 {
		return 0, false
	}
	return uint16(data[3])<<8 | uint16(data[4]), true
}

// actionAnalysis compares the TVR with the terminal and issuer action codes
// (EMV Book 3 §10.7) and returns the cryptogram type to ask for.
func (t *txn) actionAnalysis() emv.CryptogramType {
	tvr := t.res.TVR
	code := func(tac string, iac []byte, absent byte) [5]byte {
		var c [5]byte
		tb := mustHex(tac)
		for i := range c {
			var x byte
			if i < len(tb) {
				x = tb[i]
			}
			if len(iac) == 5 {
				x |= iac[i]
			} else {
				x |= absent
			}
			c[i] = x
		}
		return c
	}
	hit := func(c [5]byte) bool {
		for i := range c {
			if c[i]&tvr[i] != 0 {
				return true
			}
		}
		return false
	}
	a := t.aid
	if hit(code(a.TACDenial, t.d[emv.TagIssuerActionCodeDenial], 0x00)) {
		return emv.AAC
	}
	if t.k.cfg.OnlineCapable {
		if t.tx.ForceOnline || hit(code(a.TACOnline, t.d[emv.TagIssuerActionCodeOnline], 0xFF)) {
			return emv.ARQC
		}
		return emv.TC
	}
	if hit(code(a.TACDefault, t.d[emv.TagIssuerActionCodeDefault], 0xFF)) {
		return emv.AAC
	}
	return emv.TC
}

// defaultAction decides when the terminal could not go online: the
// default action codes (§10.7).
func (t *txn) defaultAction() emv.CryptogramType {
	var c [5]byte
	tb := mustHex(t.aid.TACDefault)
	iac := t.d[emv.TagIssuerActionCodeDefault]
	for i := range c {
		if i < len(tb) {
			c[i] = tb[i]
		}
		if len(iac) == 5 {
			c[i] |= iac[i]
		} else {
			c[i] = 0xFF
		}
		if c[i]&t.res.TVR[i] != 0 {
			return emv.AAC
		}
	}
	return emv.TC
}

// percent returns a uniformly random number in 1..99 for random
// transaction selection (Book 3 §10.6.2: "a random number between 1 and
// 99"), by rejection sampling: byte % 100 would pick 0-55 more often than
// 56-99 (a 25 % target would select 29.3 %).
func (t *txn) percent() int {
	var b byte
	for range 64 { // a source that never yields < 198 is broken; stop anyway
		if b = t.random(1)[0]; b < 198 { // 198 = 2 × 99: every value of 1..99 twice
			break
		}
	}
	return int(b)%99 + 1
}

package kernel

import (
	"bytes"

	"github.com/possdk/pos/emv"
)

// processingRestrictions checks application version, usage control and
// dates (EMV Book 3 §10.4).
func (t *txn) processingRestrictions() {
	if cv, tv := t.d[emv.TagApplicationVersionNumberICC], t.d[emv.TagApplicationVersionNumberTerminal]; cv != nil && tv != nil && !bytes.Equal(cv, tv) {
		t.tvr(emv.TVRDifferentAppVersions)
	}
	if raw, ok := t.d[emv.TagApplicationUsageControl]; ok {
		auc, err := emv.ParseAUC(raw)
		if err == nil && !t.usageAllowed(auc) {
			t.tvr(emv.TVRServiceNotAllowed)
		}
	}
	today := t.d[emv.TagTransactionDate]
	if eff, ok := t.d[emv.TagApplicationEffectiveDate]; ok && len(eff) == 3 && yymmddAfter(eff, today) {
		t.tvr(emv.TVRAppNotYetEffective)
	}
	if exp := t.d[emv.TagApplicationExpirationDate]; len(exp) == 3 && yymmddAfter(today, exp) {
		t.tvr(emv.TVRExpiredApplication)
	}
}

// usageAllowed applies the AUC (Book 3 §10.4.2): first where the
// transaction takes place — an ATM needs "valid at ATMs", any other
// terminal "valid at terminals other than ATMs" — then, only when the card
// gives its Issuer Country Code (5F28), domestic or international use for
// the transaction type (domestic: 5F28 equals the terminal country 9F1A).
func (t *txn) usageAllowed(auc emv.AUC) bool {
	if t.atm() {
		if !auc.Has(emv.AUCATMs) {
			return false
		}
	} else if !auc.Has(emv.AUCNonATMTerminals) {
		return false
	}
	issuer, ok := t.d[emv.TagIssuerCountryCode]
	if !ok {
		return true
	}
	domestic := bytes.Equal(issuer, t.d[emv.TagTerminalCountryCode])
	var f emv.AUCFlag
	switch t.tx.Type {
	case 0x01:
		f = pick(domestic, emv.AUCDomesticCash, emv.AUCInternationalCash)
	case 0x09:
		f = pick(domestic, emv.AUCDomesticCashback, emv.AUCInternationalCashback)
	default:
		f = pick(domestic, emv.AUCDomesticGoods, emv.AUCInternationalGoods)
		if !auc.Has(f) {
			f = pick(domestic, emv.AUCDomesticServices, emv.AUCInternationalServices)
		}
	}
	return auc.Has(f)
}

// atm reports whether the terminal is an ATM (Book 4 Annex A1): an
// unattended financial-institution terminal (type 14, 15 or 16) that can
// dispense cash (Additional Terminal Capabilities byte 1 b8).
func (t *txn) atm() bool {
	tt, ac := t.d[emv.TagTerminalType], t.d[emv.TagAdditionalTerminalCapabilities]
	return len(tt) == 1 && (tt[0] == 0x14 || tt[0] == 0x15 || tt[0] == 0x16) && len(ac) > 0 && ac[0]&0x80 != 0
}

func pick(c bool, a, b emv.AUCFlag) emv.AUCFlag {
	if c {
		return a
	}
	return b
}

// yymmddAfter compares two YYMMDD BCD dates, years 50-99 being 19xx
// (EMV Book 4 §6.7.3).
func yymmddAfter(a, b []byte) bool { return dateKey(a) > dateKey(b) }

func dateKey(d []byte) int {
	if len(d) != 3 {
		return 0
	}
	n := func(x byte) int { return int(x>>4)*10 + int(x&0x0F) }
	y := n(d[0])
	if y < 50 {
		y += 2000
	} else {
		y += 1900
	}
	return y*10000 + n(d[1])*100 + n(d[2])
}

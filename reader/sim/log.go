package sim

import (
	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/tlv"
)

// Transaction log (EMV Book 3 Annex D, as PBOC cards keep it): when a
// profile sets log_records, the FCI's issuer discretionary data (BF0C)
// carries the Log Entry 9F4D (SFI 11, number of records), GET DATA 9F4F
// returns the Log Format, and READ RECORD of SFI 11 returns the approved
// transactions newest first, each the concatenated values of the Log
// Format (no tags).

const logSFI = 11

// logFormat is the Log Format (9F4F): date, type, amounts, country,
// currency, ATC, CID.
var logFormat = []byte{0x9A, 0x03, 0x9C, 0x01, 0x9F, 0x02, 0x06, 0x9F, 0x03, 0x06, 0x9F, 0x1A, 0x02, 0x5F, 0x2A, 0x02, 0x9F, 0x36, 0x02, 0x9F, 0x27, 0x01}

// logTransaction records a completed, approved transaction.
func (c *Card) logTransaction(a *application, ctr *counters, cid byte, v map[tlv.Tag][]byte) {
	if a.logRecords == 0 || cid != cidTC {
		return
	}
	rec := make([]byte, 0, 27)
	fix := func(tag tlv.Tag, n int) {
		b := make([]byte, n)
		copy(b, v[tag])
		rec = append(rec, b...)
	}
	fix(emv.TagTransactionDate, 3)
	fix(emv.TagTransactionType, 1)
	fix(emv.TagAmountAuthorised, 6)
	fix(emv.TagAmountOther, 6)
	fix(emv.TagTerminalCountryCode, 2)
	fix(emv.TagTransactionCurrencyCode, 2)
	rec = append(rec, byte(c.st.atc>>8), byte(c.st.atc), cid)
	ctr.log = append([][]byte{rec}, ctr.log...)
	if len(ctr.log) > a.logRecords {
		ctr.log = ctr.log[:a.logRecords]
	}
}

// readLog answers READ RECORD of the log file.
func (c *Card) readLog(n byte) []byte {
	a := c.app()
	if a == nil || a.logRecords == 0 {
		return sw(emv.SWFileNotFound)
	}
	log := c.ctr[c.st.app].log
	if n == 0 || int(n) > len(log) {
		return sw(emv.SWRecordNotFound)
	}
	return ok(log[n-1])
}

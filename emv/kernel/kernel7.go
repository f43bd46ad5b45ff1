package kernel

import (
	"errors"
	"fmt"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/emv/oda"
	"github.com/possdk/pos/tlv"
)

// Kernel 7: UnionPay QuickPass (EMV Contactless Book C-7, UnionPay
// qPBOC/qUICS). The flow is the one-tap qVSDC shape: GET PROCESSING
// OPTIONS with the TTQ in the PDOL returns the cryptogram, the records
// carry the certificates for fDDA, and an offline approval (TC) stands only
// when fDDA verifies. What is UnionPay's:
//
//   - the TTQ (qPBOC layout): byte 1 b7 contactless debit/credit (full
//     flow) supported, b6 qPBOC/qUICS supported, b1 RFU (no "ODA for online
//     authorisations"); byte 3 all RFU (the reader signals no consumer
//     device CVM); byte 4 b8 "fDDA version 01 supported";
//   - fDDA version 00 (no Card Authentication Related Data, 9F69: the
//     signature covers the unpredictable number only) as well as 01;
//   - electronic cash: the terminal says it supports EC (9F7A = 01) when
//     the amount is at most the EC terminal transaction limit (9F7B), and
//     the card may then approve offline against its balance, which it
//     reports as the Available Offline Spending Amount (9F5D) or EC Balance
//     (9F79); ECBalance reads it from a Result;
//   - the PBOC cryptogram (CVN 01, emv.PBOCCVN01) goes online in field 55
//     with the UnionPay tag set; the host verifies it.
//
// The CTQ rules (go online / switch interface if ODA fails, go online if
// expired, online PIN or signature above the CVM limit, CDCVM only when the
// signed 9F69 copy of the CTQ says so) are Book C-3's as C-7 repeats them.

// Kernel7Config holds Kernel 7 settings for an AID.
type Kernel7Config struct {
	// ECTerminalSupport sends the EC Terminal Support Indicator (9F7A) as
	// 01, offering the card an electronic-cash offline approval.
	ECTerminalSupport bool `json:"ec_terminal_support"`
	// ECTransactionLimit is the EC Terminal Transaction Limit (9F7B),
	// minor units: above it 9F7A is 00 (nil: no limit).
	ECTransactionLimit *int64 `json:"ec_transaction_limit"`
}

// UnionPay TTQ bits (qPBOC layout) the kernel sets or clears.
const (
	ttqUPContactlessDebitCredit = 0x40 // byte 1 b7
	ttqUPqPBOC                  = 0x20 // byte 1 b6
	ttqUPFDDA01                 = 0x80 // byte 4 b8
)

type kernel7 struct{}

func (kernel7) run(t *txn, combo *combination, afci []byte) (*Result, error) {
	ttq := combo.ttq
	// qPBOC TTQ: qPBOC supported; byte 1 b8 and b1 and byte 3 are RFU
	// and sent as zero; fDDA version 01 supported.
	ttq[0] = ttq[0]&^0x81 | ttqUPqPBOC
	ttq[2] = 0
	ttq[3] |= ttqUPFDDA01
	t.d[emv.TagTTQ] = ttq[:]
	ec := byte(0)
	if c := combo.cfg.Kernel7; c != nil && c.ECTerminalSupport && (c.ECTransactionLimit == nil || t.tx.Amount <= *c.ECTransactionLimit) {
		ec = 1
	}
	t.d[emv.TagUnionPayECTerminalSupportIndicator] = []byte{ec}
	if c := combo.cfg.Kernel7; c != nil && c.ECTransactionLimit != nil {
		t.d[emv.TagUnionPayECTerminalTransactionLimit] = bcdAmount(*c.ECTransactionLimit)
	}
	if err := t.initiate(afci); err != nil {
		return t.fail(err)
	}
	t.frozenTVR = true
	if _, ok := t.d[emv.TagApplicationCryptogram]; !ok {
		return t.fail(fmt.Errorf("%w: the card did not return a cryptogram (not qUICS)", ErrCardData))
	}
	if raw := t.d[emv.TagCryptogramInformationData]; len(raw) == 1 && raw[0]&0xC0 == 0 {
		// The card declined (AAC): nothing to read or verify.
		t.res.CID = emv.CID(raw[0])
		if t2, err := emv.ParseTag57(t.d[emv.TagTrack2EquivalentData]); err == nil {
			t.res.PAN = t2.PAN
		}
		return t.done(Declined, nil)
	}
	if _, ok := t.d[emv.TagAFL]; ok {
		if err := t.readRecordsContactless(); err != nil {
			return t.fail(err)
		}
	}
	if pan, ok := t.d[emv.TagPAN]; ok {
		t.res.PAN, _ = emv.ParsePANBCD(pan)
	} else if t2, err := emv.ParseTag57(t.d[emv.TagTrack2EquivalentData]); err == nil {
		t.res.PAN = t2.PAN
	}
	if len(t.d[emv.TagApplicationCryptogram]) != 8 || len(t.d[emv.TagATC]) != 2 {
		return t.fail(fmt.Errorf("%w: cryptogram (9F26) or ATC (9F36) of the wrong length", ErrCardData))
	}
	cid, err := emv.ParseCID(t.d[emv.TagCryptogramInformationData])
	if err != nil {
		return t.fail(fmt.Errorf("%w: %w", ErrCardData, err))
	}
	t.res.CID = cid
	t.res.Cryptogram = append([]byte(nil), t.d[emv.TagApplicationCryptogram]...)
	tc := cid.Type() == emv.TC
	switch cid.Type() {
	case emv.AAC:
		return t.done(Declined, nil)
	case emv.TC, emv.ARQC:
	default:
		return t.fail(fmt.Errorf("%w: cryptogram type %v", ErrCardData, cid.Type()))
	}
	if tc && ttq.Has(emv.TTQOnlineCryptogramRequired) {
		return t.fail(fmt.Errorf("%w: TC returned when the TTQ asked for an online cryptogram", ErrCard))
	}
	var ctq emv.CTQ
	copy(ctq[:], t.d[emv.TagCardTransactionQualifiers])
	online := t.k.cfg.OnlineCapable
	if t.contactlessRestrictions() && tc {
		// C-7 / C-3: an expired application's TC goes online when the
		// card asks for it (CTQ byte 1 b4) and the reader can; any other
		// restriction declines an offline approval.
		if !(ctq.Has(emv.CTQGoOnlineIfExpired) && online && onlyExpired(t.res.TVR)) {
			return t.done(Declined, nil)
		}
		return t.k7Online()
	}
	ok, err := t.k7CVM(combo.overCVM, tc)
	if err != nil {
		return t.fail(err)
	}
	if !ok {
		return t.done(Declined, nil)
	}
	if !tc {
		t.tvr(emv.TVROfflineDataAuthNotPerformed)
		return t.k7Online()
	}
	if err := t.fdda7(); err != nil {
		t.tvr(emv.TVRDDAFailed)
		t.tsi(emv.TSIOfflineDataAuthPerformed)
		switch {
		case ctq.Has(emv.CTQGoOnlineIfODAFails) && online:
			// The card asked for it: the transaction goes online with its
			// cryptogram and "fDDA failed" for the issuer.
			return t.k7Online()
		case ctq.Has(emv.CTQSwitchInterfaceIfODAFails):
			return t.fail(fmt.Errorf("%w: fDDA failed and the card asks to switch interface: %w", ErrTryAnother, err))
		}
		return t.done(Declined, err)
	}
	t.tsi(emv.TSIOfflineDataAuthPerformed)
	return t.done(Approved, nil)
}

// k7Online sends the cryptogram online: an ARQC, or the card's offline
// cryptogram when fDDA failed or the card expired and the CTQ asked to go
// online.
func (t *txn) k7Online() (*Result, error) {
	field55, err := t.field55()
	if err != nil {
		return t.fail(err)
	}
	t.res.Field55 = field55
	resp, err := t.online(field55)
	if err != nil {
		return t.done(Declined, err)
	}
	t.res.WentOnline, t.res.HostResponse = true, resp
	if resp.Approved {
		return t.done(Approved, nil)
	}
	return t.done(OnlineDeclined, nil)
}

// k7CVM is Book C-3's CVM from the CTQ, except that a consumer device
// CVM is never credited: the qPBOC TTQ has no "consumer device CVM
// supported" bit (byte 3 is RFU), so the reader never offered it and a
// CTQ claiming it (a relay can set 9F6C byte 2 b8) is ignored — the online
// PIN or signature the CTQ asks for still applies. The card's 9F6C is
// sent online unchanged.
func (t *txn) k7CVM(overCVM, tc bool) (bool, error) {
	if orig := t.d[emv.TagCardTransactionQualifiers]; len(orig) == 2 && orig[1]&0x80 != 0 {
		t.d[emv.TagCardTransactionQualifiers] = []byte{orig[0], orig[1] &^ 0x80}
		defer func() { t.d[emv.TagCardTransactionQualifiers] = orig }()
	}
	return t.contactlessCVM(overCVM, tc)
}

// onlyExpired: the only restriction the TVR notes is "expired
// application".
func onlyExpired(tvr emv.TVR) bool {
	x := tvr
	x.Clear(emv.TVRExpiredApplication)
	return tvr.Has(emv.TVRExpiredApplication) && !x.Has(emv.TVRAppNotYetEffective) &&
		!x.Has(emv.TVRServiceNotAllowed) && !x.Has(emv.TVRCardOnExceptionFile)
}

// fdda7 verifies fDDA version 01 (9F69 present: UN, amount, currency and
// 9F69 signed) or version 00 (no 9F69: the UN only).
func (t *txn) fdda7() error {
	if _, ok := t.d[emv.TagVisaCardAuthenticationRelatedData]; ok {
		return t.fdda()
	}
	pan := t.d[emv.TagPAN]
	if pan == nil {
		pan = t.res.PAN.AppendBCD(nil)
	}
	iss, err := t.issuerKey(pan)
	if err != nil {
		return err
	}
	static, err := t.staticData()
	if err != nil {
		return err
	}
	icc, err := oda.RecoverICCKey(iss, t.d[emv.TagICCPublicKeyCertificate], t.d[emv.TagICCPublicKeyRemainder], t.d[emv.TagICCPublicKeyExponent], static, pan, t.tx.Time)
	if err != nil {
		return err
	}
	_, err = oda.VerifyDDA(icc, t.d[emv.TagSignedDynamicApplicationData], t.d[emv.TagUnpredictableNumber])
	return err
}

// ErrNoBalance is returned by ECBalance when the card reported none.
var ErrNoBalance = errors.New("kernel: the card reported no electronic cash balance")

// ECBalance is the electronic-cash balance a UnionPay card reported in the
// transaction (Available Offline Spending Amount 9F5D, else EC Balance
// 9F79), minor units of the application currency.
func ECBalance(res *Result) (int64, error) {
	if res == nil {
		return 0, ErrNoBalance
	}
	for _, tag := range []tlv.Tag{emv.TagUnionPayAvailableOfflineSpendingAmount, emv.TagUnionPayECBalance} {
		v, ok := res.Data[tag]
		if !ok {
			continue
		}
		if len(v) != 6 {
			return 0, fmt.Errorf("%w: tag %v of %d bytes", ErrCardData, tag, len(v))
		}
		var n int64
		for _, b := range v {
			if b>>4 > 9 || b&0x0F > 9 {
				return 0, fmt.Errorf("%w: tag %v is not BCD", ErrCardData, tag)
			}
			n = n*100 + int64(b>>4)*10 + int64(b&0x0F)
		}
		return n, nil
	}
	return 0, ErrNoBalance
}

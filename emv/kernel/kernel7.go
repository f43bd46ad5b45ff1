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
//   - the TTQ (qPBOC layout, confirmed against the open UnionPay kernel
//     xwanyux/AS350PLUS_SP ctls/LV2/include/UNP_Define.h): byte 1 b7
//     contactless debit/credit supported, b6 qUICS supported, b5 contact
//     debit/credit supported, b4 offline-only reader, b3 online PIN, b2
//     signature, b1 "ODA for online authorisations" (this kernel does not
//     offer it and sends 0 — corrected: it was called RFU); byte 2 b8
//     online cryptogram required, b7 CVM required; byte 4 b8 "fDDA
//     version 01 supported". Byte 3 is sent as zero: not confirmed against
//     C-7 (UNP_Define.h names no bit there);
//   - fDDA version 00 (no Card Authentication Related Data, 9F69: the
//     signature covers the unpredictable number only) as well as 01;
//   - electronic cash: the terminal says it supports EC (EC Terminal
//     Support Indicator 9F7A = 01) and sends its EC Terminal Transaction
//     Limit (9F7B, n12), and the card may then approve offline against its
//     balance, which it reports as the Available Offline Spending Amount
//     (9F5D) or EC Balance (9F79); ECBalance reads it from a Result. The
//     names, formats and the PDOL use of 9F7A/9F7B are confirmed by open
//     UnionPay terminal code (PDOL building "电子现金终端支持指示器" 9F7A 01,
//     "电子现金终端交易限额" 9F7B 6 bytes; tag tables naming 9F79 "Electronic
//     Cash Balance" and 9F77/9F78 the balance and single-transaction
//     limits). Not confirmed against C-7: that the reader itself withholds
//     9F7A = 01 above 9F7B (chosen so a card that does not compare cannot
//     spend EC above the terminal's limit), and 9F5D before 9F79;
//   - the PBOC cryptogram (CVN 01, emv.PBOCCVN01) goes online in field 55
//     with the UnionPay tag set; the host verifies it.
//
// The CTQ rules are checked against the open UnionPay kernel
// (xwanyux/AS350PLUS_SP ctls/LV2/UNP_Kernel.c): go online if ODA fails
// when the reader is not offline-only; switch interface if ODA fails only
// when the reader supports contact debit/credit (TTQ byte 1 b5 —
// corrected); go online if expired when the reader can, else declined;
// the CVM as k7CVM describes.

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
	if err := t.clRecordsAndPAN(); err != nil {
		return t.fail(err)
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
		return t.clOnline()
	}
	ok, err := t.k7CVM(ttq, tc)
	if err != nil {
		return t.fail(err)
	}
	if !ok {
		return t.done(Declined, nil)
	}
	if !tc {
		t.tvr(emv.TVROfflineDataAuthNotPerformed)
		return t.clOnline()
	}
	if err := t.fdda7(); err != nil {
		t.tvr(emv.TVRDDAFailed)
		t.tsi(emv.TSIOfflineDataAuthPerformed)
		switch {
		case ctq.Has(emv.CTQGoOnlineIfODAFails) && online:
			// The card asked for it: the transaction goes online with its
			// cryptogram and "fDDA failed" for the issuer.
			return t.clOnline()
		case ctq.Has(emv.CTQSwitchInterfaceIfODAFails) && ttq.Has(emv.TTQContactChip):
			// UNP_Check_CTQDecision: only a reader that supports the
			// contact debit/credit application switches.
			return t.fail(fmt.Errorf("%w: fDDA failed and the card asks to switch interface: %w", ErrTryAnother, err))
		}
		return t.done(Declined, err)
	}
	t.tsi(emv.TSIOfflineDataAuthPerformed)
	return t.done(Approved, nil)
}

// k7CVM is the qUICS cardholder verification as the open UnionPay kernel
// runs it (xwanyux/AS350PLUS_SP UNP_Kernel.c UNP_Check_CVMRequest),
// checked rule by rule:
//
//   - CTQ present: online PIN when the CTQ asks for it (byte 1 b8) and the
//     reader offers it (TTQ byte 1 b3); else a consumer device CVM (CTQ
//     byte 2 b8) is credited when the fDDA-signed copy of the CTQ in 9F69
//     equals 9F6C, or, without 9F69, for an ARQC (the issuer checks it) —
//     otherwise declined; else a signature when the CTQ asks and the
//     reader offers it; else no CVM when the reader does not require one
//     (TTQ byte 2 b7); anything else is declined;
//   - CTQ absent: when the reader requires a CVM, signature if offered,
//     else online PIN if offered, else declined.
//
// Corrected: this kernel never credited a consumer device CVM and fell
// back to a signature when a required CVM was not named.
func (t *txn) k7CVM(ttq emv.TTQ, tc bool) (bool, error) {
	t.res.CVMResults = [3]byte{byte(emv.CVMNoCVM), 0x00, byte(emv.CVMResultSuccessful)}
	onlinePIN, signature, required := ttq[0]&0x04 != 0, ttq[0]&0x02 != 0, ttq[1]&0x40 != 0
	signed := func() (bool, error) {
		t.res.SignatureNeeded = true
		t.res.CVMResults = [3]byte{byte(emv.CVMSignature), 0x00, byte(emv.CVMResultUnknown)}
		return true, nil
	}
	raw := t.d[emv.TagCardTransactionQualifiers]
	if len(raw) != 2 {
		switch {
		case !required:
			return true, nil
		case signature:
			return signed()
		case onlinePIN:
			return t.clOnlinePIN(tc)
		}
		return t.clCVMFailed()
	}
	var ctq emv.CTQ
	copy(ctq[:], raw)
	switch {
	case ctq.Has(emv.CTQOnlinePINRequired) && onlinePIN:
		return t.clOnlinePIN(tc)
	case ctq.Has(emv.CTQConsumerDeviceCVMPerformed):
		if present, match := t.clSignedCTQMatches(); match || (!present && !tc) {
			t.res.CVMResults = [3]byte{0x01, 0x00, byte(emv.CVMResultSuccessful)}
			return true, nil
		}
		return t.clCVMFailed()
	case ctq.Has(emv.CTQOnlinePINRequired):
		// The card wants an online PIN the reader cannot take.
		return t.clCVMFailed()
	case ctq.Has(emv.CTQSignatureRequired):
		if signature {
			return signed()
		}
		return t.clCVMFailed()
	case required:
		return t.clCVMFailed()
	}
	return true, nil
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
	icc, err := t.clICCKey()
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
		if v, ok := res.Data[tag]; ok {
			return bcdAmountValue(tag, v)
		}
	}
	return 0, ErrNoBalance
}

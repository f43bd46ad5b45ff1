package kernel

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/emv/oda"
)

// Steps the contactless kernels share (contactless.go's qVSDC kernel,
// Kernel 2, Kernel 7). Each is one Book rule; the kernels call them where
// their Book puts the step.

// clOnlinePIN is the "online PIN" CVM of a contactless kernel (Book C-3
// CTQ byte 1 b8; C-7 as UnionPay's qUICS kernels run it, e.g.
// xwanyux/AS350PLUS_SP UNP_Check_CVMRequest): 9F34 02 00 00 and the PIN
// collected for the issuer. An offline approval (tc) cannot carry an online
// PIN: declined, no PIN asked. Without a PIN pad, or when the cardholder
// bypasses, the issuer sees the CVM failed (Book 3 Annex C5 TVR byte 3 b5
// or b4) and the transaction goes on.
func (t *txn) clOnlinePIN(tc bool) (bool, error) {
	t.res.CVMResults = [3]byte{byte(emv.CVMEncipheredPINOnline), 0x00, byte(emv.CVMResultUnknown)}
	if tc {
		t.tvr(emv.TVRCVMNotSuccessful)
		t.res.CVMResults[2] = byte(emv.CVMResultFailed)
		return false, nil
	}
	if t.hooks.OnlinePIN == nil {
		t.tvr(emv.TVRPINPadNotPresent)
		t.res.CVMResults[2] = byte(emv.CVMResultFailed)
		return true, nil
	}
	block, err := t.hooks.OnlinePIN(t.ctx, t.res.PAN)
	if errors.Is(err, ErrPINBypass) {
		t.tvr(emv.TVRPINNotEntered)
		t.res.CVMResults[2] = byte(emv.CVMResultFailed)
		return true, nil
	}
	if err != nil {
		return false, err
	}
	t.res.OnlinePINBlock = block
	t.tvr(emv.TVROnlinePINEntered)
	return true, nil
}

// clCVMFailed records a CVM the kernel could not accept: TVR byte 3 b8,
// 9F34 3F 00 01; the caller declines.
func (t *txn) clCVMFailed() (bool, error) {
	t.tvr(emv.TVRCVMNotSuccessful)
	t.res.CVMResults = [3]byte{0x3F, 0x00, byte(emv.CVMResultFailed)}
	return false, nil
}

// clOnline sends the cryptogram to the host and ends with its answer:
// approved, declined by the issuer, or declined when there is no answer
// (Book A: an online request without a response is not approved).
func (t *txn) clOnline() (*Result, error) {
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

// clSignedCTQMatches: the Card Authentication Related Data (9F69, covered
// by the fDDA signature) carries, in bytes 6-7, the CTQ the card sent in
// 9F6C; a relay that edits 9F6C cannot edit the signed copy.
func (t *txn) clSignedCTQMatches() (present, match bool) {
	cad, ok := t.d[emv.TagVisaCardAuthenticationRelatedData]
	if !ok {
		return false, false
	}
	ctq := t.d[emv.TagCardTransactionQualifiers]
	return true, len(cad) >= 7 && len(ctq) == 2 && bytes.Equal(cad[5:7], ctq)
}

// bcdAmountValue decodes a 6-byte n12 amount (9F02, 9F5D, 9F79 …).
func bcdAmountValue(tag fmt.Stringer, v []byte) (int64, error) {
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

// clICCKey recovers the ICC public key for fDDA (Book C-3 §5, C-7): the
// issuer key from the CA key and 90/92/9F32, then the ICC certificate
// 9F46/9F48/9F47 over the static data of the signed records, bound to the
// PAN (5A, else the track 2 PAN).
func (t *txn) clICCKey() (*oda.ICCPublicKey, error) {
	pan := t.d[emv.TagPAN]
	if pan == nil {
		pan = t.res.PAN.AppendBCD(nil)
	}
	iss, err := t.issuerKey(pan)
	if err != nil {
		return nil, err
	}
	static, err := t.staticData()
	if err != nil {
		return nil, err
	}
	return oda.RecoverICCKey(iss, t.d[emv.TagICCPublicKeyCertificate], t.d[emv.TagICCPublicKeyRemainder], t.d[emv.TagICCPublicKeyExponent], static, pan, t.tx.Time)
}

// clRecordsAndPAN reads the records a one-tap card's AFL names (a card
// that answered GPO with everything has none) and takes the PAN from 5A,
// else from the track 2 equivalent data.
func (t *txn) clRecordsAndPAN() error {
	if _, ok := t.d[emv.TagAFL]; ok {
		if err := t.readRecordsContactless(); err != nil {
			return err
		}
	}
	if pan, ok := t.d[emv.TagPAN]; ok {
		t.res.PAN, _ = emv.ParsePANBCD(pan)
	} else if t2, err := emv.ParseTag57(t.d[emv.TagTrack2EquivalentData]); err == nil {
		t.res.PAN = t2.PAN
	}
	return nil
}

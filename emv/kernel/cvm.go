package kernel

import (
	"errors"
	"fmt"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/emv/oda"
)

// cardholderVerification walks the CVM List (EMV Book 3 §10.5) and records
// the CVM Results.
func (t *txn) cardholderVerification() error {
	if !t.aip.Has(emv.AIPCVMSupported) {
		return nil
	}
	// Book 3 §10.5: without a CVM List (or with one holding no rule) the
	// terminal ends cardholder verification without setting "cardholder
	// verification was performed" in the TSI; the CVM Results are 3F0000.
	raw, ok := t.d[emv.TagCVMList]
	if !ok {
		t.tvr(emv.TVRICCDataMissing)
		t.res.CVMResults = [3]byte{0x3F, 0x00, 0x00}
		return nil
	}
	list, err := emv.ParseCVMList(raw)
	if err != nil || len(list.Rules) == 0 {
		t.tvr(emv.TVRICCDataMissing)
		t.res.CVMResults = [3]byte{0x3F, 0x00, 0x00}
		return nil
	}
	t.tsi(emv.TSICVMPerformed)
	caps, _ := emv.ParseTerminalCapabilities(t.d[emv.TagTerminalCapabilities])
	for _, rule := range list.Rules {
		if !t.conditionMet(rule, list, caps) {
			continue
		}
		res, err := t.perform(rule, caps)
		if err != nil {
			return err
		}
		b := rule.Bytes()
		t.res.CVMResults = [3]byte{b[0], b[1], byte(res)}
		if res != emv.CVMResultFailed {
			return nil
		}
		if !rule.ApplyNext {
			break
		}
	}
	t.tvr(emv.TVRCVMNotSuccessful)
	if t.res.CVMResults[0] == 0x3F {
		t.res.CVMResults = [3]byte{0x3F, 0x00, byte(emv.CVMResultFailed)}
	}
	return nil
}

func supports(m emv.CVMMethod, caps emv.TerminalCapabilities) bool {
	switch m {
	case emv.CVMPlaintextPIN:
		return caps.Has(emv.CapPlaintextPINICC)
	case emv.CVMEncipheredPINOnline:
		return caps.Has(emv.CapEncipheredPINOnline)
	case emv.CVMPlaintextPINAndSignature:
		return caps.Has(emv.CapPlaintextPINICC) && caps.Has(emv.CapSignature)
	case emv.CVMEncipheredPIN:
		return caps.Has(emv.CapEncipheredPINICC)
	case emv.CVMEncipheredPINAndSignature:
		return caps.Has(emv.CapEncipheredPINICC) && caps.Has(emv.CapSignature)
	case emv.CVMSignature:
		return caps.Has(emv.CapSignature)
	case emv.CVMNoCVM:
		return caps.Has(emv.CapNoCVM)
	case emv.CVMFail:
		return true
	}
	return false
}

// conditionMet evaluates a rule's condition code (EMV Book 3 Table 44).
func (t *txn) conditionMet(r emv.CVMRule, l emv.CVMList, caps emv.TerminalCapabilities) bool {
	sameCurrency := string(t.d[emv.TagApplicationCurrencyCode]) == string(t.d[emv.TagTransactionCurrencyCode])
	amt := t.tx.Amount
	switch r.Condition {
	case emv.CVMAlways:
		return true
	case emv.CVMIfUnattendedCash:
		// Book 3 Annex C3: cash at an unattended terminal (9F35 second
		// digit 4-6, Book 4 Annex A1).
		return t.tx.Type == 0x01 && t.unattended()
	case emv.CVMIfManualCash:
		// Manual cash: cash at an attended terminal (9F35 second digit 1-3).
		return t.tx.Type == 0x01 && !t.unattended()
	case emv.CVMIfNotCashOrCashback:
		return t.tx.Type != 0x01 && t.tx.Type != 0x09
	case emv.CVMIfTerminalSupports:
		return supports(r.Method, caps)
	case emv.CVMIfCashback:
		return t.tx.Type == 0x09
	case emv.CVMIfUnderX:
		return sameCurrency && amt < int64(l.X)
	case emv.CVMIfOverX:
		return sameCurrency && amt > int64(l.X)
	case emv.CVMIfUnderY:
		return sameCurrency && amt < int64(l.Y)
	case emv.CVMIfOverY:
		return sameCurrency && amt > int64(l.Y)
	}
	return false
}

// recognised reports whether the terminal knows a CVM code (EMV Book 3
// Annex C3, Table C-3): Fail, the five PIN methods, signature and No CVM.
// RFU, payment-system and issuer-specific codes are not recognised.
func recognised(m emv.CVMMethod) bool {
	switch m {
	case emv.CVMFail, emv.CVMPlaintextPIN, emv.CVMEncipheredPINOnline, emv.CVMPlaintextPINAndSignature,
		emv.CVMEncipheredPIN, emv.CVMEncipheredPINAndSignature, emv.CVMSignature, emv.CVMNoCVM:
		return true
	}
	return false
}

func pinMethod(m emv.CVMMethod) bool {
	switch m {
	case emv.CVMPlaintextPIN, emv.CVMEncipheredPINOnline, emv.CVMPlaintextPINAndSignature,
		emv.CVMEncipheredPIN, emv.CVMEncipheredPINAndSignature:
		return true
	}
	return false
}

// unattended reports whether the Terminal Type (9F35) is an unattended one
// (Book 4 Annex A1: second digit 4, 5 or 6).
func (t *txn) unattended() bool {
	tt := t.d[emv.TagTerminalType]
	return len(tt) == 1 && tt[0]&0x0F >= 4 && tt[0]&0x0F <= 6
}

// perform carries out one CVM and says how it ended.
func (t *txn) perform(r emv.CVMRule, caps emv.TerminalCapabilities) (emv.CVMResult, error) {
	// Book 3 §10.5: a CVM code the terminal does not recognise sets
	// "Unrecognised CVM" and the CVM fails. A recognised method the
	// terminal does not support fails without that bit; for a PIN method
	// it sets "PIN entry required and PIN pad not present or not working"
	// (Book 3 §10.5.1 offline PIN, §10.5.2 online PIN; Book 4 §6.3.4).
	if !recognised(r.Method) {
		t.tvr(emv.TVRUnrecognisedCVM)
		return emv.CVMResultFailed, nil
	}
	if !supports(r.Method, caps) {
		if pinMethod(r.Method) {
			t.tvr(emv.TVRPINPadNotPresent)
		}
		return emv.CVMResultFailed, nil
	}
	switch r.Method {
	case emv.CVMFail:
		return emv.CVMResultFailed, nil
	case emv.CVMNoCVM:
		return emv.CVMResultSuccessful, nil
	case emv.CVMSignature:
		t.res.SignatureNeeded = true
		return emv.CVMResultUnknown, nil
	case emv.CVMEncipheredPINOnline:
		if t.hooks.OnlinePIN == nil {
			// No PIN pad (Book 3 §10.5.2).
			t.tvr(emv.TVRPINPadNotPresent)
			return emv.CVMResultFailed, nil
		}
		block, err := t.hooks.OnlinePIN(t.ctx, t.res.PAN)
		if errors.Is(err, ErrPINBypass) {
			t.tvr(emv.TVRPINNotEntered)
			return emv.CVMResultFailed, nil
		}
		if err != nil {
			return 0, err
		}
		t.res.OnlinePINBlock = block
		t.tvr(emv.TVROnlinePINEntered)
		return emv.CVMResultUnknown, nil
	}
	enciphered := r.Method == emv.CVMEncipheredPIN || r.Method == emv.CVMEncipheredPINAndSignature
	res, err := t.offlinePIN(enciphered)
	if err == nil && res == emv.CVMResultSuccessful && (r.Method == emv.CVMPlaintextPINAndSignature || r.Method == emv.CVMEncipheredPINAndSignature) {
		t.res.SignatureNeeded = true
		res = emv.CVMResultUnknown
	}
	return res, err
}

// offlinePIN asks the PIN pad for VERIFY commands until the card accepts
// the PIN, the try limit is reached or the cardholder bypasses (EMV Book 3
// §10.5.1). The PIN pad builds each command (PINPad); the kernel never
// holds the PIN.
func (t *txn) offlinePIN(enciphered bool) (emv.CVMResult, error) {
	pad := t.k.pinPad()
	if pad == nil {
		// No PIN pad (Book 3 §10.5.1).
		t.tvr(emv.TVRPINPadNotPresent)
		return emv.CVMResultFailed, nil
	}
	var key *oda.ICCPublicKey
	if enciphered {
		// The key comes before the PIN: a card whose key cannot be had
		// fails this CVM without the cardholder typing a PIN for nothing.
		var err error
		if key, err = t.pinKey(); err != nil {
			return emv.CVMResultFailed, nil
		}
	}
	tries := -1
	if cmd, err := emv.GetData(0x9F17); err == nil {
		if data, sw, err := t.exchange(cmd); err != nil {
			return 0, err
		} else if sw == emv.SWOK && len(data) == 4 {
			tries = int(data[3])
		}
	}
	if tries == 0 {
		t.tvr(emv.TVRPINTryLimitExceeded)
		return emv.CVMResultFailed, nil
	}
	req := PINRequest{Kind: PINOfflinePlaintext}
	if enciphered {
		req = PINRequest{Kind: PINOfflineEnciphered, Modulus: key.Modulus, Exponent: key.Exponent}
	}
	for {
		req.TriesLeft = tries
		if enciphered {
			// Book 2 §7.2: a fresh ICC challenge for each VERIFY.
			challenge, sw, err := t.exchange(emv.GetChallenge())
			if err != nil {
				return 0, err
			}
			if sw != emv.SWOK || len(challenge) != 8 {
				return emv.CVMResultFailed, nil
			}
			req.Challenge = challenge
		}
		cmd, err := pad.VerifyCommand(t.ctx, req)
		if errors.Is(err, ErrPINBypass) {
			t.tvr(emv.TVRPINNotEntered)
			return emv.CVMResultFailed, nil
		}
		if errors.Is(err, ErrPIN) {
			t.tvr(emv.TVRPINNotEntered)
			return emv.CVMResultFailed, nil
		}
		if err != nil {
			return 0, err
		}
		if cmd.INS != 0x20 || (cmd.P2 != emv.VerifyPlaintextPIN && cmd.P2 != emv.VerifyEncipheredPIN) {
			clear(cmd.Data)
			return 0, fmt.Errorf("%w: the PIN pad built %02X %02X, not a VERIFY", ErrPIN, cmd.INS, cmd.P2)
		}
		_, sw, err := t.exchange(cmd)
		clear(cmd.Data)
		if err != nil {
			return 0, err
		}
		switch {
		case sw == emv.SWOK:
			return emv.CVMResultSuccessful, nil
		case sw == emv.SWAuthMethodBlocked || sw == emv.SWReferenceDataInvalid:
			t.tvr(emv.TVRPINTryLimitExceeded)
			return emv.CVMResultFailed, nil
		case sw&0xFFF0 == 0x63C0:
			tries = int(sw & 0x0F)
			if tries == 0 {
				t.tvr(emv.TVRPINTryLimitExceeded)
				return emv.CVMResultFailed, nil
			}
		default:
			return emv.CVMResultFailed, nil
		}
	}
}

// pinKey returns the public key offline PIN encipherment uses (EMV Book 2
// §7.1): the ICC PIN Encipherment Public Key (9F2D certificate, 9F2E
// exponent, 9F2F remainder; its certificate hash has no static data) when
// the card has one, else the ICC Public Key (9F46-9F48), recovered here
// when offline data authentication did not (an SDA card, or ODA not
// performed).
func (t *txn) pinKey() (*oda.ICCPublicKey, error) {
	pan := t.d[emv.TagPAN]
	if pan == nil {
		pan = t.res.PAN.AppendBCD(nil)
	}
	if cert, ok := t.d[emv.TagICCPINEnciphermentPublicKeyCertificate]; ok {
		iss, err := t.issuerKey(pan)
		if err != nil {
			return nil, err
		}
		return oda.RecoverICCKey(iss, cert, t.d[emv.TagICCPINEnciphermentPublicKeyRemainder], t.d[emv.TagICCPINEnciphermentPublicKeyExponent], nil, pan, t.tx.Time)
	}
	if icc, _ := t.icc.(*oda.ICCPublicKey); icc != nil {
		return icc, nil
	}
	if cert, ok := t.d[emv.TagICCPublicKeyCertificate]; ok {
		static, err := t.staticData()
		if err != nil {
			return nil, err
		}
		iss, err := t.issuerKey(pan)
		if err != nil {
			return nil, err
		}
		return oda.RecoverICCKey(iss, cert, t.d[emv.TagICCPublicKeyRemainder], t.d[emv.TagICCPublicKeyExponent], static, pan, t.tx.Time)
	}
	return nil, fmt.Errorf("%w: no ICC PIN encipherment or ICC public key", oda.ErrMissingData)
}

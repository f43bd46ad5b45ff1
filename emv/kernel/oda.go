package kernel

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/emv/oda"
	"github.com/possdk/pos/tlv"
)

// offlineDataAuthentication chooses CDA, DDA or SDA by what the card (AIP)
// and terminal (9F33) both support and performs it (EMV Book 3 §10.3). DDA
// and SDA are done now; for CDA the keys are recovered now and the signature
// checked at GENERATE AC. Failures set TVR bits; they never end the
// transaction, terminal action analysis decides.
func (t *txn) offlineDataAuthentication() error {
	caps, _ := emv.ParseTerminalCapabilities(t.d[emv.TagTerminalCapabilities])
	var method string
	switch {
	case t.aip.Has(emv.AIPCDASupported) && caps.Has(emv.CapCDA):
		method = "CDA"
	case t.aip.Has(emv.AIPDDASupported) && caps.Has(emv.CapDDA):
		method = "DDA"
	case t.aip.Has(emv.AIPSDASupported) && caps.Has(emv.CapSDA):
		method = "SDA"
	default:
		t.tvr(emv.TVROfflineDataAuthNotPerformed)
		return nil
	}
	t.tsi(emv.TSIOfflineDataAuthPerformed)
	failBit := map[string]emv.TVRFlag{"SDA": emv.TVRSDAFailed, "DDA": emv.TVRDDAFailed, "CDA": emv.TVRCDAFailed}[method]
	err := t.authenticate(method)
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrCard) || t.ctx.Err() != nil {
		return err
	}
	// Book 3 §10.3: "ICC data missing" is for data the card should have
	// given (8F, 90, 9F32, 93 …); a CA key the terminal does not hold is
	// the terminal's gap and fails the method only.
	if errors.Is(err, oda.ErrMissingData) && !errors.Is(err, oda.ErrUnknownCAKey) {
		t.tvr(emv.TVRICCDataMissing)
	}
	t.tvr(failBit)
	t.cda = false
	t.k.log.LogAttrs(t.ctx, slog.LevelInfo, "offline data authentication failed", slog.String("method", method), slog.String("err", err.Error()))
	return nil
}

// staticData is the records to authenticate followed by the AIP when the
// Static Data Authentication Tag List (9F4A) asks for it.
func (t *txn) staticData() ([]byte, error) {
	list, ok := t.d[emv.TagSDATagList]
	if !ok {
		return t.static, nil
	}
	// The tag list may only name the AIP (EMV Book 3 §10.3).
	if len(list) != 1 || list[0] != 0x82 {
		return nil, fmt.Errorf("%w: static data authentication tag list %X", oda.ErrMissingData, list)
	}
	return append(append([]byte(nil), t.static...), t.d[emv.TagAIP]...), nil
}

// issuerKey finds the CA key (RID of the AID, index 8F) and recovers the
// issuer public key.
func (t *txn) issuerKey(pan []byte) (*oda.IssuerPublicKey, error) {
	if t.k.cfg.caStore == nil {
		return nil, fmt.Errorf("%w: the terminal has no CA keys", oda.ErrUnknownCAKey)
	}
	idx := t.d[emv.TagCAPublicKeyIndex]
	if len(idx) != 1 {
		return nil, fmt.Errorf("%w: CA public key index (8F)", oda.ErrMissingData)
	}
	ca, err := t.k.cfg.caStore.Lookup(t.res.AID, idx[0], t.tx.Time)
	if err != nil {
		return nil, err
	}
	iss, err := oda.RecoverIssuerKey(ca, t.d[emv.TagIssuerPublicKeyCertificate], t.d[emv.TagIssuerPublicKeyRemainder], t.d[emv.TagIssuerPublicKeyExponent], pan, t.tx.Time)
	if err != nil {
		return nil, err
	}
	// Book 2 §5.1 / §6.1: an issuer certificate on the CA revocation list
	// (RID, CA public key index, certificate serial number) fails ODA.
	if t.k.cfg.revoked[string(t.res.AID[:5])+string(idx)+string(iss.Serial)] {
		return nil, fmt.Errorf("%w: issuer certificate serial %X of CA key %02X is revoked", ErrRevoked, iss.Serial, idx[0])
	}
	return iss, nil
}

func (t *txn) authenticate(method string) error {
	static, err := t.staticData()
	if err != nil {
		return err
	}
	iss, err := t.issuerKey(t.d[emv.TagPAN])
	if err != nil {
		return err
	}
	if method == "SDA" {
		dac, err := oda.VerifySDA(iss, t.d[emv.TagSignedStaticApplicationData], static)
		if err != nil {
			return err
		}
		t.d[emv.TagDataAuthenticationCode] = dac
		return nil
	}
	icc, err := oda.RecoverICCKey(iss, t.d[emv.TagICCPublicKeyCertificate], t.d[emv.TagICCPublicKeyRemainder], t.d[emv.TagICCPublicKeyExponent], static, t.d[emv.TagPAN], t.tx.Time)
	if err != nil {
		return err
	}
	t.icc = icc
	if method == "CDA" {
		t.cda = true
		return nil
	}
	return t.dda(icc)
}

// dda sends INTERNAL AUTHENTICATE with the DDOL data (the card's DDOL or
// the terminal's default) and verifies the signed dynamic data.
func (t *txn) dda(icc *oda.ICCPublicKey) error {
	raw, ok := t.d[emv.TagDDOL]
	if !ok {
		raw = mustHex(t.aid.DefaultDDOL)
	}
	ddol, err := tlv.ParseDOL(raw)
	if err != nil || len(ddol) == 0 {
		return fmt.Errorf("%w: DDOL", oda.ErrMissingData)
	}
	hasUN := false
	for _, e := range ddol {
		hasUN = hasUN || e.Tag == 0x9F37
	}
	if !hasUN {
		return fmt.Errorf("%w: DDOL without the unpredictable number", oda.ErrMissingData)
	}
	t.sync()
	data := t.d.FillDOL(nil, ddol, t.scheme)
	resp, sw, err := t.exchange(emv.InternalAuthenticate(data))
	if err != nil {
		return err
	}
	if sw != emv.SWOK {
		return fmt.Errorf("%w: INTERNAL AUTHENTICATE: %v", oda.ErrSignature, emv.StatusWord(sw))
	}
	sdad, err := signedData(resp)
	if err != nil {
		return err
	}
	dd, err := oda.VerifyDDA(icc, sdad, data)
	if err != nil {
		return err
	}
	t.d[emv.TagICCDynamicNumber] = dd.ICCDynamicNumber
	return nil
}

// signedData takes 9F4B from a format-2 response, or the whole value of a
// format-1 (80) response.
func signedData(resp []byte) ([]byte, error) {
	s := tlv.NewScanner(resp)
	if !s.Next() {
		return nil, fmt.Errorf("%w: empty response", oda.ErrMissingData)
	}
	if s.Tag() == 0x80 {
		return s.Value(), nil
	}
	v, ok, err := tlv.Find(resp, emv.TagSignedDynamicApplicationData)
	if err != nil || !ok {
		return nil, fmt.Errorf("%w: signed dynamic application data (9F4B)", oda.ErrMissingData)
	}
	return v, nil
}

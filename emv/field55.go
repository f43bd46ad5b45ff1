package emv

import (
	"fmt"
	"strings"

	"github.com/possdk/pos/tlv"
)

// Field55Tag is one data object of an authorisation request's ICC data.
type Field55Tag struct {
	Tag      tlv.Tag
	Required bool
}

// Field55Spec lists, in order, the data objects an acquirer or scheme wants
// in ISO 8583 field 55. Build one by hand or start from Field55Visa,
// Field55Mastercard or Field55UnionPay and edit the slice.
type Field55Spec []Field55Tag

// req and opt keep the scheme tables short.
func req(t tlv.Tag) Field55Tag { return Field55Tag{t, true} }
func opt(t tlv.Tag) Field55Tag { return Field55Tag{t, false} }

// field55Base is what the three scheme sets share, in their order: the
// EMV Book 2 Table 26 cryptogram data with the cryptogram, CID, IAD and
// ATC first, then the terminal context. amountOther makes 9F03 and 9F33
// (required by UnionPay, optional for Visa and Mastercard).
func field55Base(amountOther func(tlv.Tag) Field55Tag, extra ...Field55Tag) Field55Spec {
	return append(Field55Spec{
		req(TagApplicationCryptogram), req(TagCryptogramInformationData),
		req(TagIssuerApplicationData), req(TagUnpredictableNumber), req(TagATC), req(TagTVR),
		req(TagTransactionDate), req(TagTransactionType), req(TagAmountAuthorised),
		req(TagTransactionCurrencyCode), req(TagAIP), req(TagTerminalCountryCode),
		amountOther(TagAmountOther), amountOther(TagTerminalCapabilities),
		opt(TagCVMResults), opt(TagTerminalType), opt(TagIFDSerialNumber), opt(TagDFName),
		opt(TagApplicationVersionNumberTerminal), opt(TagTransactionSequenceCounter),
	}, extra...)
}

// Field55Visa is the VSDC online authorisation set (Visa Base I/VIP chip
// data): the Table 26 cryptogram data, the cryptogram and its context.
func Field55Visa() Field55Spec {
	return field55Base(opt, opt(TagPANSequenceNumber), opt(TagTTQ),
		opt(TagVisaFormFactorIndicator), opt(TagVisaCustomerExclusiveData))
}

// Field55Mastercard is the M/Chip DE 55 set for authorisation requests.
func Field55Mastercard() Field55Spec {
	return field55Base(opt, opt(TagMastercardTransactionCategoryCode),
		opt(TagPANSequenceNumber), opt(TagMastercardThirdPartyData))
}

// Field55UnionPay is the CUP POS field 55 set for a purchase or
// pre-authorisation request (UnionPay POS terminal specification, IC card
// data in field 55), in the order the specification lists it.
func Field55UnionPay() Field55Spec {
	return field55Base(req, opt(TagUnionPayCardProductIdentification))
}

// Append appends the TLV of every spec tag that src has, in spec order;
// an absent optional tag is left out, an absent required tag is an error
// naming all the missing ones (ErrMissing). With a large enough dst it
// does not allocate.
func (s Field55Spec) Append(dst []byte, src func(tlv.Tag) ([]byte, bool)) ([]byte, error) {
	var missing []string
	for _, f := range s {
		v, ok := src(f.Tag)
		if !ok {
			if f.Required {
				missing = append(missing, f.Tag.String())
			}
			continue
		}
		dst = tlv.AppendTLV(dst, f.Tag, v)
	}
	if len(missing) > 0 {
		return dst, fmt.Errorf("%w for field 55: %s", ErrMissing, strings.Join(missing, ", "))
	}
	return dst, nil
}

// Build appends field 55 from a Data set.
func (s Field55Spec) Build(dst []byte, d Data) ([]byte, error) {
	return s.Append(dst, func(t tlv.Tag) ([]byte, bool) { v, ok := d[t]; return v, ok })
}

// IssuerScript is one issuer script template (tag 71 or 72) of an
// authorisation response.
type IssuerScript struct {
	Tag      tlv.Tag  // 71: before the second GENERATE AC; 72: after it
	ID       []byte   // 9F18 script identifier, nil when absent
	Commands [][]byte // the 86 values: command APDUs, in order
}

// IssuerResponse is the ICC data of an authorisation response (field 55).
type IssuerResponse struct {
	AuthData []byte // 91 Issuer Authentication Data (ARPC ...), nil when absent
	ARC      []byte // 8A Authorisation Response Code, nil when absent
	Scripts  []IssuerScript
}

// ParseIssuerResponse reads a response's field 55: 91, 8A and the issuer
// script templates 71/72 (EMV Book 3 §10.10, Annex A). Values alias b.
// Unknown tags are ignored, as issuers add proprietary ones.
func ParseIssuerResponse(b []byte) (IssuerResponse, error) {
	var r IssuerResponse
	s := tlv.NewScanner(b)
	for s.Next() {
		v := s.Value()
		switch s.Tag() {
		case TagIssuerAuthenticationData:
			if len(v) < 8 || len(v) > 16 {
				return r, fmt.Errorf("%w: tag 91 at offset %d is %d bytes, want 8 to 16", ErrValue, s.Offset(), len(v))
			}
			r.AuthData = v
		case TagAuthorisationResponseCode:
			if len(v) != 2 {
				return r, fmt.Errorf("%w: tag 8A at offset %d is %d bytes, want 2", ErrValue, s.Offset(), len(v))
			}
			r.ARC = v
		case TagIssuerScriptTemplate1, TagIssuerScriptTemplate2:
			sc, err := parseScript(s)
			if err != nil {
				return r, err
			}
			r.Scripts = append(r.Scripts, sc)
		}
	}
	if err := s.Err(); err != nil {
		return r, fmt.Errorf("emv: field 55: %w", err)
	}
	return r, nil
}

func parseScript(s tlv.Scanner) (IssuerScript, error) {
	sc := IssuerScript{Tag: s.Tag()}
	c := s.Descend()
	for c.Next() {
		switch c.Tag() {
		case TagIssuerScriptIdentifier:
			if c.Len() != 4 {
				return sc, fmt.Errorf("%w: script identifier 9F18 at offset %d is %d bytes, want 4", ErrValue, c.Offset(), c.Len())
			}
			sc.ID = c.Value()
		case TagIssuerScriptCommand:
			if c.Len() < 4 {
				return sc, fmt.Errorf("%w: script command 86 at offset %d is %d bytes, shorter than an APDU header", ErrValue, c.Offset(), c.Len())
			}
			sc.Commands = append(sc.Commands, c.Value())
		}
	}
	if err := c.Err(); err != nil {
		return sc, fmt.Errorf("emv: issuer script %v: %w", sc.Tag, err)
	}
	return sc, nil
}

// Script processing results (EMV Book 4 Annex A5, reported in DF31/9F5B).
const (
	ScriptNotPerformed = 0x0
	ScriptFailed       = 0x1
	ScriptSuccessful   = 0x2
)

// AppendScriptResult appends the 5-byte result of one script: result in
// b8-b5 and the sequence number (1-14, 15 for 15 and above; 0 when not
// specific) of the failing command in b4-b1, then the 4-byte script ID
// (zeros when the script had none).
func AppendScriptResult(dst []byte, result byte, seq int, id []byte) []byte {
	if seq > 15 {
		seq = 15
	}
	if seq < 0 {
		seq = 0
	}
	dst = append(dst, result<<4|byte(seq))
	var pad [4]byte
	copy(pad[:], id)
	return append(dst, pad[:]...)
}

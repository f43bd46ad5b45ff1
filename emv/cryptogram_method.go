package emv

import (
	"fmt"
	"strings"

	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/tlv"
)

// CryptogramData holds the data elements a card MACs into its application
// cryptogram, in the order of EMV Book 2 Table 26 (also VIS and CCD Table
// CCD 3). Values are raw tag values as they travel in field 55.
type CryptogramData struct {
	AmountAuthorised [6]byte // 9F02
	AmountOther      [6]byte // 9F03
	TerminalCountry  [2]byte // 9F1A
	TVR              TVR     // 95
	CurrencyCode     [2]byte // 5F2A
	Date             [3]byte // 9A, YYMMDD
	TransactionType  byte    // 9C
	UN               [4]byte // 9F37
	AIP              AIP     // 82
	ATC              [2]byte // 9F36
	IAD              []byte  // 9F10
}

// cryptogramTags are the tags CryptogramDataFromTLV needs, in Table 26 order.
var cryptogramTags = [...]tlv.Tag{TagAmountAuthorised, TagAmountOther, TagTerminalCountryCode, TagTVR, TagTransactionCurrencyCode, TagTransactionDate, TagTransactionType, TagUnpredictableNumber, TagAIP, TagATC, TagIssuerApplicationData}

// CryptogramDataFromTLV collects the cryptogram data from BER-TLV such as
// an authorisation request's field 55 (constructed objects are searched
// too). Every one of the eleven tags must be present with its exact length.
func CryptogramDataFromTLV(b []byte) (CryptogramData, error) {
	var d CryptogramData
	var seen [len(cryptogramTags)]bool
	dst := [len(cryptogramTags)][]byte{
		d.AmountAuthorised[:], d.AmountOther[:], d.TerminalCountry[:], d.TVR[:], d.CurrencyCode[:],
		d.Date[:], {0}, d.UN[:], d.AIP[:], d.ATC[:], nil,
	}
	var walk func(s tlv.Scanner) error
	walk = func(s tlv.Scanner) error {
		for s.Next() {
			if s.Constructed() {
				if err := walk(s.Descend()); err != nil {
					return err
				}
				continue
			}
			for i, t := range cryptogramTags {
				if s.Tag() != t || seen[i] {
					continue
				}
				seen[i] = true
				v := s.Value()
				if t == TagIssuerApplicationData {
					if len(v) > 32 {
						return fmt.Errorf("%w: tag 9F10 is %d bytes, at most 32", ErrValue, len(v))
					}
					d.IAD = v
				} else if len(v) != len(dst[i]) {
					return fmt.Errorf("%w: tag %v is %d bytes, want %d", ErrValue, t, len(v), len(dst[i]))
				} else {
					copy(dst[i], v)
				}
			}
		}
		return s.Err()
	}
	if err := walk(tlv.NewScanner(b)); err != nil {
		return CryptogramData{}, err
	}
	d.TransactionType = dst[6][0]
	var missing []string
	for i, ok := range seen {
		if !ok {
			missing = append(missing, cryptogramTags[i].String())
		}
	}
	if len(missing) > 0 {
		return CryptogramData{}, fmt.Errorf("%w: %s", ErrMissing, strings.Join(missing, ", "))
	}
	return d, nil
}

// appendFixed appends the ten fixed data elements of Table 26.
func (d *CryptogramData) appendFixed(dst []byte) []byte {
	dst = append(dst, d.AmountAuthorised[:]...)
	dst = append(dst, d.AmountOther[:]...)
	dst = append(dst, d.TerminalCountry[:]...)
	dst = append(dst, d.TVR[:]...)
	dst = append(dst, d.CurrencyCode[:]...)
	dst = append(dst, d.Date[:]...)
	dst = append(dst, d.TransactionType)
	dst = append(dst, d.UN[:]...)
	dst = append(dst, d.AIP[:]...)
	return append(dst, d.ATC[:]...)
}

// CryptogramMethod is a scheme's cryptogram version: which master key
// derivation, session key, data, padding and ARPC method it uses.
type CryptogramMethod uint8

// Supported cryptogram versions.
const (
	// VisaCVN10 (IAD byte 3 = 0A): Option A master key used directly (no
	// session key), data = Table 26 elements + the 4-byte CVR from the IAD,
	// padding method 1 (zeros), ARPC method 1 with ARC under the master key.
	VisaCVN10 CryptogramMethod = iota + 1
	// VisaCVN18 (IAD byte 3 = 12): Option B, common session key with
	// R = ATC || 00.., data = Table 26 elements + the whole IAD, padding
	// method 2, ARPC method 2 under the session key.
	VisaCVN18
	// VisaCVN22 (IAD format 2, byte 2 = 22): as CVN 18 with the 32-byte
	// format 2 IAD (VSDC Issuer Implementation Guide 2018, Appendix H).
	VisaCVN22
	// CCD is the EMV Common Core Definitions cryptogram version 5 (TDES,
	// EMV Book 2 Annex A1 with Book 3 Annex C7), as CCD-compliant cards
	// use (UnionPay PBOC/UICS cards use PBOCCVN01 instead): Option B, common session key with
	// R = ATC || 00.., Table CCD 3 data (Table 26 + the whole IAD), padding
	// method 2, ARPC method 2.
	CCD
	// PBOCCVN01 is the UnionPay PBOC 2.0/3.0 (JR/T 0025, UICS) cryptogram
	// version 01 with TDES: Option A master key, the PBOC session key
	// (PBOCSessionKey: the ATC, not the EMV common session key), data =
	// Table 26 elements + the 4-byte CVR of the 07-length IAD, padding
	// method 2, ARPC method 1 under the session key. See cryptogram_pboc.go.
	PBOCCVN01
)

func (m CryptogramMethod) String() string {
	switch m {
	case VisaCVN10:
		return "Visa CVN 10"
	case VisaCVN18:
		return "Visa CVN 18"
	case VisaCVN22:
		return "Visa CVN 22"
	case CCD:
		return "EMV CCD cryptogram version 5"
	case PBOCCVN01:
		return "PBOC/UICS CVN 01"
	}
	return "unknown cryptogram method"
}

func (m CryptogramMethod) valid() error {
	if m < VisaCVN10 || m > PBOCCVN01 {
		return fmt.Errorf("%w: cryptogram method %d", ErrValue, m)
	}
	return nil
}

// Padding is the ISO/IEC 9797-1 padding method of the AC MAC.
func (m CryptogramMethod) Padding() keys.Padding {
	if m == VisaCVN10 {
		return keys.Padding1
	}
	return keys.Padding2
}

// MasterKey derives the card's AC master key from the issuer master key:
// Option A for CVN 10, Option B for the others.
func (m CryptogramMethod) MasterKey(imk *keys.Key, pan PAN, psn string) (*keys.Key, error) {
	if err := m.valid(); err != nil {
		return nil, err
	}
	if m == VisaCVN10 || m == PBOCCVN01 {
		return DeriveICCKeyA(imk, pan, psn)
	}
	return DeriveICCKeyB(imk, pan, psn)
}

// SessionKey derives the AC session key for an ATC. CVN 10 has none: it
// returns mk itself.
func (m CryptogramMethod) SessionKey(mk *keys.Key, atc [2]byte) (*keys.Key, error) {
	if err := m.valid(); err != nil {
		return nil, err
	}
	switch m {
	case VisaCVN10:
		return mk, nil
	case PBOCCVN01:
		return PBOCSessionKey(mk, atc)
	}
	return CommonSessionKey(mk, SessionR(uint16(atc[0])<<8|uint16(atc[1]), [4]byte{}))
}

// AppendData appends the cryptogram input data to dst.
func (m CryptogramMethod) AppendData(dst []byte, d *CryptogramData) ([]byte, error) {
	if err := m.valid(); err != nil {
		return dst, err
	}
	switch m {
	case VisaCVN10:
		// VIS: the CVR (with its length byte) is IAD bytes 4-7.
		if len(d.IAD) < 7 || d.IAD[3] != 0x03 {
			return dst, fmt.Errorf("%w: tag 9F10 has no Visa CVR (bytes 4-7)", ErrValue)
		}
		return append(d.appendFixed(dst), d.IAD[3:7]...), nil
	case PBOCCVN01:
		if err := pbocIAD(d.IAD); err != nil {
			return dst, err
		}
		return append(d.appendFixed(dst), d.IAD[3:7]...), nil
	case VisaCVN22:
		if len(d.IAD) != 32 || d.IAD[0] != 0x1F {
			return dst, fmt.Errorf("%w: tag 9F10 is not a 32-byte Visa format 2 IAD", ErrValue)
		}
	case CCD:
		if len(d.IAD) != 32 || d.IAD[0] != 0x0F {
			return dst, fmt.Errorf("%w: tag 9F10 is not a 32-byte CCD IAD", ErrValue)
		}
	}
	return append(d.appendFixed(dst), d.IAD...), nil
}

// Cryptogram computes the AC over d under the session key.
func (m CryptogramMethod) Cryptogram(sk *keys.Key, d *CryptogramData) ([]byte, error) {
	var buf [96]byte
	data, err := m.AppendData(buf[:0], d)
	if err != nil {
		return nil, err
	}
	return ApplicationCryptogram(sk, data, m.Padding())
}

// ARPCInput is what the issuer's answer binds into the ARPC: the ARC (8A)
// for method 1, the Card Status Update and optional proprietary data for
// method 2.
type ARPCInput struct {
	ARC         [2]byte
	CSU         [4]byte
	Proprietary []byte // 0-8 bytes
}

// ARPC computes the ARPC with the method's ARPC method, under sk (for CVN
// 10: the ICC master key, which SessionKey returns; for PBOC CVN 01 the
// session key).
func (m CryptogramMethod) ARPC(sk *keys.Key, arqc []byte, in ARPCInput) ([]byte, error) {
	if err := m.valid(); err != nil {
		return nil, err
	}
	if m == VisaCVN10 || m == PBOCCVN01 {
		return ARPCMethod1(sk, arqc, in.ARC)
	}
	return ARPCMethod2(sk, arqc, in.CSU, in.Proprietary)
}

// IssuerAuthenticationData builds the tag 91 value for an ARPC: ARPC ||
// ARC for method 1, ARPC || CSU || proprietary data for method 2.
func (m CryptogramMethod) IssuerAuthenticationData(arpc []byte, in ARPCInput) []byte {
	out := append([]byte(nil), arpc...)
	if m == VisaCVN10 || m == PBOCCVN01 {
		return append(out, in.ARC[:]...)
	}
	return append(append(out, in.CSU[:]...), in.Proprietary...)
}

// VerifyARQC is the issuer's check of an authorisation request: it derives
// the card's master key and session key from the issuer master key, then
// recomputes the cryptogram over d and compares it with arqc in constant
// time. It returns the session key for the ARPC.
func (m CryptogramMethod) VerifyARQC(imk *keys.Key, pan PAN, psn string, d *CryptogramData, arqc []byte) (*keys.Key, error) {
	mk, err := m.MasterKey(imk, pan, psn)
	if err != nil {
		return nil, err
	}
	sk, err := m.SessionKey(mk, d.ATC)
	if err != nil {
		return nil, err
	}
	var buf [96]byte
	data, err := m.AppendData(buf[:0], d)
	if err != nil {
		return nil, err
	}
	if err := VerifyCryptogram(sk, data, m.Padding(), arqc); err != nil {
		return nil, fmt.Errorf("%w (%v, ATC %s)", err, m, hexString(d.ATC[:]))
	}
	return sk, nil
}

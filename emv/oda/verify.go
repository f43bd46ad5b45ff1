package oda

import (
	"crypto/subtle"
	"fmt"
)

// VerifySDA checks the Signed Static Application Data (tag 93) under the
// issuer key (EMV Book 2 §5.4): format 03, hash over the signed data and the
// static data to be authenticated. It returns the Data Authentication Code
// (tag 9F45), which the terminal stores.
func VerifySDA(issuer *IssuerPublicKey, ssad, staticData []byte) (dac []byte, err error) {
	if issuer == nil || len(ssad) == 0 {
		return nil, fmt.Errorf("%w: signed static application data (93) is needed", ErrMissingData)
	}
	const what = "signed static application data"
	m, err := newPublicKey(issuer.Modulus, issuer.Exponent).recover(ssad, 0x03, what)
	if err != nil {
		return nil, err
	}
	if len(m) < 26 || m[2] != 0x01 {
		return nil, fmt.Errorf("%w: %s: hash algorithm %02X", ErrSignature, what, m[2])
	}
	if err := checkHash(m, what, staticData); err != nil {
		return nil, err
	}
	return clone(m[3:5]), nil
}

// DynamicData is what a verified Signed Dynamic Application Data (9F4B)
// holds.
type DynamicData struct {
	// ICCDynamicNumber (tag 9F4C), 2–8 bytes.
	ICCDynamicNumber []byte
	// For CDA only: the Cryptogram Information Data and the Application
	// Cryptogram the card signed, and the transaction data hash.
	CID             byte
	Cryptogram      []byte
	TransactionHash []byte
}

// recoverDynamic recovers a format-05 SDAD and checks its hash over
// terminalData; it returns the ICC Dynamic Data.
func recoverDynamic(icc *ICCPublicKey, sdad, terminalData []byte, what string) ([]byte, error) {
	if icc == nil || len(sdad) == 0 {
		return nil, fmt.Errorf("%w: signed dynamic application data (9F4B) is needed", ErrMissingData)
	}
	m, err := newPublicKey(icc.Modulus, icc.Exponent).recover(sdad, 0x05, what)
	if err != nil {
		return nil, err
	}
	if len(m) < 25 || m[2] != 0x01 {
		return nil, fmt.Errorf("%w: %s: hash algorithm %02X", ErrSignature, what, m[2])
	}
	l := int(m[3])
	if 4+l > len(m)-21 {
		return nil, fmt.Errorf("%w: %s: dynamic data length %d overruns the block", ErrSignature, what, l)
	}
	if err := checkHash(m, what, terminalData); err != nil {
		return nil, err
	}
	return m[4 : 4+l], nil
}

// VerifyDDA checks the SDAD returned by INTERNAL AUTHENTICATE (EMV Book 2
// §6.5.2): format 05, hash over the signed data and the DDOL data the
// terminal sent. It returns the ICC Dynamic Number.
func VerifyDDA(icc *ICCPublicKey, sdad, ddolData []byte) (*DynamicData, error) {
	dd, err := recoverDynamic(icc, sdad, ddolData, "signed dynamic application data")
	if err != nil {
		return nil, err
	}
	idn, err := dynamicNumber(dd)
	if err != nil {
		return nil, err
	}
	return &DynamicData{ICCDynamicNumber: idn}, nil
}

func dynamicNumber(dd []byte) ([]byte, error) {
	if len(dd) < 1 || int(dd[0]) > len(dd)-1 || dd[0] < 2 || dd[0] > 8 {
		return nil, fmt.Errorf("%w: ICC dynamic number length is not 2 to 8 bytes", ErrSignature)
	}
	return clone(dd[1 : 1+int(dd[0])]), nil
}

// FDDAData builds the terminal dynamic data fDDA signs (Visa qVSDC, EMV
// Contactless Book C-3 §5.3): Unpredictable Number (9F37), Amount Authorised
// (9F02), Transaction Currency Code (5F2A) and Card Authentication Related
// Data (9F69).
func FDDAData(un, amount, currency, cardAuthData []byte) []byte {
	out := make([]byte, 0, len(un)+len(amount)+len(currency)+len(cardAuthData))
	out = append(out, un...)
	out = append(out, amount...)
	out = append(out, currency...)
	return append(out, cardAuthData...)
}

// VerifyFDDA checks the SDAD a contactless card returned with its GPO
// response; it is DDA over FDDAData.
func VerifyFDDA(icc *ICCPublicKey, sdad, un, amount, currency, cardAuthData []byte) (*DynamicData, error) {
	return VerifyDDA(icc, sdad, FDDAData(un, amount, currency, cardAuthData))
}

// CDAInput is what the terminal needs to check a combined DDA/AC generation
// (EMV Book 2 §6.6.2).
type CDAInput struct {
	// SDAD is tag 9F4B from the GENERATE AC response.
	SDAD []byte
	// UnpredictableNumber is tag 9F37 as sent in the CDOL data.
	UnpredictableNumber []byte
	// CID is tag 9F27 from the GENERATE AC response.
	CID byte
	// PDOLData, CDOL1Data and CDOL2Data are the DOL data the terminal sent
	// (CDOL2Data only for the second GENERATE AC).
	PDOLData, CDOL1Data, CDOL2Data []byte
	// ResponseTLVs are the GENERATE AC response's data objects, in the order
	// received, without 9F4B.
	ResponseTLVs []byte
}

// VerifyCDA checks the SDAD of a GENERATE AC with CDA: its hash over the
// Unpredictable Number, the CID it signed against the one returned, and the
// Transaction Data Hash Code over PDOL data, CDOL data and the response
// objects. It returns the signed cryptogram, which the terminal uses as the
// Application Cryptogram.
func VerifyCDA(icc *ICCPublicKey, in CDAInput) (*DynamicData, error) {
	const what = "CDA signed dynamic application data"
	dd, err := recoverDynamic(icc, in.SDAD, in.UnpredictableNumber, what)
	if err != nil {
		return nil, err
	}
	idn, err := dynamicNumber(dd)
	if err != nil {
		return nil, err
	}
	rest := dd[1+len(idn):]
	if len(rest) < 1+8+20 {
		return nil, fmt.Errorf("%w: %s: ICC dynamic data too short for CID, cryptogram and hash", ErrSignature, what)
	}
	out := &DynamicData{
		ICCDynamicNumber: idn,
		CID:              rest[0],
		Cryptogram:       clone(rest[1:9]),
		TransactionHash:  clone(rest[9:29]),
	}
	if out.CID != in.CID {
		return nil, fmt.Errorf("%w: %s: signed CID %02X, response CID %02X", ErrSignature, what, out.CID, in.CID)
	}
	h := TransactionDataHash(in.PDOLData, in.CDOL1Data, in.CDOL2Data, in.ResponseTLVs)
	if subtle.ConstantTimeCompare(h, out.TransactionHash) != 1 {
		return nil, fmt.Errorf("%w: %s: transaction data hash mismatch", ErrSignature, what)
	}
	return out, nil
}

// Package emv holds the building blocks every EMV program needs, on the
// terminal or the host side: a data dictionary, decoders that put words on
// every bit, track data, APDUs, DOL filling, field 55, and application
// cryptograms.
//
// Where to start:
//
//   - Lookup, LookupScheme, Entries: the dictionary (EMV Book 3 Annex A,
//     Book 4, contactless kernels, Visa, Mastercard, Amex and UnionPay/PBOC
//     tags) with name, format, length range, source, template and
//     sensitivity of each data object.
//   - Describe: any BER-TLV (card response, field 55) as an indented tree
//     with meanings; sensitive values masked unless asked.
//   - TVR, TSI, AIP, AUC, CVMList, CVMResults, CID, TerminalCapabilities,
//     AdditionalCapabilities, TTQ, CTQ, ParseIAD: bit-level decoders; the
//     kernel sets TVR/TSI bits by name (tvr.Set(emv.TVRICCDataMissing)).
//   - PAN, Track1, Track2, ParseTag57, ServiceCode: track data; every way
//     of printing them masks the PAN to first 6 / last 4.
//   - Select, GetProcessingOptions, ReadRecord, GenerateAC, VerifyPlaintext
//     ...: short command APDUs; ParseResponse and *StatusError for answers.
//   - Data and Data.FillDOL: the transaction's data objects and PDOL/CDOL
//     filling via tlv.DOL; Field55Spec builds an authorisation request's
//     field 55, ParseIssuerResponse reads the response's (91, 8A, 71/72).
//   - DeriveICCKeyA/B, CommonSessionKey, VisaSessionKey, ApplicationCryptogram,
//     ARPCMethod1/2 and CryptogramMethod (Visa CVN 10/18/22, CCD): the
//     issuer and test side of EMV Book 2 Annex A1, on keys.Key.
//
// Not here: the transaction flow (kernel), offline data authentication and
// CA key stores build on this package; the card reader lives in package
// reader; ISO 8583 message packing in package iso8583.
//
// First calls: the cryptogram data of field 55, the issuer's ARQC check,
// field 55 in words.
//
//	d, err := emv.CryptogramDataFromTLV(field55)
//	pan, err := emv.ParsePAN("6225880123456780")
//	m, err := emv.CryptogramMethodOf(aid, d.IAD)          // or emv.CCD, emv.VisaCVN18 ...
//	sk, err := m.VerifyARQC(imk, pan, "01", &d, arqc)      // constant-time compare; sk makes the ARPC
//	s, err := emv.DescribeString(field55, emv.DescribeOptions{}) // PAN and track 2 masked
package emv

// Package sim is a software EMV card: personalised from a JSON Profile, it
// answers the APDUs a real card answers (SELECT of PSE, PPSE and AIDs, GET
// PROCESSING OPTIONS, READ RECORD, GET DATA, GENERATE AC, INTERNAL and
// EXTERNAL AUTHENTICATE, GET CHALLENGE, VERIFY with plaintext and
// enciphered PIN, issuer script commands) with real cryptograms under the
// profile's issuer master key (emv.CryptogramMethod: Visa CVN 10/18, CCD) and
// real RSA certificates and signatures from the test PKI in emv/oda/odatest
// (SDA, DDA, fDDA, CDA).
//
// A *Card is a reader.Card, so the EMV kernel, the PC/SC virtual reader
// (reader/vpcd) and the examples drive it exactly as they drive a card in a
// reader. Faults make it misbehave for tests: corrupted certificates or
// signatures, forced status words, T=0 61xx/6Cxx behaviour, a rejected ARPC;
// Remove simulates a card pulled out mid-transaction.
//
// testdata holds ready profiles: a Visa-like DDA card, a Mastercard-like CDA
// card (T=0), a UnionPay-like SDA card, a contactless qVSDC card, an expired
// card and one with a corrupted issuer certificate. It is for tests and
// demonstrations only: its keys are published.
package sim

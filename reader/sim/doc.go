// Package sim is a software EMV card: personalised from a JSON Profile, it
// answers the APDUs a real card answers (SELECT of PSE, PPSE and AIDs, GET
// PROCESSING OPTIONS, READ RECORD, GET DATA, GENERATE AC, INTERNAL and
// EXTERNAL AUTHENTICATE, GET CHALLENGE, VERIFY with plaintext and
// enciphered PIN, issuer script commands with secure messaging) with real
// cryptograms under the profile's issuer master key (emv.CryptogramMethod:
// Visa CVN 10/18, CCD, UnionPay PBOC CVN 01) and real RSA certificates and
// signatures from the test PKI in emv/oda/odatest (SDA, DDA, fDDA, CDA).
//
// It is meant as an oracle for terminals, so its rules are the card's own,
// written from the card's side of the specifications and never from the
// kernel's code: card risk management (risk.go: velocity checking on ATC -
// Last Online ATC and cumulative offline amounts, new card, PIN try limit,
// issuer authentication failed last time, last online transaction not
// completed) decides between TC and ARQC; GENERATE AC answers only what
// EMV Book 3 §9.3 allows (never a TC to an ARQC request); the IAD carries
// the scheme's CVR (VIS, CCD format A, PBOC); issuer scripts are
// MAC-checked and executed (script.go); a blocked application answers
// SELECT with 6283. Start with New or NewFromFile, then Transmit.
//
// A *Card is a reader.Card, so the EMV kernel, the PC/SC virtual reader
// (reader/vpcd, which calls Reset on power-on) and the examples drive it
// exactly as they drive a card in a reader. Faults make it misbehave on
// purpose, to test a terminal's defences: corrupted certificates or
// signatures (CDA included), forced status words, T=0 61xx/6Cxx behaviour,
// a rejected ARPC, a TC for an ARQC request, malformed GENERATE AC
// responses, a wrong ATC; Remove simulates a card pulled out.
//
// testdata holds ready profiles: a Visa-like DDA card, a Mastercard-like CDA
// card (T=0), a UnionPay PBOC SDA card, a contactless qVSDC card, an expired
// card and one with a corrupted issuer certificate. It is for tests and
// demonstrations only: its keys are published.
//
// First calls:
//
//	card, err := sim.NewFromFile("testdata/unionpay_sda.json") // a reader.Card
//	resp, err := card.Transmit(ctx, apdu)
//	res, err := k.RunContact(ctx, card, tx)                // an emv/kernel Kernel drives it
package sim

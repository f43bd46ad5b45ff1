// Package oda performs EMV offline data authentication (EMV Book 2): the
// terminal's proof, without going online, that the card's data was signed by
// its issuer (SDA), that the card holds a private key (DDA, fDDA for
// contactless), and that the cryptogram came from that card (CDA).
//
// Start with a CAStore of the schemes' CA public keys (NewCAStore, or
// LoadCAStore from JSON; every key's checksum is verified). Then:
//
//	ca, _ := store.Lookup(aid[:5], capkIndex /* tag 8F */, today)
//	iss, err := oda.RecoverIssuerKey(ca, tag90, tag92, tag9F32, pan, today)
//	icc, err := oda.RecoverICCKey(iss, tag9F46, tag9F48, tag9F47, staticData, pan, today)
//	dd, err := oda.VerifyDDA(icc, tag9F4B, ddolData)
//
// Every check of Book 2 is made (lengths, header, trailer, format, hash,
// algorithm indicators, issuer identifier and PAN, expiry); each failure
// wraps a sentinel (ErrCertificate, ErrSignature, ErrExpired, ErrPANMismatch,
// ErrMissingData ...) so the kernel can set the right TVR bits. Nothing here
// panics on card data.
//
// The Sign functions are the issuer's side, used to personalise test and
// software cards; odatest holds a test PKI. The transaction flow that calls
// this package lives in the EMV kernel.
package oda

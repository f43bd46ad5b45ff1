// Package keys holds the symmetric key material of a payment terminal or
// acquirer host: typed keys with check values, ECB key wrapping, and the MACs
// and working-key download of China UnionPay (CUP) POS links.
//
// Start with Key: New, FromHex, FromComponents (key ceremony) or Generate
// build one for an Algorithm (TDES2, TDES3, AES128/192/256, SM4; DES only
// with the Legacy option). A Key prints as its algorithm and check value
// only, in every fmt verb and in slog; ClearBytes is the one, deliberately
// named, way to get its bytes. Key.Block gives a crypto/cipher.Block, and
// everything else in the package takes a cipher.Block, so SM4 and AES work
// wherever DES does.
//
// Check values: CheckValue (legacy zero-block encryption, or CMAC per
// X9.24-1:2017 A.3 for AES). Key wrapping under a TMK/ZMK: Wrap, Unwrap,
// EncryptECB, DecryptECB.
//
// MACs: CBCMAC (ISO/IEC 9797-1 algorithm 1, ANSI X9.9), RetailMAC
// (algorithm 3, ANSI X9.19), CMAC (NIST SP 800-38B), CUPMAC (the UnionPay
// "ECB" MAC) and PBOCMAC; compare MACs with Equal or Verify, never
// bytes.Equal. CUP sign-in: DecodeField62 (terminal) checks and unwraps
// PIK, MAK and TDK from field 62; NewWorkingKeys and EncodeField62 (host)
// produce them. EncryptTrack and DecryptTrack protect track data with the TDK.
//
// Not here: DUKPT (keys/dukpt), TR-31 key blocks (keys/tr31), PIN blocks
// (package pinblock), EMV session keys and cryptograms (package emv). Keys
// live in process memory; Zero is best effort, not an HSM.
//
// First calls: a key from hex, the working keys of a CUP sign-in, a MAC.
//
//	tmk, err := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
//	defer tmk.Zero()
//	fmt.Println(tmk)                                      // "TDES-2key KCV 08D7B4": never the bytes
//	w, err := keys.DecodeField62(tmk, keys.ModeTDES, f62) // PIK, MAK (and TDK), check values verified
//	left, right, err := w.MAC.DESParts()
//	mac, err := keys.RetailMAC(left, right, msg, keys.Padding1, 8) // ANSI X9.19
//
// A key's Usage is one of UsageUnspecified, UsageKeyEncryption (TMK, ZMK,
// KEK, KBPK), UsagePIN (PIK), UsageMAC (MAK), UsageData (TDK), UsageBDK,
// UsageDUKPTInitial and UsageDerivation (set with WithUsage).
package keys

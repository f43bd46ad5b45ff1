// Package hsm is a host's interface to a payment hardware security module
// and a software implementation of it. The host speaks operations, never
// keys: it holds each key as a KeyBlock (a TR-31 version D key block under
// the HSM's local master key, LMK) and hands it back with each command, as
// with a Thales payShield's key blocks. What an acquirer or issuer host
// needs is here:
//
//   - terminal keys: GenerateWorkingKeys (CUP sign-in: field 62 and check
//     values for the terminal, the new keys as key blocks for the host's
//     store), GenerateMAC and VerifyMAC (CUP ECB, X9.19, X9.9, CMAC, and
//     TDES DUKPT request/response MACs from the BDK);
//   - PINs: TranslatePIN (terminal PIN key or DUKPT → zone PIN key, with a
//     change of ISO 9564 format), VerifyPIN and GeneratePINVerification
//     (Visa PVV, IBM 3624 offset);
//   - chip cards: VerifyARQC, with the ARPC and tag 91 for the answer, for
//     any emv.ACMethod (Visa CVN 10/18/22, CCD, PBOC CVN 01, M/Chip CVN
//     16/17/20/21, Interac CVN 133, custom profiles);
//   - card verification values: GenerateCardValue and VerifyCardValue
//     (CVV/CVC, CVV2, iCVV, CVC3, dCVV); ScriptCommand (issuer script MAC,
//     encipherment and PIN change commands from PIN blocks);
//   - key management: GenerateKey, ImportComponents, ImportTR31, ExportTR31,
//     CheckValue.
//
// Start with NewSoftware, whose SoftwareConfig holds the LMK (an AES key, from a key
// ceremony with keys.FromComponents or from a file sealed with SealLMK and
// opened with OpenLMK), and program against the HSM interface so a network
// HSM can take its place. A KeyClass names what a key may do (TR-31 key
// usage and mode of use); every operation checks the classes of the keys it
// is given, so a MAC key cannot decrypt a PIN block.
//
// Keys the host configures rather than receives (issuer master keys, CVKs,
// PVKs, zone keys, BDKs) can live in a Keyring: a file of labelled key
// blocks, written atomically, holding no clear key.
//
// Software keeps a bounded cache of unwrapped keys and their key schedules,
// so a key block is unwrapped once, not per message; it is safe for
// concurrent use. Errors wrap the sentinels of errors.go and never contain
// key bytes, PINs, PIN blocks or PANs.
//
// Not here: a network HSM client, RSA/ECC keys, TR-34, and the host's
// choice of which key to use for which terminal (that is the host's store).
//
// First calls: a software HSM under its local master key, a TMK from
// components, a sign-in's working keys, a MAC.
//
//	h, err := hsm.NewSoftware(hsm.SoftwareConfig{LMK: lmk})
//	tmk, err := h.ImportComponents(ctx, hsm.TerminalMasterKey, keys.TDES2, comps)
//	w, err := h.GenerateWorkingKeys(ctx, tmk, keys.ModeTDES) // w.Field62 for the 0810, w.MAC for the store
//	mac, err := h.GenerateMAC(ctx, hsm.MACRequest{Key: w.MAC, Algorithm: hsm.MACX919, Data: msg})
package hsm

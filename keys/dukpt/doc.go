// Package dukpt implements Derived Unique Key Per Transaction key
// management for both sides of a payment: the PIN pad (terminal) and the
// acquirer host.
//
// Two flavours exist and both are here. TDES DUKPT (ANSI X9.24-1:2009) uses
// a 16-byte BDK, 10-byte KSNs (KSN) and the variant keys of Table A-1.
// AES DUKPT (ANSI X9.24-3-2017) uses AES BDKs, 12-byte KSNs (AESKSN) and
// derives working keys of any type (TDES or AES) for PIN, MAC, data and
// key-encryption usages.
//
// Hosts start with NewTDESHost or NewAESHost (BDK in, transaction key for
// any KSN out). Terminals start with NewTDESTerminal or NewAESTerminal
// (initial key in, Next per transaction), and persist the register with
// MarshalBinary after every Next. A transaction key (TDESKey, AESKey) yields
// the working keys.
//
// Working keys are keys.Key values with their usage set. TDESKey also
// encrypts a ready clear PIN block, computes X9.19 MACs (and TDES-CMACs)
// and TDES-CBC data as X9.24-1:2009 A.4 does. AESKey computes CMACs and
// HMACs and enciphers data under its working keys; AESUpdateKey (and
// AESHost.UpdateKey) derives the key-encryption key for re-keying a device.
// CheckValue on either transaction key gives the check value to compare
// with an HSM's or a device's report. Building ISO 9564 PIN blocks (format 0, and
// format 4 under an AES PIN key) is package pinblock's job: see
// pinblock.TDESDUKPT and pinblock.AESDUKPT. Key blocks for loading BDKs
// and initial keys are in package keys/tr31.
//
// Keys never print: String, fmt verbs and slog show KSNs only.
//
// First calls (host): the BDK's host, the KSN from the request, the
// transaction key, the PIN block.
//
//	host, err := dukpt.NewTDESHost(bdk)
//	ksn, err := dukpt.ParseKSN("FFFF9876543210E00001")
//	tk, err := host.TransactionKey(ksn)
//	defer tk.Zero()
//	clearBlock, err := tk.DecryptPINBlock(encrypted)
//
// A PIN pad uses NewTDESTerminal and Next; AES DUKPT has NewAESHost,
// ParseAESKSN and NewAESTerminal.
package dukpt

// Package kernel runs EMV transactions: it takes an inserted or tapped card
// from application selection to a cryptogram, and decides offline or goes
// online through the terminal's host link.
//
// Start with a Config (LoadConfigFile: capabilities, country and currency,
// supported AIDs with their action codes, floor and contactless limits, CA
// keys; ParseCUPAIDParams turns a UnionPay parameter download record into
// an AID's settings), set its code-only fields (Hooks for the PIN pad and
// the cardholder's choice, Logger, Rand, Clock, CAStore), then New, which
// checks it and keeps its own copy. Run transactions through the outcome
// API (StartContact, StartContactless: an Online Request stops the
// transaction until Session.Resume gets the host's answer) or in one call
// (RunContact, RunContactless, with Hooks.Online) with anything that has
// Transmit(ctx, apdu) ([]byte, error): a reader.Card from reader/pcsc
// wrapped in reader.Transport, or the software card of reader/sim.
//
// The contact flow follows EMV Book 3 §10 (selection by PSE or AID list,
// GET PROCESSING OPTIONS, records, SDA/DDA/CDA through emv/oda, processing
// restrictions, CVM list with offline plaintext and enciphered PIN, online
// PIN and signature, floor limit, random selection and velocity checking,
// terminal action analysis, first GENERATE AC, online step, issuer
// authentication, scripts 71/72, second GENERATE AC). The contactless flow
// is qVSDC-style one-tap (PPSE, TTQ, cryptogram from GPO, fDDA, CTQ-driven
// CVM including a phone's CDCVM, and the CTQ's go-online and
// switch-interface options of Book C-3 Annex A.2); the Entry Point (Book B) routes by kernel
// ID to Kernel 3 (that flow), Kernel 7 (UnionPay QuickPass, kernel7.go:
// qPBOC TTQ, electronic cash, ECBalance) and, for an AID with kernel2
// settings, Kernel 2 (Mastercard M/Chip, kernel2.go: relay resistance,
// CDA on GENERATE AC, on-device CVM, torn transaction recovery, mag-stripe
// mode). The Result carries the outcome, TVR, TSI,
// CVM results and field 55 for the host; every APDU is logged through slog
// with tags only, never values. Context cancellation ends a transaction
// cleanly with Outcome Failed.
//
// It is a reference kernel, not a certified one: scheme kernels C-2…C-8
// define more than this. Kernel 2's rules are checked against Book C-2 as
// an open M/Chip contactless kernel implements it state by state
// (github.com/xwanyux/AS350PLUS_SP, ctls/LV2/MPP_Kernel.c and
// MPP_Procedure.c) and Kernel 7's CVM and CTQ rules against the same
// project's UnionPay kernel (UNP_Kernel.c); each rule's comment names its
// state, and the kernels' own choices say "not confirmed against C-2/C-7".
// The steps the contactless kernels share are in clsteps.go.
//
// First calls: the terminal configuration (JSON for the EMV data, fields
// set in code for the PIN pad, logger, clock …), a kernel checked by New,
// one contact transaction through the outcome API.
//
//	cfg, err := kernel.LoadConfigFile("terminal.json")
//	cfg.Hooks.PINPad, cfg.Logger = pinPad, logger
//	k, err := kernel.New(*cfg)
//	s, step := k.StartContact(ctx, card, kernel.Transaction{Amount: 1234})
//	if step.Outcome == kernel.OutcomeOnlineRequest {
//		step = s.Resume(sendToHost(step.Online)) // nil: unable to go online
//	}
//	fmt.Println(step.Outcome, step.ReversalRequired, step.Result.TVR)
package kernel

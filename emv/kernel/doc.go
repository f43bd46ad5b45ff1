// Package kernel runs EMV transactions: it takes an inserted or tapped card
// from application selection to a cryptogram, and decides offline or goes
// online through the terminal's host link.
//
// Start with a Config (LoadConfigFile: capabilities, country and currency,
// supported AIDs with their action codes, floor and contactless limits, CA
// keys), then New with Hooks for the PIN pad, the cardholder's choice and
// the host, and call RunContact or RunContactless with anything that has
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
// CVM including a phone's CDCVM). The Result carries the outcome, TVR, TSI,
// CVM results and field 55 for the host; every APDU is logged through slog
// with tags only, never values. Context cancellation ends a transaction
// cleanly with Outcome Failed.
//
// It is a reference kernel, not a certified one: scheme kernels C-2…C-8
// define more than this.
//
// First calls: the terminal configuration, a kernel with the host hook,
// one contact transaction.
//
//	cfg, err := kernel.LoadConfigFile("terminal.json")
//	k, err := kernel.New(cfg, kernel.Hooks{Online: sendToHost, OnlinePIN: pinPad}, logger)
//	res, err := k.RunContact(ctx, card, kernel.Transaction{Amount: 1234})
//	fmt.Println(res.Outcome, res.TVR, res.TSI, res.Field55)
package kernel

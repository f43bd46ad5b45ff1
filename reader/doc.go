// Package reader is how the rest of possdk talks to smart cards: a Reader
// lists slots, waits for cards and opens them; a Card answers APDUs. The EMV
// kernel sees only the Card methods (ATR, Transmit, Close), so the same
// transaction code runs against a PC/SC reader, a terminal's contact module
// or a software card.
//
// Start with NewTransport: it wraps any Card with the EMV Book 1 §9.3
// transport rules that PC/SC leaves to the application (61xx → GET
// RESPONSE, 6Cxx → resend with the right Le, case-4 commands in T=0,
// extended APDUs refused). ParseCommand splits APDUs into their ISO 7816-3
// cases; ParseATR decodes an answer-to-reset, checks it against the EMV
// acceptance rules (ATR.CheckEMV) and prints it in words (ATR.String).
//
// Backends live in sub-packages, like database/sql drivers: reader/pcsc
// (pcscd through libpcsclite, built with -tags pcsc), reader/vpcd (serves a
// Card to pcscd through vsmartcard's virtual reader, for tests against the
// real daemon), reader/serial (serial ports) and reader/link (a framed
// STX/length/ETX/LRC link with ACK/NAK, and reader/link/ecr, the cash
// register protocol on top of it).
//
// reader/msr reads keyboard-wedge magnetic-stripe swipes into emv track
// types (a sub-package, because this one imports nothing of ours).
//
// Not here: APDU builders and status-word meanings (package emv), and the
// EMV kernel itself.
//
// First calls: the slots, wait for a card, open it, send an APDU with the
// EMV transport rules.
//
//	names, err := r.Readers(ctx)                          // r: pcsc.New(ctx), a sim card's reader ...
//	_, err = r.Wait(ctx, names[0], reader.Inserted)
//	c, err := r.Open(ctx, names[0])
//	defer c.Close()
//	t := reader.NewTransport(c, reader.TransportOptions{}) // GET RESPONSE, Le resend (EMV Book 1 §9.3)
//	resp, err := t.Transmit(ctx, selectPSE)
//	sw, ok := reader.SW(resp)
package reader

// Package vpcd inserts a software card into pcscd through vsmartcard's
// virtual reader (Debian package vsmartcard-vpcd), so code written for PC/SC
// (reader/pcsc, pcsc_scan, OpenSC, a browser) can be tested against the real
// daemon with a card whose every answer the test controls.
//
// vpcd is a pcscd reader driver that listens on TCP (port 35963 for slot
// "Virtual PCD 00 00"). The card connects, and every message is a 2-byte
// big-endian length and a payload: a 1-byte payload is a control command
// (power off, power on, reset, get ATR), anything else a command APDU to
// answer with a response APDU. vpcd works at the APDU level and passes
// answers through unchanged, so a card can return 61xx or 6Cxx and a test can
// check that the terminal side handles them.
//
// Start with Dial(ctx, DefaultAddr) and Conn.Serve(ctx, card); closing the
// connection removes the card. The card is any reader.Card; in practice the
// software EMV card of reader/sim. Cards that implement Resetter (or
// SimpleResetter, as reader/sim's *Card does) hear about power-on and
// resets.
//
// Not for production: vpcd accepts cards from the whole network.
package vpcd

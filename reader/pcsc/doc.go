// Package pcsc reads cards through PC/SC: pcscd and libpcsclite on Linux
// and the BSDs, the system's PC/SC elsewhere, by way of
// github.com/ebfe/scard. Context implements reader.Reader (list readers,
// wait for insertion or removal under a context, open) and Card implements
// reader.Card, with transactions, warm and cold resets, and PC/SC return
// codes mapped onto the reader sentinels (reader.ErrNoCard,
// reader.ErrCardRemoved, reader.ErrSharing, reader.ErrNoService ...).
//
// The binding needs cgo and libpcsclite-dev, so it is compiled only with
// the pcsc build tag: go build -tags pcsc. Without it (and with
// CGO_ENABLED=0, as for terminal firmware) the package still builds, Built
// is false and every call returns ErrNotBuilt.
//
// Card.Transmit passes APDUs through exactly as PC/SC does, which means
// 61xx and 6Cxx come back to the caller: wrap the card with
// reader.NewTransport for the EMV T=0 rules.
//
// pcscd's wire protocol changes between versions (4:4 in 1.9.9, 4:5 in
// 2.3.x): use the libpcsclite that came with the running pcscd. Builds of
// pcscd with polkit (Fedora, Arch, NixOS) refuse service users until a rule
// allows org.debian.pcsc-lite.access_pcsc and access_card.
package pcsc

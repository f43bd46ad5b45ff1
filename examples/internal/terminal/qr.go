package terminal

import (
	"context"
	"fmt"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/pinblock"
	"github.com/possdk/pos/qr"
	"github.com/possdk/pos/qr/render"
	"github.com/possdk/pos/tlv"
)

// UnionPay merchant account information (MPM ID 15): acquirer IIN,
// forwarding IIN, merchant ID. The IINs are the demonstration's.
const (
	acquirerIIN   = "03099988"
	forwardingIIN = "00010000"
)

// MerchantCode returns the dynamic merchant-presented code (EMV QRCPS-MPM,
// UnionPay profile) for a sale of amount, checked by decoding it back.
func (t *Terminal) MerchantCode(amount int64) (string, error) {
	a, err := qr.FormatAmount(amount, 2)
	if err != nil {
		return "", err
	}
	code := qr.MerchantCode{
		Initiation: qr.Dynamic,
		Accounts:   []qr.Object{{ID: 15, Value: acquirerIIN + forwardingIIN + t.cfg.MerchantID}},
		MCC:        "5411", Currency: "156", Amount: a, Country: "CN",
		Name: t.cfg.MerchantName, City: "SHANGHAI",
		Additional: []qr.Object{{ID: 7, Value: t.cfg.TerminalID}},
	}
	s := code.String()
	p, err := qr.Parse(s)
	if err != nil {
		return "", err
	}
	if err := p.Validate(qr.UnionPay); err != nil {
		return "", err
	}
	return s, nil
}

// ShowMerchantCode draws the code for amount in the terminal window (the
// transcript) for a wallet to scan.
func (t *Terminal) ShowMerchantCode(amount int64) (string, error) {
	s, err := t.MerchantCode(amount)
	if err != nil {
		return "", err
	}
	t.say("QR sale of %s: merchant-presented code (UnionPay profile, %d characters, CRC %s)", money(amount), len(s), s[len(s)-4:])
	t.say("  %s", s)
	if err := render.Terminal(t.cfg.Out, s, render.Options{Level: render.L}); err != nil {
		return "", err
	}
	return s, nil
}

// QRSale takes a consumer-presented code (EMV QRCPS-CPM, base64 BER-TLV)
// that the terminal's scanner read, and sends the sale with the wallet's
// chip data (its ARQC) in field 55.
func (t *Terminal) QRSale(ctx context.Context, payload string, amount int64) (*Sale, error) {
	c, err := qr.ParseCPM(payload)
	if err != nil {
		return nil, err
	}
	if err := t.Ready(ctx); err != nil {
		return nil, err
	}
	if len(c.Apps) == 0 {
		return nil, fmt.Errorf("terminal: payment code has no application")
	}
	pan := c.PAN(0)
	t.say("scanned consumer-presented code: %s, %s, PAN %s", c.Label(0), fmt.Sprintf("AID %X", c.AID(0)), pan)
	icc := c.AppendICCData(nil, 0)
	icc = tlv.AppendTLV(icc, 0x84, c.AID(0))
	card := link.Card{PAN: iso8583.PAN(pan.Digits()), EntryMode: QR.field22(), ICC: icc}
	if v, ok := c.Lookup(0, 0x5F34); ok && len(v) == 1 {
		card.CardSequence = fmt.Sprintf("%03X", v[0])
	}
	if t2 := c.Track2(0).Bytes(); len(t2) > 0 {
		if tr, err := emv.ParseTag57(t2); err == nil {
			card.Track2 = track2(tr)
			card.Expiry = tr.Expiry
		}
	}
	s := &Sale{Kind: iso8583.KindSale, Entry: QR, Amount: amount, PAN: pan.String(),
		AID: fmt.Sprintf("%X", c.AID(0)), Label: c.Label(0), CVM: "consumer device (phone)"}
	if ac, ok := c.Lookup(0, 0x9F26); ok {
		s.Cryptogram = fmt.Sprintf("ARQC %X", ac)
	}
	t.say("  → host: sale %s, field 55 of %d bytes from the code", money(amount), len(icc))
	res, err := t.hostAsks(ctx, func() (*link.Result, error) { return t.client.Sale(ctx, card, amount, pinblock.PIN{}) })
	if err != nil {
		s.LinkErr, s.Why = err, err.Error()
		t.say("  ✗ host: %v", err)
		return s, nil
	}
	s.Link = res
	r := res.Response
	t.say("  ← host: %s, auth code %q, RRN %s", r.ResponseCode, r.AuthCode, r.RRN)
	s.Approved = res.Approved()
	if !s.Approved {
		s.Why = r.ResponseCode.String()
		return s, nil
	}
	t.approved(s)
	return s, nil
}

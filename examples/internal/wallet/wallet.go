// Package wallet is the demonstration's phone wallet: a tokenised card that
// shows a consumer-presented payment code (EMV QRCPS-CPM) carrying an
// application cryptogram computed the way the card's issuer expects
// (emv.CryptogramMethod under a master key derived from the issuer master
// key), so the acquirer's ARQC check runs on QR payments too.
package wallet

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/qr"
	"github.com/possdk/pos/tlv"
)

// Wallet is one tokenised card in a phone.
type Wallet struct {
	AID    []byte
	Label  string
	PAN    string // the token
	PSN    string // two digits
	Expiry string // YYMM
	Method emv.CryptogramMethod
	IMK    *keys.Key // issuer master key the token's keys derive from
	ATC    uint16
}

// PaymentCode returns the base64 CPM payload for a payment of amount fen
// on date, with un as the unpredictable number: one application template
// (61) with AID, label, track 2 equivalent data, PAN and PSN, and a
// transparent template (63) with the ARQC and the data it covers (EMV Book
// 2 Table 26). Each call uses the next ATC.
func (w *Wallet) PaymentCode(amount int64, un [4]byte, date time.Time) (string, error) {
	pan, err := emv.ParsePAN(w.PAN)
	if err != nil {
		return "", err
	}
	w.ATC++
	var d emv.CryptogramData
	copy(d.AmountAuthorised[:], bcd(uint64(amount), 6))
	d.TerminalCountry = [2]byte{0x01, 0x56}
	d.CurrencyCode = [2]byte{0x01, 0x56}
	copy(d.Date[:], bcd(uint64(date.Year()%100*10000+int(date.Month())*100+date.Day()), 3))
	d.UN = un
	d.AIP = emv.AIP{0x00, 0x80} // no ODA, consumer device CVM supported
	binary.BigEndian.PutUint16(d.ATC[:], w.ATC)
	// CCD issuer application data (EMV Book 3 Annex C9, format A, 32 bytes): length 0F,
	// CCI A5 (CCD, cryptogram version 5), DKI, CVR ("ARQC returned in
	// first GENERATE AC"), 8 bytes of counters, then length 0F and 15 bytes
	// of issuer discretionary data.
	d.IAD = make([]byte, 32)
	copy(d.IAD, []byte{0x0F, 0xA5, 0x01, 0xA0})
	d.IAD[16] = 0x0F
	mk, err := w.Method.MasterKey(w.IMK, pan, w.PSN)
	if err != nil {
		return "", err
	}
	defer mk.Zero()
	sk, err := w.Method.SessionKey(mk, d.ATC)
	if err != nil {
		return "", err
	}
	defer sk.Zero()
	arqc, err := w.Method.Cryptogram(sk, &d)
	if err != nil {
		return "", err
	}

	var icc []byte
	for _, e := range []struct {
		tag tlv.Tag
		v   []byte
	}{
		{emv.TagApplicationCryptogram, arqc},
		{emv.TagCryptogramInformationData, []byte{0x80}},
		{emv.TagIssuerApplicationData, d.IAD},
		{emv.TagATC, d.ATC[:]},
		{emv.TagAIP, d.AIP[:]},
		{emv.TagUnpredictableNumber, d.UN[:]},
		{emv.TagAmountAuthorised, d.AmountAuthorised[:]},
		{emv.TagAmountOther, d.AmountOther[:]},
		{emv.TagTerminalCountryCode, d.TerminalCountry[:]},
		{emv.TagTVR, d.TVR[:]},
		{emv.TagTransactionCurrencyCode, d.CurrencyCode[:]},
		{emv.TagTransactionDate, d.Date[:]},
		{emv.TagTransactionType, []byte{d.TransactionType}},
	} {
		icc = tlv.AppendTLV(icc, e.tag, e.v)
	}
	t2, err := emv.ParseTrack2(w.PAN + "=" + w.Expiry + "201")
	if err != nil {
		return "", err
	}
	psn, err := bcdPSN(w.PSN)
	if err != nil {
		return "", err
	}
	var app []byte
	app = tlv.AppendTLV(app, emv.TagApplicationIdentifier, w.AID)
	app = tlv.AppendTLV(app, emv.TagApplicationLabel, []byte(w.Label))
	app = tlv.AppendTLV(app, emv.TagTrack2EquivalentData, t2.AppendTag57(nil))
	app = tlv.AppendTLV(app, emv.TagPAN, pan.AppendBCD(nil))
	app = tlv.AppendTLV(app, emv.TagPANSequenceNumber, []byte{psn})
	app = tlv.AppendTLV(app, qr.TagAppTransparent, icc)
	out := tlv.AppendTLV(nil, qr.TagPayloadFormat, []byte(qr.CPMFormatIndicator))
	out = tlv.AppendTLV(out, emv.TagApplicationTemplate, app)
	s := base64.StdEncoding.EncodeToString(out)
	// The terminal will parse it with package qr: check it does.
	if _, err := qr.ParseCPM(s); err != nil {
		return "", fmt.Errorf("wallet: built an invalid code: %w", err)
	}
	return s, nil
}

// bcd writes v as n bytes of packed BCD.
func bcd(v uint64, n int) []byte {
	b := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		b[i] = byte(v%10) | byte(v/10%10)<<4
		v /= 100
	}
	return b
}

func bcdPSN(s string) (byte, error) {
	if len(s) != 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return 0, fmt.Errorf("wallet: PSN %q is not two digits", s)
	}
	return (s[0]-'0')<<4 | (s[1] - '0'), nil
}

// Demo returns the demonstration's UnionPay QuickPass token, whose keys
// derive from imk (the issuer master key the host verifies with).
func Demo(imk *keys.Key) *Wallet {
	return &Wallet{
		AID: []byte{0xA0, 0x00, 0x00, 0x03, 0x33, 0x01, 0x01, 0x02}, Label: "UnionPay QuickPass",
		PAN: "6250947000000014", PSN: "01", Expiry: "3012", Method: emv.CCD, IMK: imk, ATC: 7,
	}
}

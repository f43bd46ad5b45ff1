// Package qr reads, writes and checks EMVCo payment QR payloads: the text a
// terminal shows for a wallet to scan (merchant-presented mode, MPM, EMV
// QRCPS-MPM v1.1) and the base64 BER-TLV a wallet shows for the terminal to
// scan (consumer-presented mode, CPM, EMV QRCPS-CPM v1.1).
//
// MPM: Parse or Payload.Decode turn the text into an ordered list of data
// objects, raw values kept, templates split into Sub, lengths counted in
// characters, the CRC-16/CCITT-FALSE over the UTF-8 bytes checked last (a
// CRC mismatch still leaves the payload decoded). Append and Encode write
// objects in the caller's order and add the CRC, so a decoded payload
// encodes back byte for byte; MerchantCode is the typed builder for the
// terminal's dynamic code with an amount. Validate checks a Payload under a
// Profile (EMVCo, UnionPay, Pix, PromptPay, SGQR, VietQR) and reports every
// problem with its field; typed accessors (MerchantName, Amount, Pix,
// PromptPay, VietQR, PayNow...) read what a terminal needs.
//
// CPM: ParseCPM or CPM.Decode check the BER-TLV structure (with package tlv)
// and the QRCPS-CPM rules, and expose each application's AID, PAN or token,
// track 2 equivalent data and the transparent templates a terminal puts into
// its authorisation request. CPM.Append builds payloads for tests and
// wallets. PAN and track 2 values never print in full.
//
// Recognize tells what a POS scanner read: a Chinese wallet's payment code
// (WeChat Pay, Alipay, UnionPay QuickPass, e-CNY, by their published
// prefix and length rules), an EMVCo CPM or MPM payload, or a wallet or
// acquirer URL. A PaymentCode is a bearer secret and prints masked.
//
// Drawing the symbol is qr/render's job; this package only handles text.
// Start with Parse and Payload.Validate, or MerchantCode.
//
// First calls: read and check a merchant-presented code, read a
// consumer-presented one, make a dynamic code.
//
//	p, err := qr.Parse(s)                                 // CRC checked
//	err = p.Validate(qr.UnionPay)                         // *qr.ValidationError lists every problem
//	fmt.Println(p.MerchantName(), p.Amount())
//	c, err := qr.ParseCPM(base64Payload)                  // EMV QRCPS-CPM: c.PAN(0), c.AppendICCData(nil, 0)
//	code := qr.MerchantCode{Initiation: qr.Dynamic, MCC: "5411", Currency: "156", Amount: "12.34", ...}
//	s = code.String()
package qr

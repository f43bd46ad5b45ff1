package qr

// Globally Unique Identifiers (sub-ID 00 of a merchant account template) of
// the national schemes with a profile.
const (
	GUIPix               = "br.gov.bcb.pix"   // BR Code, ID 26
	GUIPromptPayTransfer = "A000000677010111" // Thai QR credit transfer, ID 29
	GUIPromptPayBill     = "A000000677010112" // Thai QR bill payment, ID 30
	GUIVietQR            = "A000000727"       // NAPAS VietQR, ID 38
	GUIPayNow            = "SG.PAYNOW"        // Singapore PayNow
	GUISGQR              = "SG.SGQR"          // SGQR identity template, ID 51
)

// Typed accessors for the root fields a terminal shows or checks. Each
// returns "" when the field is absent.

// MerchantName returns ID 59.
func (p *Payload) MerchantName() string { return p.Value(IDMerchantName) }

// MerchantCity returns ID 60.
func (p *Payload) MerchantCity() string { return p.Value(IDMerchantCity) }

// Amount returns ID 54 as written ("23.72"); see ParseAmount.
func (p *Payload) Amount() string { return p.Value(IDAmount) }

// Currency returns ID 53, the ISO 4217 numeric code.
func (p *Payload) Currency() string { return p.Value(IDCurrency) }

// Country returns ID 58.
func (p *Payload) Country() string { return p.Value(IDCountry) }

// MCC returns ID 52.
func (p *Payload) MCC() string { return p.Value(IDMCC) }

// Dynamic reports whether ID 01 is "12": a code for one sale.
func (p *Payload) Dynamic() bool { return p.Value(IDInitiation) == Dynamic }

// ReferenceLabel returns 62/05 (the Pix txid, a PayNow reference).
func (p *Payload) ReferenceLabel() string { return p.Sub(IDAdditionalData, 5) }

// Language returns the Merchant Information—Language Template (ID 64).
func (p *Payload) Language() Language {
	return Language{
		Preference: p.Sub(IDLanguageTemplate, 0),
		Name:       p.Sub(IDLanguageTemplate, 1),
		City:       p.Sub(IDLanguageTemplate, 2),
	}
}

// PixAccount is the Pix merchant account (BR Code).
type PixAccount struct {
	Key  string // 26/01: e-mail, phone (+55...), CPF, CNPJ or random key (EVP)
	Info string // 26/02: free text for the payer
	URL  string // 26/25: location of a dynamic charge's payload
	TxID string // 62/05: transaction ID, "***" when none
}

// Pix returns the Pix account, found by its GUI in any account template.
func (p *Payload) Pix() (PixAccount, bool) {
	o, ok := p.Account(GUIPix)
	if !ok {
		return PixAccount{}, false
	}
	return PixAccount{Key: sub(o, 1), Info: sub(o, 2), URL: sub(o, 25), TxID: p.ReferenceLabel()}, true
}

// PromptPayAccount is a Thai QR (PromptPay) merchant account: a credit
// transfer (ID 29) to one proxy, or a bill payment (ID 30).
type PromptPayAccount struct {
	ID       ID     // 29 credit transfer, 30 bill payment
	Mobile   string // 29/01: "0066" and the number without its leading 0
	TaxID    string // 29/02: national ID or tax ID, 13 digits
	EWallet  string // 29/03: e-wallet ID, 15 digits
	BillerID string // 30/01: tax ID and a 2-digit suffix
	Ref1     string // 30/02
	Ref2     string // 30/03
}

// PromptPay returns the Thai QR account.
func (p *Payload) PromptPay() (PromptPayAccount, bool) {
	if o, ok := p.Account(GUIPromptPayTransfer); ok {
		return PromptPayAccount{ID: o.ID, Mobile: sub(o, 1), TaxID: sub(o, 2), EWallet: sub(o, 3)}, true
	}
	if o, ok := p.Account(GUIPromptPayBill); ok {
		return PromptPayAccount{ID: o.ID, BillerID: sub(o, 1), Ref1: sub(o, 2), Ref2: sub(o, 3)}, true
	}
	return PromptPayAccount{}, false
}

// VietQRAccount is a NAPAS VietQR beneficiary.
type VietQRAccount struct {
	BIN     string // 38/01/00: acquirer (bank) BIN, 6 digits
	Account string // 38/01/01: account or card number
	Service string // 38/02: QRIBFTTA (to account), QRIBFTTC (to card), QRPUSH
}

// VietQR returns the VietQR beneficiary. The nested 38/01 is read with Find;
// ok is false when the account template is absent or 38/01 is malformed.
func (p *Payload) VietQR() (VietQRAccount, bool) {
	o, ok := p.Account(GUIVietQR)
	if !ok {
		return VietQRAccount{}, false
	}
	bank := sub(o, 1)
	bin, _, err1 := Find(bank, 0)
	acct, _, err2 := Find(bank, 1)
	if err1 != nil || err2 != nil {
		return VietQRAccount{}, false
	}
	return VietQRAccount{BIN: bin, Account: acct, Service: sub(o, 2)}, true
}

// PayNowAccount is a Singapore PayNow proxy.
type PayNowAccount struct {
	ProxyType string // 01: "0" mobile, "2" UEN
	Proxy     string // 02: "+65..." or the UEN
	Editable  bool   // 03 = "1": the payer may change the amount
	Expiry    string // 04: YYYYMMDD, "" when none
}

// PayNow returns the PayNow account.
func (p *Payload) PayNow() (PayNowAccount, bool) {
	o, ok := p.Account(GUIPayNow)
	if !ok {
		return PayNowAccount{}, false
	}
	return PayNowAccount{ProxyType: sub(o, 1), Proxy: sub(o, 2), Editable: sub(o, 3) == "1", Expiry: sub(o, 4)}, true
}

// UnionPay returns the UnionPay merchant account information: ID 15 (or,
// failing that, 16), which holds the acquirer IIN, the forwarding IIN and
// the merchant ID.
func (p *Payload) UnionPay() (string, bool) {
	for _, id := range [...]ID{15, 16} {
		if o, ok := p.Get(id); ok {
			return o.Value, true
		}
	}
	return "", false
}

// Profile guesses the profile to validate p under from its accounts: Pix,
// PromptPay, VietQR, SGQR (PayNow or SGQR identity), UnionPay (ID 15/16),
// otherwise EMVCo.
func (p *Payload) Profile() Profile {
	switch {
	case has(p.Account(GUIPix)):
		return Pix
	case has(p.Account(GUIPromptPayTransfer)), has(p.Account(GUIPromptPayBill)):
		return PromptPay
	case has(p.Account(GUIVietQR)):
		return VietQR
	case has(p.Account(GUIPayNow)), has(p.Account(GUISGQR)):
		return SGQR
	case has(p.UnionPay()):
		return UnionPay
	}
	return EMVCo
}

func has[T any](_ T, ok bool) bool { return ok }

func sub(o Object, id ID) string {
	s, _ := o.Get(id)
	return s.Value
}

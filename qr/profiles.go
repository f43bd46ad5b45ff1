package qr

import (
	"time"
	"unicode/utf8"
)

// Scheme rules on top of the EMVCo field checks. Sources: the BCB Pix
// manual (BR Code), BOT Thai QR payment standard (PromptPay), NAPAS VietQR
// specification, SGQR specification and PayNow QR guide, UnionPay QR
// merchant-presented specification, as summarised in the project's QR
// notes; the sample payloads in testdata/mpm_samples.txt pass them.

// unionPay: UnionPay merchant account information in ID 15 or 16, whose
// value starts with the 8-digit acquirer IIN and the 8-digit forwarding IIN,
// then the merchant ID.
func (c *checker) unionPay() {
	v, ok := c.p.UnionPay()
	if !ok {
		c.add(15, -1, ErrMissing, "UnionPay merchant account information (ID 15 or 16) is mandatory under the UnionPay profile")
		return
	}
	id := ID(15)
	if _, ok := c.p.Get(15); !ok {
		id = 16
	}
	if len(v) <= 16 || !isDigits(v[:16]) {
		c.add(id, -1, ErrFormat, "%q: want the acquirer IIN (8 digits), the forwarding IIN (8 digits), then the merchant ID", v)
	}
}

// pix: BR Code rules.
func (c *checker) pix() {
	c.equalValue(IDCurrency, "986", Pix)
	c.equalValue(IDCountry, "BR", Pix)
	o, ok := c.p.Account(GUIPix)
	if !ok {
		c.add(26, 0, ErrMissing, "no merchant account template with GUI %s", GUIPix)
	} else {
		if g := o.GUI(); g != GUIPix {
			c.warn(o.ID, 0, ErrFormat, "GUI %q is not lower case; most wallets accept it", g)
		}
		key, hasKey := o.Get(1)
		url, hasURL := o.Get(25)
		switch {
		case hasKey && hasURL:
			c.add(o.ID, 25, ErrConflict, "a Pix code carries a key (01) or a location URL (25), not both")
		case !hasKey && !hasURL:
			c.add(o.ID, 1, ErrMissing, "a Pix code needs a key (01) or a location URL (25)")
		case hasKey && utf8.RuneCountInString(key.Value) > 77:
			c.add(o.ID, 1, ErrFormat, "Pix key is over 77 characters")
		case hasURL && utf8.RuneCountInString(url.Value) > 77:
			c.add(o.ID, 25, ErrFormat, "location URL is over 77 characters")
		}
	}
	txid, ok := c.p.Get(IDAdditionalData)
	if ok {
		txid, ok = txid.Get(5)
	}
	switch {
	case !ok:
		c.add(IDAdditionalData, 5, ErrMissing, "the Pix txid (reference label 62/05) is mandatory; \"***\" when there is none")
	case txid.Value != "***" && !isAlnum(txid.Value):
		c.add(IDAdditionalData, 5, ErrFormat, "txid %q: want \"***\" or up to 25 letters and digits", txid.Value)
	}
}

// promptPay: Thai QR rules.
func (c *checker) promptPay() {
	c.equalValue(IDCurrency, "764", PromptPay)
	c.equalValue(IDCountry, "TH", PromptPay)
	if o, ok := c.p.Account(GUIPromptPayTransfer); ok {
		if o.ID != 29 {
			c.add(o.ID, 0, ErrFormat, "PromptPay credit transfer belongs in ID 29")
		}
		n := 0
		for _, r := range [...]struct {
			sub    ID
			digits int
			what   string
		}{{1, 13, "mobile number"}, {2, 13, "national ID or tax ID"}, {3, 15, "e-wallet ID"}} {
			if s, ok := o.Get(r.sub); ok {
				n++
				if !isDigits(s.Value) || len(s.Value) != r.digits {
					c.add(o.ID, int(r.sub), ErrFormat, "%s %q: want %d digits", r.what, s.Value, r.digits)
				}
			}
		}
		if n != 1 {
			c.add(o.ID, 1, ErrConflict, "a credit transfer names exactly one proxy (01, 02 or 03), found %d", n)
		}
		return
	}
	if o, ok := c.p.Account(GUIPromptPayBill); ok {
		if o.ID != 30 {
			c.add(o.ID, 0, ErrFormat, "PromptPay bill payment belongs in ID 30")
		}
		if _, ok := o.Get(1); !ok {
			c.add(o.ID, 1, ErrMissing, "a bill payment needs the biller ID")
		}
		if _, ok := o.Get(2); !ok {
			c.add(o.ID, 2, ErrMissing, "a bill payment needs reference 1")
		}
		for _, sub := range [...]int{1, 2, 3} {
			if s, ok := o.Get(ID(sub)); ok && (!isANS(s.Value) || len(s.Value) > 20) {
				c.add(o.ID, sub, ErrFormat, "%q: want up to 20 printable ASCII characters", s.Value)
			}
		}
		return
	}
	c.add(29, 0, ErrMissing, "no PromptPay account (ID 29 with GUI %s or ID 30 with GUI %s)", GUIPromptPayTransfer, GUIPromptPayBill)
}

// sgqr: SGQR and PayNow rules.
func (c *checker) sgqr() {
	c.equalValue(IDCurrency, "702", SGQR)
	c.equalValue(IDCountry, "SG", SGQR)
	pn, hasPN := c.p.Account(GUIPayNow)
	id, hasID := c.p.Account(GUISGQR)
	if !hasPN && !hasID {
		c.add(26, 0, ErrMissing, "no %s or %s template", GUIPayNow, GUISGQR)
	}
	if hasPN {
		switch t := sub(pn, 1); t {
		case "0", "2":
		default:
			c.add(pn.ID, 1, ErrFormat, "PayNow proxy type %q: want 0 (mobile) or 2 (UEN)", t)
		}
		if proxy, ok := pn.Get(2); !ok {
			c.add(pn.ID, 2, ErrMissing, "PayNow proxy value is mandatory")
		} else if sub(pn, 1) == "0" && (len(proxy.Value) != 11 || proxy.Value[:3] != "+65" || !isDigits(proxy.Value[3:])) {
			c.add(pn.ID, 2, ErrFormat, "PayNow mobile %q: want +65 and 8 digits", proxy.Value)
		}
		if e, ok := pn.Get(3); ok && e.Value != "0" && e.Value != "1" {
			c.add(pn.ID, 3, ErrFormat, "amount editable flag %q: want 0 or 1", e.Value)
		}
		if e, ok := pn.Get(4); ok {
			if _, err := time.Parse("20060102", e.Value); err != nil {
				c.add(pn.ID, 4, ErrFormat, "expiry %q is not a YYYYMMDD date", e.Value)
			}
		}
	}
	if hasID {
		if s, ok := id.Get(1); !ok {
			c.add(id.ID, 1, ErrMissing, "the SGQR ID number is mandatory")
		} else if len(s.Value) != 12 {
			c.add(id.ID, 1, ErrFormat, "SGQR ID number %q: want 12 characters", s.Value)
		}
		if _, ok := id.Get(2); !ok {
			c.add(id.ID, 2, ErrMissing, "the SGQR version is mandatory")
		}
	}
}

// vietQR: NAPAS rules.
func (c *checker) vietQR() {
	c.equalValue(IDCurrency, "704", VietQR)
	c.equalValue(IDCountry, "VN", VietQR)
	o, ok := c.p.Account(GUIVietQR)
	if !ok {
		c.add(38, 0, ErrMissing, "no merchant account template with GUI %s", GUIVietQR)
		return
	}
	bank, ok := o.Get(1)
	if !ok {
		c.add(o.ID, 1, ErrMissing, "the beneficiary organisation (acquirer BIN and account) is mandatory")
	} else {
		bin, hasBIN, err := Find(bank.Value, 0)
		acct, hasAcct, _ := Find(bank.Value, 1)
		switch {
		case err != nil:
			c.add(o.ID, 1, ErrFormat, "beneficiary organisation: %v", err)
		case !hasBIN || !isDigits(bin) || len(bin) != 6:
			c.add(o.ID, 1, ErrFormat, "acquirer BIN (01/00) %q: want 6 digits", bin)
		case !hasAcct || !isANS(acct) || len(acct) > 19:
			c.add(o.ID, 1, ErrFormat, "account or card number (01/01) %q: want 1-19 characters", acct)
		}
	}
	switch s := sub(o, 2); s {
	case "QRIBFTTA", "QRIBFTTC", "QRPUSH":
	case "":
		c.add(o.ID, 2, ErrMissing, "the service code is mandatory")
	default:
		c.add(o.ID, 2, ErrFormat, "service code %q: want QRIBFTTA, QRIBFTTC or QRPUSH", s)
	}
}

func isAlnum(s string) bool {
	if s == "" || len(s) > 25 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isAlpha(s[i]) && (s[i] < '0' || s[i] > '9') {
			return false
		}
	}
	return true
}

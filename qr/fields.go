package qr

import "unicode/utf8"

// Format and length rules per data object, EMV QRCPS-MPM v1.1 tables for
// the root, the Additional Data Field Template (62) and the Merchant
// Information—Language Template (64). "N" is digits; "ans" is printable
// ASCII (0x20-0x7E); template 64 allows any UTF-8 text.

// field checks one root data object's format.
func (c *checker) field(o Object) {
	id, v := o.ID, o.Value
	switch {
	case id == IDPayloadFormat:
		if v != "01" {
			c.add(id, -1, ErrFormat, "payload format indicator is %q, want \"01\"", v)
		}
	case id == IDInitiation:
		if v != "11" && v != "12" {
			c.add(id, -1, ErrFormat, "point of initiation method is %q, want \"11\" (static) or \"12\" (dynamic)", v)
		}
	case id >= 2 && id < emvcoFirstTemplateMAI:
		c.ans(id, -1, v, 99)
	case id.IsAccount(), id >= emvcoFirstUnreservedID:
		c.gui(o)
	case id == IDMCC:
		c.numeric(id, -1, v, 4, 4)
	case id == IDCurrency:
		c.numeric(id, -1, v, 3, 3)
	case id == IDAmount, id == IDConvenienceFixed:
		if !isAmount(v) {
			c.add(id, -1, ErrFormat, "%q is not an amount (digits and one '.', up to 13 characters)", v)
		}
	case id == IDTipIndicator:
		if v != TipPrompt && v != TipFixed && v != TipPercentage {
			c.add(id, -1, ErrFormat, "tip or convenience indicator is %q, want 01, 02 or 03", v)
		}
	case id == IDConveniencePct:
		if !isAmount(v) || len(v) > 5 {
			c.add(id, -1, ErrFormat, "%q is not a percentage (digits and one '.', up to 5 characters)", v)
		}
	case id == IDCountry:
		if len(v) != 2 || !isUpper(v[0]) || !isUpper(v[1]) {
			c.add(id, -1, ErrFormat, "country code %q is not ISO 3166-1 alpha-2", v)
		}
	case id == IDMerchantName:
		c.ans(id, -1, v, 25)
	case id == IDMerchantCity:
		c.ans(id, -1, v, 15)
	case id == IDPostalCode:
		c.ans(id, -1, v, 10)
	case id == IDAdditionalData:
		c.additional(o)
	case id == IDCRC:
		if v != upperHex(v) {
			c.warn(id, -1, ErrFormat, "CRC %q is lower-case hex; the spec and most readers write upper case", v)
		}
	case id == IDLanguageTemplate:
		c.language(o)
	default: // 65-79
		c.warn(id, -1, ErrReserved, "IDs 65-79 are reserved for future use by EMVCo")
	}
}

// gui checks that a merchant account or unreserved template carries its
// Globally Unique Identifier (sub-ID 00, ans ..32).
func (c *checker) gui(o Object) {
	g, ok := o.Get(IDGloballyUniqueID)
	if !ok {
		c.add(o.ID, 0, ErrMissing, "template %s has no globally unique identifier (sub-ID 00)", o.ID)
		return
	}
	c.ans(o.ID, 0, g.Value, 32)
}

// additional checks the Additional Data Field Template (62).
func (c *checker) additional(o Object) {
	for _, s := range o.Sub {
		switch sub := int(s.ID); {
		case sub >= 1 && sub <= 8:
			c.ans(o.ID, sub, s.Value, 25)
		case sub == 9:
			if !isConsumerDataRequest(s.Value) {
				c.add(o.ID, sub, ErrFormat, "additional consumer data request %q: want up to three of A, M, E, each once", s.Value)
			}
		case sub >= 50:
			// Payment system specific templates carry their own GUI.
			g, ok, err := Find(s.Value, IDGloballyUniqueID)
			switch {
			case err != nil:
				c.add(o.ID, sub, ErrFormat, "payment system specific template: %v", err)
			case !ok:
				c.add(o.ID, sub, ErrMissing, "payment system specific template has no globally unique identifier")
			default:
				c.ans(o.ID, sub, g, 32)
			}
		case sub == 0:
			c.warn(o.ID, sub, ErrReserved, "sub-ID 00 is reserved for future use by EMVCo")
		default:
			// 10-49: RFU in v1.0; v1.1 is reported to assign 10 (merchant
			// tax ID) and 11 (merchant channel), and schemes use them
			// already, so only the format is checked.
			c.ans(o.ID, sub, s.Value, 99)
		}
	}
}

// language checks the Merchant Information—Language Template (64).
func (c *checker) language(o Object) {
	if p, ok := o.Get(0); !ok {
		c.add(o.ID, 0, ErrMissing, "language preference is mandatory in template 64")
	} else if len(p.Value) != 2 || !isAlpha(p.Value[0]) || !isAlpha(p.Value[1]) {
		c.add(o.ID, 0, ErrFormat, "language preference %q is not ISO 639-1 alpha-2", p.Value)
	}
	if n, ok := o.Get(1); !ok {
		c.add(o.ID, 1, ErrMissing, "alternate merchant name is mandatory in template 64")
	} else if k := utf8.RuneCountInString(n.Value); k > 25 {
		c.add(o.ID, 1, ErrFormat, "alternate merchant name has %d characters, at most 25", k)
	}
	if city, ok := o.Get(2); ok {
		if k := utf8.RuneCountInString(city.Value); k > 15 {
			c.add(o.ID, 2, ErrFormat, "alternate merchant city has %d characters, at most 15", k)
		}
	}
	for _, s := range o.Sub {
		if s.ID > 2 {
			c.warn(o.ID, int(s.ID), ErrReserved, "sub-IDs 03-99 of template 64 are reserved for future use by EMVCo")
		}
	}
}

// ans checks printable ASCII of at most max characters.
func (c *checker) ans(id ID, sub int, v string, max int) {
	if !isANS(v) {
		c.add(id, sub, ErrFormat, "%q has characters outside printable ASCII (format ans)", v)
		return
	}
	if len(v) > max {
		c.add(id, sub, ErrFormat, "%d characters, at most %d", len(v), max)
	}
}

// numeric checks digits only, min to max of them.
func (c *checker) numeric(id ID, sub int, v string, min, max int) {
	if !isDigits(v) || len(v) < min || len(v) > max {
		if min == max {
			c.add(id, sub, ErrFormat, "%q: want %d digits", v, min)
		} else {
			c.add(id, sub, ErrFormat, "%q: want %d to %d digits", v, min, max)
		}
	}
}

func isConsumerDataRequest(v string) bool {
	if v == "" || len(v) > 3 {
		return false
	}
	var seen idSet
	for i := 0; i < len(v); i++ {
		if (v[i] != 'A' && v[i] != 'M' && v[i] != 'E') || seen.add(ID(v[i]-'A')) {
			return false
		}
	}
	return true
}

func isANS(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7E {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func isUpper(c byte) bool { return 'A' <= c && c <= 'Z' }
func isAlpha(c byte) bool { return isUpper(c) || 'a' <= c && c <= 'z' }

func upperHex(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'f' {
			b[i] = c - ('a' - 'A')
		}
	}
	return string(b)
}

package qr

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// ErrUnrecognized: what the scanner read is none of the forms Recognize
// knows (a wallet payment code, an EMVCo CPM or MPM payload, a wallet or
// acquirer URL). The error says which rule came closest, never the code.
var ErrUnrecognized = errors.New("qr: not a payment code")

// Kind is what a scanned string is.
type Kind uint8

const (
	KindNone       Kind = iota
	KindWalletCode      // a domestic wallet's customer payment code (付款码)
	KindCPM             // EMVCo consumer-presented payload (base64, "hQ…")
	KindMPM             // EMVCo merchant-presented payload ("000201…")
	KindURL             // a wallet or acquirer URL (a merchant-presented code)
)

func (k Kind) String() string {
	return [...]string{"none", "wallet payment code", "EMVCo CPM", "EMVCo MPM", "wallet URL"}[min(int(k), 4)]
}

// Wallet names the wallet a payment code or URL belongs to.
type Wallet uint8

const (
	WalletUnknown Wallet = iota
	WeChatPay            // 微信支付
	Alipay               // 支付宝
	AlipayFacePay        // Alipay face-pay token (scene security_code)
	UnionPayQR           // UnionPay QuickPass / 云闪付 and bank apps
	DigitalRMB           // e-CNY, 数字人民币
)

func (w Wallet) String() string {
	names := [...]string{"unknown", "WeChat Pay", "Alipay", "Alipay face pay", "UnionPay QuickPass", "e-CNY"}
	if int(w) >= len(names) {
		return "unknown"
	}
	return names[w]
}

// codeRule is one wallet's published payment-code rule. Sources:
//   - WeChat Pay: 18 digits, first two 10-15 (10-14 mainland users, 15
//     Hong Kong). pay.weixin.qq.com/wiki/doc/api/wxpay/en/guide/pos/ImportantParameters.shtml
//     and the micropay doc (chapter=5_1) auth_code description.
//   - Alipay: digits, first two 25-30, length 16-24 ("use the real length
//     you read"). alipay.trade.pay auth_code, opendocs.alipay.com/open/194/106039.
//   - Alipay face pay: "fp" + 35 characters (scene security_code); only
//     seen in a copy of the trade.pay doc (cnblogs.com/yly123/p/16019894.html).
//   - UnionPay QR (C2B): 19 digits starting 62; two acquirer SDKs quoting
//     the UnionPay QR specification ("以62开头长度19位数字"), not the
//     specification itself.
//   - e-CNY: 19 digits starting 01; one acquirer integration only.
//
// The digit prefixes do not overlap, so at most one rule matches.
type codeRule struct {
	wallet             Wallet
	prefixLo, prefixHi int // two-digit prefix range, inclusive
	minLen, maxLen     int
}

var codeRules = []codeRule{
	{WeChatPay, 10, 15, 18, 18},
	{Alipay, 25, 30, 16, 24},
	{UnionPayQR, 62, 62, 19, 19},
	{DigitalRMB, 1, 1, 19, 19},
}

// PaymentCode is a customer's wallet payment code. It is a bearer secret
// while valid (a WeChat code for about a minute, Alipay's until used), so
// String, every fmt verb, json and slog show only the wallet prefix and the
// last four characters: "13************1234". Digits gives the whole code
// to the code that sends it to the acquirer.
type PaymentCode struct {
	wallet Wallet
	code   string
}

// Wallet returns the wallet that issued the code.
func (c PaymentCode) Wallet() Wallet { return c.wallet }

// Digits returns the whole code. Do not log it.
func (c PaymentCode) Digits() string { return c.code }

// IsZero reports whether there is no code.
func (c PaymentCode) IsZero() bool { return c.code == "" }

// String returns the masked code.
func (c PaymentCode) String() string { return maskCode(c.code) }

// Format masks for every verb, %#v and %x included.
func (c PaymentCode) Format(f fmt.State, _ rune) { fmt.Fprint(f, c.String()) }

// LogValue masks for slog.
func (c PaymentCode) LogValue() slog.Value { return slog.StringValue(c.String()) }

// MarshalJSON writes the masked code.
func (c PaymentCode) MarshalJSON() ([]byte, error) { return json.Marshal(c.String()) }

func maskCode(s string) string {
	if len(s) < 10 {
		return strings.Repeat("*", len(s))
	}
	return s[:2] + strings.Repeat("*", len(s)-6) + s[len(s)-4:]
}

// Scanned is what Recognize found. Exactly one of Code, CPM, MPM, URL is
// set, according to Kind.
type Scanned struct {
	Kind   Kind
	Wallet Wallet      // for KindWalletCode and KindURL (WalletUnknown for other URLs)
	Code   PaymentCode // KindWalletCode
	CPM    *CPM        // KindCPM
	MPM    *Payload    // KindMPM
	URL    string      // KindURL: merchant-presented, not a customer secret
}

// urlRules: merchant-presented wallet and acquirer URL prefixes. These are
// the forms seen in public integrations (WeChat Native pay code_url
// "weixin://wxpay/bizpayurl…", Alipay precreate qr_code
// "https://qr.alipay.com/…", UnionPay "https://qr.95516.com/…"); they were
// not checked against an official page in this round.
var urlRules = []struct {
	prefix string
	wallet Wallet
}{
	{"weixin://", WeChatPay},
	{"wxp://", WeChatPay},
	{"https://qr.alipay.com/", Alipay},
	{"https://qr.95516.com/", UnionPayQR},
}

// Recognize says what a scanner read: a wallet payment code, an EMVCo CPM
// payload (base64, starting "hQ" for tag 85), an EMVCo MPM payload
// ("000201…", CRC checked), or a wallet or acquirer URL. Anything else, a
// card PAN included, is an error wrapping ErrUnrecognized; a CPM or MPM
// that fails to decode returns the decoder's error (ErrCRC, ErrTLV, …).
// Surrounding white space (a scanner's CR/LF suffix) is ignored.
func Recognize(s string) (Scanned, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return Scanned{}, fmt.Errorf("%w: empty", ErrUnrecognized)
	case strings.HasPrefix(s, "000201"):
		p, err := Parse(s)
		if err != nil {
			return Scanned{}, fmt.Errorf("qr: EMVCo MPM: %w", err)
		}
		return Scanned{Kind: KindMPM, MPM: p}, nil
	case strings.HasPrefix(s, "hQ"):
		c, err := ParseCPM(s)
		if err != nil {
			return Scanned{}, fmt.Errorf("qr: EMVCo CPM: %w", err)
		}
		return Scanned{Kind: KindCPM, CPM: c}, nil
	}
	for _, u := range urlRules {
		if len(s) > len(u.prefix) && strings.EqualFold(s[:len(u.prefix)], u.prefix) {
			return Scanned{Kind: KindURL, Wallet: u.wallet, URL: s}, nil
		}
	}
	if strings.HasPrefix(s, "fp") {
		if len(s) == 37 && alnum(s[2:]) {
			return Scanned{Kind: KindWalletCode, Wallet: AlipayFacePay, Code: PaymentCode{AlipayFacePay, s}}, nil
		}
		return Scanned{}, fmt.Errorf("%w: Alipay face-pay token must be fp + 35 letters or digits, got %d characters", ErrUnrecognized, len(s))
	}
	if !digits(s) {
		return Scanned{}, fmt.Errorf("%w: %d characters, not a wallet code, EMVCo payload or known URL", ErrUnrecognized, len(s))
	}
	if len(s) < 2 {
		return Scanned{}, fmt.Errorf("%w: %d digit(s)", ErrUnrecognized, len(s))
	}
	p := int(s[0]-'0')*10 + int(s[1]-'0')
	for _, r := range codeRules {
		if p < r.prefixLo || p > r.prefixHi {
			continue
		}
		if len(s) < r.minLen || len(s) > r.maxLen {
			return Scanned{}, fmt.Errorf("%w: %s prefix %02d but %d digits (want %d-%d)", ErrUnrecognized, r.wallet, p, len(s), r.minLen, r.maxLen)
		}
		return Scanned{Kind: KindWalletCode, Wallet: r.wallet, Code: PaymentCode{r.wallet, s}}, nil
	}
	return Scanned{}, fmt.Errorf("%w: %d digits with prefix %02d match no wallet rule", ErrUnrecognized, len(s), p)
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

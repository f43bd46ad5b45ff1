package qr

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// TestRecognize checks each form against the published rules cited in
// paycode.go. The wallet codes are the sample auth_code values printed in
// the wallets' own API documents where one exists:
//   - WeChat Pay micropay request example: auth_code 120061098828009406
//     (pay.weixin.qq.com/wiki/doc/api/micropay.php?chapter=9_10).
//   - Alipay alipay.trade.pay request example: auth_code 28763443825664394
//     (opendocs.alipay.com/open/194/106039).
//
// The UnionPay, e-CNY and face-pay values are made up to the stated rule
// (no published sample was found).
func TestRecognize(t *testing.T) {
	cpmB64 := func() string {
		b, _ := hex.DecodeString(cpmSpecHex)
		return base64.StdEncoding.EncodeToString(b)
	}()
	ok := []struct {
		name, in string
		kind     Kind
		wallet   Wallet
	}{
		{"WeChat doc sample", "120061098828009406", KindWalletCode, WeChatPay},
		{"WeChat Hong Kong user, prefix 15", "150061098828009406", KindWalletCode, WeChatPay},
		{"WeChat with scanner CR LF", "134567890123456789\r\n", KindWalletCode, WeChatPay},
		{"Alipay doc sample, 17 digits", "28763443825664394", KindWalletCode, Alipay},
		{"Alipay 16 digits, prefix 25", "2500000000000000", KindWalletCode, Alipay},
		{"Alipay 24 digits, prefix 30", "300000000000000000000000", KindWalletCode, Alipay},
		{"Alipay face pay", "fp" + strings.Repeat("a1B2c", 7), KindWalletCode, AlipayFacePay},
		{"UnionPay QR 19 digits", "6212345678901234567", KindWalletCode, UnionPayQR},
		{"e-CNY 19 digits", "0112345678901234567", KindWalletCode, DigitalRMB},
		{"EMVCo MPM spec example", specExample, KindMPM, WalletUnknown},
		{"EMVCo CPM spec example", cpmB64, KindCPM, WalletUnknown},
		{"WeChat native URL", "weixin://wxpay/bizpayurl?pr=AbCdEfG", KindURL, WeChatPay},
		{"Alipay URL", "https://qr.alipay.com/bax08431ihsbdhm6wxaa5577", KindURL, Alipay},
		{"UnionPay URL", "https://qr.95516.com/00010000/01234567890123456789", KindURL, UnionPayQR},
	}
	for _, c := range ok {
		t.Run(c.name, func(t *testing.T) {
			s, err := Recognize(c.in)
			if err != nil {
				t.Fatal(err)
			}
			if s.Kind != c.kind || s.Wallet != c.wallet {
				t.Fatalf("got %v/%v, want %v/%v", s.Kind, s.Wallet, c.kind, c.wallet)
			}
			switch c.kind {
			case KindWalletCode:
				if s.Code.Digits() != strings.TrimSpace(c.in) || s.Code.Wallet() != c.wallet {
					t.Errorf("code %q", s.Code.Digits())
				}
			case KindMPM:
				if s.MPM == nil || s.MPM.Value(59) != "BEST TRANSPORT" {
					t.Errorf("MPM not decoded")
				}
			case KindCPM:
				if s.CPM == nil || s.CPM.PayloadFormat != "CPV01" {
					t.Errorf("CPM not decoded")
				}
			case KindURL:
				if s.URL != c.in {
					t.Errorf("URL %q", s.URL)
				}
			}
		})
	}

	badCRC := specExample[:len(specExample)-4] + "0000"
	bad := []struct {
		name, in string
		want     error
	}{
		{"empty", "  ", ErrUnrecognized},
		{"WeChat prefix, 17 digits", "12006109882800940", ErrUnrecognized},
		{"WeChat prefix, 19 digits", "1200610988280094061", ErrUnrecognized},
		{"prefix 16 (between WeChat and Alipay)", "160061098828009406", ErrUnrecognized},
		{"Alipay prefix, 15 digits", "287634438256643", ErrUnrecognized},
		{"Alipay prefix, 25 digits", "2876344382566439400000000", ErrUnrecognized},
		{"prefix 31", "31763443825664394", ErrUnrecognized},
		{"UnionPay prefix, 18 digits", "621234567890123456", ErrUnrecognized},
		{"a 16-digit Visa PAN", "4761739001010010", ErrUnrecognized},
		{"letters", "ABCDEFGHIJKLMNOPQR", ErrUnrecognized},
		{"face pay too short", "fp123", ErrUnrecognized},
		{"other URL", "https://example.com/pay", ErrUnrecognized},
		{"MPM bad CRC", badCRC, ErrCRC},
		{"CPM not base64", "hQ!!!!", ErrBase64},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			s, err := Recognize(c.in)
			if !errors.Is(err, c.want) {
				t.Fatalf("err %v, want %v", err, c.want)
			}
			if s.Kind != KindNone {
				t.Errorf("kind %v on error", s.Kind)
			}
			// The error never carries the code itself.
			if in := strings.TrimSpace(c.in); len(in) >= 10 && digits(in) && strings.Contains(err.Error(), in) {
				t.Errorf("error leaks the input: %v", err)
			}
		})
	}
}

// TestPaymentCodeMasked: a payment code is a bearer secret (WeChat: valid
// about a minute); like a PAN it never prints whole, through any path.
func TestPaymentCodeMasked(t *testing.T) {
	const code = "120061098828009406"
	s, err := Recognize(code)
	if err != nil {
		t.Fatal(err)
	}
	const want = "12************9406"
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("scan", "code", s.Code, "scanned", s)
	j, _ := json.Marshal(s)
	outs := []string{
		s.Code.String(), fmt.Sprint(s.Code), fmt.Sprintf("%v %+v %#v %s %q %x %d", s.Code, s.Code, s.Code, s.Code, s.Code, s.Code, s.Code),
		fmt.Sprintf("%+v", s), fmt.Sprintf("%#v", s), string(j), logs.String(),
	}
	for _, o := range outs {
		if strings.Contains(o, code) || strings.Contains(o, code[2:14]) {
			t.Errorf("code leaked: %s", o)
		}
	}
	if s.Code.String() != want {
		t.Errorf("masked %q, want %q", s.Code.String(), want)
	}
	if !strings.Contains(logs.String(), want) || !strings.Contains(string(j), want) {
		t.Errorf("masked form missing: %s %s", logs.String(), j)
	}
}

// FuzzRecognize: no panic; a wallet code result obeys its rule (digits,
// length, prefix) and never prints whole; errors wrap a sentinel.
func FuzzRecognize(f *testing.F) {
	for _, s := range []string{"120061098828009406", "28763443825664394", "6212345678901234567", specExample, "hQVDUFYwMQ==", "weixin://x", "fp", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := Recognize(in)
		if err != nil {
			if s.Kind != KindNone {
				t.Fatalf("kind %v with error", s.Kind)
			}
			return
		}
		if s.Kind != KindWalletCode {
			return
		}
		c := s.Code.Digits()
		if c != strings.TrimSpace(in) {
			t.Fatalf("code %q from %q", c, in)
		}
		if len(c) >= 10 && strings.Contains(fmt.Sprintf("%v %s", s, s.Code), c) {
			t.Fatalf("code printed whole")
		}
		if s.Wallet == AlipayFacePay {
			return
		}
		var r *codeRule
		for i := range codeRules {
			if codeRules[i].wallet == s.Wallet {
				r = &codeRules[i]
			}
		}
		p := int(c[0]-'0')*10 + int(c[1]-'0')
		if r == nil || !digits(c) || len(c) < r.minLen || len(c) > r.maxLen || p < r.prefixLo || p > r.prefixHi {
			t.Fatalf("%v accepted against its rule: %d digits, prefix %02d", s.Wallet, len(c), p)
		}
	})
}

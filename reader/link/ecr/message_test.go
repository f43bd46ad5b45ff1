package ecr

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestRequestRoundTrip(t *testing.T) {
	reqs := []Request{
		{Command: Sale, Ref: "42", Amount: 1234, Currency: 156, Operator: "01"},
		{Command: Void, Ref: "43", OrigTrc: "000123"},
		{Command: Refund, Ref: "R-1", Amount: 500, Currency: 978, OrigRRN: "000000000001", OrigDate: "20260115"},
		{Command: Balance, Ref: "44"},
		{Command: PreAuth, Ref: "45", Amount: 999_999_999_999, Currency: 840},
		{Command: PreAuthCompletion, Ref: "46", Amount: 8000, Currency: 156, OrigAuth: "123456", OrigRRN: "000000000002"},
		{Command: Settlement, Ref: "47"},
		{Command: SignIn, Ref: "48"},
		{Command: Echo, Ref: "49"},
		{Command: LastTransaction, Ref: "50"},
		{Command: Reprint, Ref: "51", OrigTrc: "000123"},
		{Command: Abort, Ref: "42"},
	}
	for _, r := range reqs {
		b, err := AppendRequest(nil, &r)
		if err != nil {
			t.Errorf("%v: %v", r.Command, err)
			continue
		}
		m, err := Parse(b)
		if err != nil {
			t.Errorf("%v: parse %q: %v", r.Command, b, err)
			continue
		}
		if got, ok := m.(*Request); !ok || !reflect.DeepEqual(*got, r) {
			t.Errorf("%v: round trip gave %+v", r.Command, m)
		}
	}
	b, _ := AppendRequest(nil, &reqs[0])
	want := "Q\x1cSALE\x1cREF=42\x1cAMT=000000001234\x1cCUR=156\x1cOPR=01"
	if string(b) != want {
		t.Errorf("wire form %q, want %q", b, want)
	}
}

func TestResponseAndStatusRoundTrip(t *testing.T) {
	r := Response{Command: Sale, Ref: "42", Result: "00", Text: "交易成功 approved", Amount: 1234, Currency: 156,
		AuthCode: "123456", RRN: "000000000001", Trace: "000007", MaskedPAN: "622848******1234", Scheme: "CUP",
		TerminalID: "12345678", MerchantID: "123456789012345", Batch: "000001", Time: "20260115093000"}
	b, err := AppendResponse(nil, &r)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.(*Response); !reflect.DeepEqual(*got, r) || !got.Approved() {
		t.Errorf("round trip gave %+v", got)
	}
	s := Status{Command: Sale, Ref: "42", Code: StatusWaitPIN, Text: "请输入密码"}
	b, err = AppendStatus(nil, &s)
	if err != nil {
		t.Fatal(err)
	}
	m, err = Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.(*Status); *got != s {
		t.Errorf("status round trip gave %+v", got)
	}
}

func TestMessageErrors(t *testing.T) {
	if _, err := AppendRequest(nil, &Request{Command: Sale, Ref: "1", Currency: 156}); !errors.Is(err, ErrMissing) {
		t.Errorf("sale without amount: %v", err)
	}
	if _, err := AppendRequest(nil, &Request{Command: Refund, Ref: "1", Amount: 1, Currency: 156}); !errors.Is(err, ErrMissing) {
		t.Errorf("refund without original: %v", err)
	}
	if _, err := AppendRequest(nil, &Request{Command: Sale, Ref: "", Amount: 1, Currency: 156}); !errors.Is(err, ErrFormat) {
		t.Errorf("no reference: %v", err)
	}
	if _, err := AppendRequest(nil, &Request{Command: Sale, Ref: "1", Amount: -5, Currency: 156}); !errors.Is(err, ErrFormat) {
		t.Errorf("negative amount: %v", err)
	}
	if _, err := AppendRequest(nil, &Request{Command: Echo, Ref: "1", Operator: "a\x1cb"}); !errors.Is(err, ErrFormat) {
		t.Errorf("FS inside a value: %v", err)
	}
	_, err := AppendResponse(nil, &Response{Command: Sale, Ref: "1", Result: "00", MaskedPAN: "6228480012341234"})
	if !errors.Is(err, ErrUnmasked) {
		t.Errorf("full PAN in a response: %v", err)
	} else if strings.Contains(err.Error(), "6228480012341234") {
		t.Errorf("error message shows the PAN: %v", err)
	}
	for _, s := range []string{
		"", "Q", "Q\x1cSALE", "X\x1cSALE\x1cREF=1", "Q\x1cBUY\x1cREF=1", "Q\x1cECHO\x1cREF=1\x1cFOO=2",
		"Q\x1cECHO\x1cREF=1\x1cREF=2", "Q\x1cSALE\x1cREF=1\x1cAMT=12\x1cCUR=156", "Q\x1cECHO\x1cREF=",
		"A\x1cSALE\x1cREF=1", "S\x1cSALE\x1cREF=1", "A\x1cSALE\x1cREF=1\x1cRC=00\x1cPAN=6228480012341234",
		"Q\x1cECHO\x1cREF=1\x1cOPR", "Q\x1cECHO\x1cREF=1\x1cOPR=\xff",
	} {
		if _, err := Parse([]byte(s)); err == nil {
			t.Errorf("%q parsed", s)
		}
	}
	if !Sale.MovesMoney() || Echo.MovesMoney() || LastTransaction.MovesMoney() {
		t.Error("MovesMoney table")
	}
}

func FuzzParseMessage(f *testing.F) {
	b, _ := AppendRequest(nil, &Request{Command: Sale, Ref: "42", Amount: 1234, Currency: 156})
	f.Add(b)
	b, _ = AppendResponse(nil, &Response{Command: Sale, Ref: "42", Result: "00", MaskedPAN: "622848******1234"})
	f.Add(b)
	b, _ = AppendStatus(nil, &Status{Command: Sale, Ref: "42", Code: StatusWaitCard})
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			return
		}
		var again []byte
		switch m := m.(type) {
		case *Request:
			again, err = AppendRequest(nil, m)
		case *Response:
			again, err = AppendResponse(nil, m)
		case *Status:
			again, err = AppendStatus(nil, m)
		}
		if err != nil {
			t.Fatalf("%q parsed but does not re-encode: %v", b, err)
		}
		m2, err := Parse(again)
		if err != nil || !reflect.DeepEqual(m, m2) {
			t.Fatalf("%q → %q does not round-trip: %v", b, again, err)
		}
	})
}

func BenchmarkAppendRequest(b *testing.B) {
	r := &Request{Command: Sale, Ref: "42", Amount: 1234, Currency: 156}
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendRequest(buf[:0], r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	msg, _ := AppendResponse(nil, &Response{Command: Sale, Ref: "42", Result: "00", Amount: 1234, Currency: 156, AuthCode: "123456", RRN: "000000000001"})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(msg); err != nil {
			b.Fatal(err)
		}
	}
}

package acquirer

import (
	"testing"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/iso8583"
)

func TestMethodFor(t *testing.T) {
	visa := []byte{0xA0, 0, 0, 0, 0x03, 0x10, 0x10}
	tests := []struct {
		aid, iad []byte
		want     emv.CryptogramMethod
	}{
		{visa, []byte{0x06, 0x01, 0x0A, 0x03, 0xA0, 0x00, 0x00}, emv.VisaCVN10},
		{visa, []byte{0x06, 0x01, 0x12, 0x03, 0xA0, 0x00, 0x00}, emv.VisaCVN18},
		{[]byte{0xA0, 0, 0, 0x03, 0x33, 0x01, 0x01, 0x01}, make([]byte, 32), emv.CCD},
		{[]byte{0xA0, 0, 0, 0, 0x04, 0x10, 0x10}, nil, emv.CCD},
	}
	for _, tc := range tests {
		if got := MethodFor(tc.aid, tc.iad); got != tc.want {
			t.Errorf("%X / %X: %s, want %s", tc.aid, tc.iad, got, tc.want)
		}
	}
}

func TestPSN(t *testing.T) {
	for _, tc := range []struct {
		field23 string
		icc     []byte
		want    string
	}{
		{"001", nil, "01"},
		{"", []byte{0x5F, 0x34, 0x01, 0x02}, "02"},
		{"", nil, ""},
	} {
		if got := psnOf(&iso8583.Transaction{CardSequence: tc.field23, ICC: tc.icc}); got != tc.want {
			t.Errorf("%q %X: %q, want %q", tc.field23, tc.icc, got, tc.want)
		}
	}
}

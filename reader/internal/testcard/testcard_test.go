package testcard

import (
	"testing"

	"github.com/possdk/pos/reader"
)

func TestATRs(t *testing.T) {
	for _, atr := range [][]byte{ATRT0, ATRT1} {
		a, err := reader.ParseATR(atr)
		if err != nil {
			t.Fatalf("% X: %v", atr, err)
		}
		if err := a.CheckEMV(true); err != nil {
			t.Errorf("% X: %v", atr, err)
		}
	}
	if p := mustParse(t, ATRT1).Protocol(); p != reader.ProtocolT1 {
		t.Errorf("ATRT1 protocol %v", p)
	}
}

func mustParse(t *testing.T, b []byte) *reader.ATR {
	a, err := reader.ParseATR(b)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

package kernel

import (
	"context"
	"testing"
)

// BenchmarkContactTransaction runs a whole offline-approved contact
// transaction (selection, records, DDA with a 1024-bit card key and a
// 1152/1408-bit chain, offline PIN, two-step risk analysis, GENERATE AC)
// against the software card; the host step is excluded.
func BenchmarkContactTransaction(b *testing.B) {
	s := newScenario(b, nil)
	card := loadCard(b, "visa_dda", nil)
	b.ReportAllocs()
	for b.Loop() {
		s.pad.pins = []string{"1234"}
		res, err := s.k.RunContact(context.Background(), card, Transaction{Amount: 2000, Time: testDay})
		if err != nil || res.Outcome != Approved {
			b.Fatal(res.Outcome, err)
		}
		card.Reset()
	}
}

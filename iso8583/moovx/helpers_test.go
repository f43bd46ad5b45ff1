//go:build !386 && !arm && !mips && !mipsle

package moovx

import (
	"testing"

	"github.com/possdk/pos/internal/testvec"
)

type corpusFrame struct {
	name  string
	pad0  bool
	frame []byte
}

// loadCorpus reads the frames of package iso8583's corpus
// (../testdata/cup_corpus.txt, sources there) that the codec accepts.
func loadCorpus(t testing.TB) []corpusFrame {
	t.Helper()
	var out []corpusFrame
	for _, v := range testvec.LoadFile(t, "../testdata/cup_corpus.txt") {
		if v.Has("refuse") {
			continue
		}
		p, ok := v.Get("pad")
		out = append(out, corpusFrame{name: v.Name, pad0: ok && p != "F", frame: v.Bytes(t, "hex")})
	}
	if len(out) < 5 {
		t.Fatalf("corpus: %d frames", len(out))
	}
	return out
}

//go:build !386 && !arm && !mips && !mipsle

package moovx

import (
	"bufio"
	"encoding/hex"
	"os"
	"strings"
	"testing"
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
	f, err := os.Open("../testdata/cup_corpus.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []corpusFrame
	var cur *corpusFrame
	refused := false
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		key, val, _ := strings.Cut(line, " ")
		switch key {
		case "frame":
			out = append(out, corpusFrame{name: val})
			cur, refused = &out[len(out)-1], false
		case "pad":
			cur.pad0 = val != "F"
		case "refuse":
			refused = true
		case "hex":
			if cur.frame, err = hex.DecodeString(val); err != nil {
				t.Fatalf("%s: %v", cur.name, err)
			}
			if refused {
				out = out[:len(out)-1]
			}
		}
	}
	if len(out) < 5 {
		t.Fatalf("corpus: %d frames", len(out))
	}
	return out
}

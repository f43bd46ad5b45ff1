package iso8583

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// loadSamples reads testdata/cup_samples.txt: "name hex" lines, # comments.
func loadSamples(t testing.TB) map[string][]byte {
	t.Helper()
	f, err := os.Open("testdata/cup_samples.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]byte{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		name, h, ok := strings.Cut(line, " ")
		if !ok {
			t.Fatalf("bad sample line %q", line)
		}
		b, err := hex.DecodeString(strings.TrimSpace(h))
		if err != nil {
			t.Fatalf("sample %s: %v", name, err)
		}
		out[name] = b
	}
	return out
}

func TestSampleSignInRoundTrip(t *testing.T) {
	c := NewCodec(nil, Framing{})
	for name, frame := range loadSamples(t) {
		env, body, err := c.Unframe(frame)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := env.TPDU.String(); got != "6000000000" {
			t.Errorf("%s: TPDU %s", name, got)
		}
		if got := env.Header.String(); got != "602200000000" {
			t.Errorf("%s: header %s", name, got)
		}
		m, err := c.UnpackMessage(body)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		re, err := c.PackMessage(m)
		if err != nil {
			t.Fatalf("%s: repack: %v", name, err)
		}
		out, err := c.Frame(env, re)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, frame) {
			t.Errorf("%s: re-pack differs\n got %X\nwant %X", name, out, frame)
		}
	}
}

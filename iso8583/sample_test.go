package iso8583

import (
	"bytes"
	"testing"

	"github.com/possdk/pos/internal/testvec"
)

// loadSamples reads testdata/cup_samples.txt: the frames by their id.
func loadSamples(t testing.TB) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, v := range testvec.Load(t, "cup_samples.txt") {
		out[v.Str(t, "id")] = v.Bytes(t, "frame")
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

package emv

import (
	"bufio"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/possdk/pos/keys"
)

// vector is one block of a testdata file: "field: value" lines.
type vector struct {
	name, source string
	f            map[string]string
}

// loadVectors reads testdata/<file>: blocks separated by blank lines,
// '#' comments, every block with a name and a source.
func loadVectors(t testing.TB, file string) []vector {
	t.Helper()
	fh, err := os.Open(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	var out []vector
	cur := vector{f: map[string]string{}}
	flush := func() {
		if cur.name != "" {
			if cur.source == "" {
				t.Fatalf("%s: vector %q has no source", file, cur.name)
			}
			out = append(out, cur)
		}
		cur = vector{f: map[string]string{}}
	}
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), " \t")
		switch {
		case line == "":
			flush()
			continue
		case strings.HasPrefix(line, "#"):
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("%s: bad line %q", file, line)
		}
		v = strings.TrimPrefix(v, " ")
		switch k {
		case "name":
			cur.name = v
		case "source":
			cur.source = v
		default:
			cur.f[k] = v
		}
	}
	flush()
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no vectors", file)
	}
	return out
}

func (v vector) has(k string) bool { _, ok := v.f[k]; return ok }

func (v vector) str(t testing.TB, k string) string {
	t.Helper()
	s, ok := v.f[k]
	if !ok {
		t.Fatalf("%s: missing field %q", v.name, k)
	}
	return s
}

func (v vector) bytes(t testing.TB, k string) []byte {
	t.Helper()
	return mustHex(t, v.str(t, k))
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func tdesKey(t testing.TB, b []byte) *keys.Key {
	t.Helper()
	k, err := keys.New(keys.TDES2, b)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func mustPAN(t testing.TB, s string) PAN {
	t.Helper()
	p, err := ParsePAN(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// kcv2 is the 2-byte legacy check value pyemv's HSM tests publish.
func kcv2(t testing.TB, k *keys.Key) string {
	t.Helper()
	b, err := k.CheckValueWith(keys.KCVLegacy, 2)
	if err != nil {
		t.Fatal(err)
	}
	return strings.ToUpper(hex.EncodeToString(b))
}

func keyHex(k *keys.Key) string {
	b := k.ClearBytes()
	defer clear(b)
	return strings.ToUpper(hex.EncodeToString(b))
}

package keys

import (
	"bufio"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// vector is one block of a testdata file: "field: value" lines.
type vector struct {
	name, source string
	f            map[string]string
}

// loadVectors reads testdata/<file>. Blocks are separated by blank lines;
// lines starting with '#' are comments.
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

// has reports whether the vector has field k.
func (v vector) has(k string) bool { _, ok := v.f[k]; return ok }

// str returns field k as text (without an "ascii:" prefix).
func (v vector) str(t testing.TB, k string) string {
	t.Helper()
	s, ok := v.f[k]
	if !ok {
		t.Fatalf("%s: missing field %q", v.name, k)
	}
	return strings.TrimPrefix(s, "ascii:")
}

// bytes returns field k: hex, or raw text after "ascii:".
func (v vector) bytes(t testing.TB, k string) []byte {
	t.Helper()
	s, ok := v.f[k]
	if !ok {
		t.Fatalf("%s: missing field %q", v.name, k)
	}
	if a, ok := strings.CutPrefix(s, "ascii:"); ok {
		return []byte(a)
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("%s: field %q: %v", v.name, k, err)
	}
	return b
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var algByName = map[string]Algorithm{
	"DES": DES, "TDES2": TDES2, "TDES3": TDES3,
	"AES128": AES128, "AES192": AES192, "AES256": AES256, "SM4": SM4,
}

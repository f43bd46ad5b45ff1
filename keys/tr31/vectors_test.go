package tr31

import (
	"bufio"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// vector is one block of a testdata file: "field: value" lines, blank-line
// separated, '#' comments.
type vector struct {
	fields map[string]string
	line   int
}

func (v vector) name() string { return v.fields["name"] }

func (v vector) has(k string) bool { _, ok := v.fields[k]; return ok }

// hex returns field k decoded (hex, or text after "ascii:").
func (v vector) hex(t *testing.T, k string) []byte {
	t.Helper()
	s, ok := v.fields[k]
	if !ok {
		t.Fatalf("%s (line %d): missing field %q", v.name(), v.line, k)
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("%s (line %d): field %q: %v", v.name(), v.line, k, err)
	}
	return b
}

func loadVectors(t *testing.T, file string) []vector {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []vector
	var cur *vector
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#"):
		case strings.TrimSpace(line) == "":
			cur = nil
		default:
			k, v, ok := strings.Cut(line, ": ")
			if !ok {
				k, v, ok = strings.Cut(line, ":")
			}
			if !ok {
				t.Fatalf("%s:%d: no colon", file, n)
			}
			if cur == nil {
				out = append(out, vector{fields: map[string]string{}, line: n})
				cur = &out[len(out)-1]
			}
			cur.fields[k] = strings.TrimSpace(v)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no vectors", file)
	}
	return out
}

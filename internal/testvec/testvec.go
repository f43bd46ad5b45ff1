package testvec

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// ErrFormat reports a malformed vector file.
var ErrFormat = errors.New("testvec: malformed vector file")

// Vector is one block of a vector file.
type Vector struct {
	Name   string // the "name" field
	Source string // the "source" field: where the values were published
	File   string // the file it came from, as given to Load or Parse
	Line   int    // the line its first field is on

	fields map[string]string
	order  []string
}

// Parse reads the vectors of r; file names it in errors. Errors wrap
// ErrFormat and give the line.
func Parse(r io.Reader, file string) ([]Vector, error) {
	var out []Vector
	var cur *Vector
	finish := func() error {
		if cur == nil {
			return nil
		}
		switch {
		case cur.Name == "":
			return fmt.Errorf("%w: %s:%d: block without a name", ErrFormat, file, cur.Line)
		case cur.Source == "":
			return fmt.Errorf("%w: %s:%d: vector %q has no source", ErrFormat, file, cur.Line, cur.Name)
		}
		out = append(out, *cur)
		cur = nil
		return nil
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), " \t\r")
		switch {
		case strings.TrimSpace(line) == "":
			if err := finish(); err != nil {
				return nil, err
			}
			continue
		case strings.HasPrefix(line, "#"):
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || k == "" || strings.ContainsAny(k, " \t") {
			return nil, fmt.Errorf("%w: %s:%d: want \"field: value\"", ErrFormat, file, n)
		}
		v = strings.TrimPrefix(v, " ")
		if cur == nil {
			cur = &Vector{File: file, Line: n, fields: map[string]string{}}
		}
		if _, dup := cur.fields[k]; dup {
			return nil, fmt.Errorf("%w: %s:%d: field %q repeated", ErrFormat, file, n, k)
		}
		cur.fields[k] = v
		cur.order = append(cur.order, k)
		switch k {
		case "name":
			cur.Name = v
		case "source":
			cur.Source = v
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if err := finish(); err != nil {
		return nil, err
	}
	return out, nil
}

// Load reads testdata/<file> (relative to the test's package directory)
// and fails the test if the file cannot be read, is malformed or holds no
// vector.
func Load(t testing.TB, file string) []Vector {
	t.Helper()
	return LoadFile(t, filepath.Join("testdata", file))
}

// LoadFile is Load for a file named by its path: another package's
// testdata (never anything outside the module).
func LoadFile(t testing.TB, path string) []Vector {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	vs, err := Parse(fh, path)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) == 0 {
		t.Fatalf("%s: no vectors", path)
	}
	if counting() {
		t.Logf("testvec: loaded %d vectors from %s", len(vs), path)
	}
	return vs
}

// Run runs f on every vector as a subtest named after the vector and
// returns how many vectors it ran.
func Run(t *testing.T, vs []Vector, f func(t *testing.T, v Vector)) int {
	t.Helper()
	n := 0
	for _, v := range vs {
		t.Run(v.Name, func(t *testing.T) {
			n++
			f(t, v)
		})
	}
	if counting() {
		t.Logf("testvec: ran %d vectors", n)
	}
	return n
}

// Kind returns the vectors whose "kind" field is k, in file order.
func Kind(vs []Vector, k string) []Vector {
	var out []Vector
	for _, v := range vs {
		if v.fields["kind"] == k {
			out = append(out, v)
		}
	}
	return out
}

func counting() bool { return os.Getenv("TESTVEC_COUNT") != "" }

// Has reports whether the vector has field k.
func (v Vector) Has(k string) bool { _, ok := v.fields[k]; return ok }

// Get returns field k as written and whether it is there.
func (v Vector) Get(k string) (string, bool) { s, ok := v.fields[k]; return s, ok }

// Fields returns the vector's field names in file order.
func (v Vector) Fields() []string { return append([]string(nil), v.order...) }

// String names the vector and where it is.
func (v Vector) String() string { return fmt.Sprintf("%s:%d %q", v.File, v.Line, v.Name) }

// Str returns field k as written; the test fails if it is missing.
func (v Vector) Str(t testing.TB, k string) string {
	t.Helper()
	s, ok := v.fields[k]
	if !ok {
		t.Fatalf("%v: missing field %q", v, k)
	}
	return s
}

// Text returns field k without an "ascii:" prefix; the test fails if it is
// missing.
func (v Vector) Text(t testing.TB, k string) string {
	t.Helper()
	return strings.TrimPrefix(v.Str(t, k), "ascii:")
}

// Bytes returns field k: the text after "ascii:", or else hex with any
// spaces removed. The test fails if it is missing or not hex.
func (v Vector) Bytes(t testing.TB, k string) []byte {
	t.Helper()
	s := v.Str(t, k)
	if a, ok := strings.CutPrefix(s, "ascii:"); ok {
		return []byte(a)
	}
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("%v: field %q: %v", v, k, err)
	}
	return b
}

// Int returns field k as a decimal integer; the test fails if it is
// missing or not a number.
func (v Vector) Int(t testing.TB, k string) int {
	t.Helper()
	n, err := strconv.Atoi(v.Str(t, k))
	if err != nil {
		t.Fatalf("%v: field %q: %v", v, k, err)
	}
	return n
}

// Hex decodes s, spaces allowed, failing the test on bad hex: for the
// literals tests write beside their vectors.
func Hex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("hex %q: %v", s, err)
	}
	return b
}

// Field returns field k as written, or "" when the vector has no field k.
func (v Vector) Field(k string) string { return v.fields[k] }

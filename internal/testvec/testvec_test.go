package testvec

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

const sample = `# header comment

name: first
source: somewhere, p. 1
key: 0123 4567
msg: ascii:hi there
n: 42

# between blocks
name: second
source: elsewhere
kind: mac
`

func TestParse(t *testing.T) {
	vs, err := Parse(strings.NewReader(sample), "s.txt")
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 {
		t.Fatalf("%d vectors", len(vs))
	}
	v := vs[0]
	if v.Name != "first" || v.Source != "somewhere, p. 1" || v.Line != 3 || v.File != "s.txt" {
		t.Errorf("first = %+v", v)
	}
	if got := v.Bytes(t, "key"); !bytes.Equal(got, []byte{0x01, 0x23, 0x45, 0x67}) {
		t.Errorf("key = % X", got)
	}
	if got := v.Bytes(t, "msg"); string(got) != "hi there" {
		t.Errorf("msg = %q", got)
	}
	if v.Text(t, "msg") != "hi there" || v.Str(t, "msg") != "ascii:hi there" {
		t.Errorf("Text/Str of msg")
	}
	if v.Int(t, "n") != 42 || v.Has("kind") || !vs[1].Has("kind") {
		t.Errorf("Int/Has")
	}
	if got := strings.Join(v.Fields(), ","); got != "name,source,key,msg,n" {
		t.Errorf("Fields = %s", got)
	}
	if k := Kind(vs, "mac"); len(k) != 1 || k[0].Name != "second" {
		t.Errorf("Kind = %v", k)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"no source", "name: a\nkey: 00\n", "s.txt:1: vector \"a\" has no source"},
		{"no name", "source: x\nkey: 00\n", "s.txt:1: block without a name"},
		{"no colon", "name: a\nsource: b\njunk\n", "s.txt:3:"},
		{"space in field name", "name: a\nsource: b\nbad key: 00\n", "s.txt:3:"},
		{"repeated field", "name: a\nsource: b\nkey: 00\nkey: 01\n", "s.txt:4: field \"key\" repeated"},
	} {
		_, err := Parse(strings.NewReader(tc.in), "s.txt")
		if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want ErrFormat with %q", tc.name, err, tc.want)
		}
	}
}

func TestRunCounts(t *testing.T) {
	vs, err := Parse(strings.NewReader(sample), "s.txt")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	n := Run(t, vs, func(t *testing.T, v Vector) { names = append(names, v.Name) })
	if n != 2 || strings.Join(names, ",") != "first,second" {
		t.Fatalf("Run ran %d: %v", n, names)
	}
}

// FuzzParse: Parse never panics, and every vector it returns has a name
// and a source and its fields in order.
func FuzzParse(f *testing.F) {
	f.Add(sample)
	f.Add("name: a\nsource: b\n\n\nname: c\nsource: d\nx: y")
	f.Fuzz(func(t *testing.T, in string) {
		vs, err := Parse(strings.NewReader(in), "f")
		if err != nil {
			if !errors.Is(err, ErrFormat) && !strings.Contains(err.Error(), "token too long") {
				t.Fatalf("err %v does not wrap ErrFormat", err)
			}
			return
		}
		for _, v := range vs {
			if v.Name == "" || v.Source == "" || len(v.Fields()) < 2 {
				t.Fatalf("vector %+v", v)
			}
		}
	})
}

package emv

import (
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/possdk/pos/tlv"
)

// tagConst is one constant of tags.go as its source declares it.
type tagConst struct {
	name, doc string
	value     tlv.Tag
}

// readTagConsts parses tags.go: the constants' names, values and comments
// as written, not as the compiler sees them, so the comment is checked too.
func readTagConsts(t *testing.T) []tagConst {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "tags.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var out []tagConst
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			lit, ok := vs.Values[0].(*ast.BasicLit)
			if !ok {
				t.Fatalf("%s: value is not a literal", vs.Names[0].Name)
			}
			v, ok := constant.Uint64Val(constant.MakeFromLiteral(lit.Value, lit.Kind, 0))
			if !ok {
				t.Fatalf("%s: value %s", vs.Names[0].Name, lit.Value)
			}
			out = append(out, tagConst{vs.Names[0].Name, strings.TrimSpace(vs.Doc.Text()), tlv.Tag(v)})
		}
	}
	return out
}

var tagDoc = regexp.MustCompile(`^(Tag\w+) is ([0-9A-F]+), (.+?)(?: \((Visa|Mastercard|UnionPay|Amex)\))?\.$`)

// TestTagConstants keeps tags.go and the dictionary in step: every
// constant's comment names it, gives its value in hex and the dictionary's
// name for the tag (under the scheme it names, EMV otherwise); no tag has
// two constants for one scheme; every tag of the EMV table (dict_emv.go)
// has a constant.
func TestTagConstants(t *testing.T) {
	schemes := map[string]Scheme{"": SchemeEMV, "Visa": SchemeVisa, "Mastercard": SchemeMastercard, "UnionPay": SchemeUnionPay, "Amex": SchemeAmex}
	type key struct {
		tag tlv.Tag
		s   Scheme
	}
	seen := map[key]string{}
	consts := readTagConsts(t)
	for _, c := range consts {
		m := tagDoc.FindStringSubmatch(c.doc)
		if m == nil {
			t.Errorf("%s: comment %q is not \"%s is HEX, dictionary name.\"", c.name, c.doc, c.name)
			continue
		}
		if m[1] != c.name {
			t.Errorf("%s: comment names %s", c.name, m[1])
		}
		if h, _ := strconv.ParseUint(m[2], 16, 32); tlv.Tag(h) != c.value || m[2] != c.value.String() {
			t.Errorf("%s = %v, comment says %s", c.name, c.value, m[2])
		}
		s := schemes[m[4]]
		e, ok := LookupScheme(c.value, s)
		if !ok || e.Scheme != s {
			t.Errorf("%s: %v has no %v entry in the dictionary", c.name, c.value, s)
			continue
		}
		if e.Name != m[3] {
			t.Errorf("%s: comment says %q, dictionary %q", c.name, m[3], e.Name)
		}
		k := key{c.value, s}
		if other, dup := seen[k]; dup {
			t.Errorf("%v (%v) has two constants: %s and %s", c.value, s, other, c.name)
		}
		seen[k] = c.name
	}
	for _, r := range emvRows {
		if _, ok := seen[key{r.tag, SchemeEMV}]; !ok {
			t.Errorf("%v %s (dict_emv.go) has no constant in tags.go", r.tag, r.name)
		}
	}
	if len(consts) < len(emvRows) {
		t.Errorf("%d constants for %d EMV tags", len(consts), len(emvRows))
	}
	// The compiled constants are the parsed ones (a spot check that the
	// test reads the right file).
	if TagAmountAuthorised != 0x9F02 || TagPAN != 0x5A || TagTVR != 0x95 {
		t.Error("tags.go and the compiled constants differ")
	}
}

// TestInstructionNames: every instruction constant has a name in
// Command.Name (EMV Book 3 §6.5), so a trace never shows a bare INS byte
// for a command the package declares.
func TestInstructionNames(t *testing.T) {
	for ins, want := range map[byte]string{
		INSApplicationBlock: "APPLICATION BLOCK", INSApplicationUnblock: "APPLICATION UNBLOCK",
		INSCardBlock: "CARD BLOCK", INSExternalAuthenticate: "EXTERNAL AUTHENTICATE",
		INSGenerateAC: "GENERATE AC", INSGetChallenge: "GET CHALLENGE", INSGetData: "GET DATA",
		INSGetProcessingOptions: "GET PROCESSING OPTIONS", INSInternalAuthenticate: "INTERNAL AUTHENTICATE",
		INSPINChangeUnblock: "PIN CHANGE/UNBLOCK", INSReadRecord: "READ RECORD", INSSelect: "SELECT",
		INSVerify: "VERIFY", INSGetResponse: "GET RESPONSE",
		INSPutData: "PUT DATA/UPDATE RECORD", INSUpdateRecord: "PUT DATA/UPDATE RECORD",
	} {
		if got := (Command{INS: ins}).Name(); got != want {
			t.Errorf("INS %02X: Name %q, want %q", ins, got, want)
		}
	}
	// ISO/IEC 7816-4 §5.1.3: 63Cx, x tries left.
	if SWTriesLeft(2) != 0x63C2 || SWTriesLeft(0) != 0x63C0 {
		t.Error("SWTriesLeft")
	}
	if n, ok := SWTriesLeft(3).Tries(); !ok || n != 3 {
		t.Error("SWTriesLeft(3).Tries")
	}
}

package leaktest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// secretWords are the words (of a camel-case identifier, lower-cased) that
// name a secret or what holds one.
var secretWords = map[string]bool{
	"pan": true, "track": true, "track1": true, "track2": true, "track3": true,
	"pin": true, "pins": true, "icc": true, "key": true, "keys": true, "keyring": true,
	"secret": true, "component": true, "components": true, "tmk": true, "tpk": true,
	"tak": true, "zpk": true, "pik": true, "mak": true, "bdk": true, "ipek": true,
	"lmk": true, "imk": true, "imkac": true, "imksmi": true, "imksmc": true, "pvk": true,
	"cvk": true, "kek": true, "master": true, "cvv": true, "cvc": true, "pvv": true,
	"discretionary": true, "field55": true, "field57": true, "field62": true, "card": true,
}

// secretTypes are secret by what they are, whatever their names say.
var secretTypes = map[string]string{
	"qr.PaymentCode": "a wallet payment code is a bearer secret while valid",
}

// notSecret are the exported types the scan flags that hold no secret in
// clear, with the reason. Interfaces, functions, channels and named numbers
// or booleans are never flagged.
var notSecret = map[string]string{
	"iso8583/link/pgstore.BlockKeyStore": "holds only key blocks, encrypted and authenticated under the HSM's LMK",
	"emv.ACProfile":                      "names key derivation options, holds no key",
	"emv.ScriptProfile":                  "names secure-messaging options, holds no key",
	"emv/kernel.Config":                  "CAKeys are public CA keys",
	"emv/kernel.Kernel":                  "configuration (public CA keys), hooks and a logger; no card data between transactions",
	"emv/kernel.Session":                 "channels and flags; the online request travels in Step",
	"emv/kernel.Hooks":                   "functions only",
	"emv/kernel.PINRequest":              "the card's public key for an enciphered PIN, and the try counter",
	"emv/oda.CAPublicKey":                "public CA key",
	"emv/oda.CAStore":                    "public CA keys",
	"emv/oda.DynamicData":                "the ICC dynamic number and cryptogram of a signature, no card data",
	"emv/oda.IssuerPublicKey":            "public key; IssuerID is the BIN, which masking shows anyway",
	"hsm.Keyring":                        "key blocks under the LMK (enciphered), by label; prints as its path",
	"hsm.MACRequest":                     "a key block (enciphered), KSN and the message, which holds no card data the caller did not put there",
	"hsm.PINKeyRef":                      "a key block (enciphered), a KSN and a format",
	"iso8583.SecurityControl":            "PINFormat is a format number",
	"iso8583/link.Conn":                  "a connection; keyOf is a function",
	"iso8583/link.Dialer":                "Pins are public-key pins of the host's certificate",
	"iso8583/link.Pin":                   "a certificate public-key pin (a hash of a public key)",
	"iso8583/link.IssuerEntry":           "amounts and codes keyed by terminal/batch/STAN",
	"iso8583/link.IssuerKey":             "terminal, batch, STAN",
	"iso8583/link.IssuerLedgerLine":      "terminal, batch, STAN and amounts",
	"iso8583/link.Key":                   "terminal, STAN, MTI: a message key",
	"iso8583/link.TxnKey":                "terminal, batch, STAN, MTI",
	"keys/tr31.Header":                   "a key block's clear header (KeyVersion is a version number)",
	"keys/tr31.Options":                  "MaskedKeyLength is a length",
	"qr.PixAccount":                      "a Pix key is the payee's public alias (e-mail, phone, random ID)",
	"reader/link/ecr.Response":           "MaskedPAN is masked by the terminal; a register gets no card data",
	"reader/msr.KeyEvent":                "one keyboard event of a reader; tracks are assembled in Swipe",
	"reader/pcsc.Card":                   "a PC/SC handle",
	"reader/sim.CardAction":              "flags",
}

// words splits a Go identifier into lower-cased camel-case words:
// "PINBlock" → pin, block; "IMKSMI" → imksmi; "Field55" → field55.
func words(id string) []string {
	var out []string
	r := []rune(id)
	start := 0
	for i := 1; i < len(r); i++ {
		lowerToUpper := unicode.IsLower(r[i-1]) && unicode.IsUpper(r[i])
		acronymEnd := unicode.IsUpper(r[i-1]) && unicode.IsUpper(r[i]) && i+1 < len(r) && unicode.IsLower(r[i+1])
		if lowerToUpper || acronymEnd || r[i] == '_' {
			out = append(out, strings.ToLower(strings.Trim(string(r[start:i]), "_")))
			start = i
		}
	}
	return append(out, strings.ToLower(strings.Trim(string(r[start:]), "_")))
}

func secretName(id string) bool {
	for _, w := range words(id) {
		if secretWords[w] {
			return true
		}
	}
	return false
}

type declared struct {
	name   string   // path relative to the module, "." type
	reason string   // why it is flagged
	refs   []string // module types its fields use
}

// scanModule parses every non-test Go file of the module's library
// packages (not examples, commands, bench or internal test helpers) and
// returns the exported types that hold data, with what flags them.
func scanModule(t *testing.T) map[string]*declared {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatal(err)
	}
	out := map[string]*declared{}
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			base := d.Name()
			if p != root && (base == "testdata" || base == "internal" || base == "cmd" || strings.HasPrefix(base, ".") ||
				rel == "examples" || rel == "bench") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		if f.Name.Name == "main" {
			return nil
		}
		pkg := filepath.ToSlash(filepath.Dir(rel))
		imports := map[string]string{}
		for _, im := range f.Imports {
			path, _ := strconv.Unquote(im.Path.Value)
			if !strings.HasPrefix(path, module+"/") {
				continue
			}
			name := path[strings.LastIndex(path, "/")+1:]
			if im.Name != nil {
				name = im.Name.Name
			}
			imports[name] = strings.TrimPrefix(path, module+"/")
		}
		for _, decl := range f.Decls {
			g, ok := decl.(*ast.GenDecl)
			if !ok || g.Tok != token.TYPE {
				continue
			}
			for _, s := range g.Specs {
				ts := s.(*ast.TypeSpec)
				if !ts.Name.IsExported() || holdsNoData(ts.Type) {
					continue
				}
				d := &declared{name: pkg + "." + ts.Name.Name}
				if secretName(ts.Name.Name) {
					d.reason = "its name"
				}
				if why := secretTypes[d.name]; why != "" {
					d.reason = why
				}
				var refs func(n ast.Node) bool
				refs = func(n ast.Node) bool {
					switch x := n.(type) {
					case *ast.Field:
						for _, id := range x.Names {
							if d.reason == "" && secretName(id.Name) {
								d.reason = "field " + id.Name
							}
						}
						ast.Inspect(x.Type, refs)
						return false
					case *ast.SelectorExpr:
						if id, ok := x.X.(*ast.Ident); ok {
							if path, ok := imports[id.Name]; ok {
								d.refs = append(d.refs, path+"."+x.Sel.Name)
							}
						}
						return false
					case *ast.Ident:
						if x.IsExported() {
							d.refs = append(d.refs, pkg+"."+x.Name)
						}
					}
					return true
				}
				ast.Inspect(ts.Type, refs)
				out[d.name] = d
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// A type whose fields hold a flagged type holds its secret too.
	for changed := true; changed; {
		changed = false
		for _, d := range out {
			if d.reason != "" {
				continue
			}
			for _, r := range d.refs {
				if o, ok := out[r]; ok && o.reason != "" {
					d.reason, changed = "a field of type "+r, true
					break
				}
			}
		}
	}
	return out
}

// holdsNoData: interfaces, functions, channels and named numbers or
// booleans.
func holdsNoData(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.InterfaceType, *ast.FuncType, *ast.ChanType:
		return true
	case *ast.Ident:
		switch x.Name {
		case "bool", "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "byte", "rune", "float64":
			return true
		}
	}
	return false
}

// TestTableComplete fails when an exported type that holds a secret — by
// its name, a field's name, or a field of such a type — is neither in the
// leak test's table nor judged not secret (notSecret, with the reason):
// a new type cannot print a secret unnoticed.
func TestTableComplete(t *testing.T) {
	found := scanModule(t)
	tested := map[string]bool{}
	for _, e := range table() {
		tested[strings.TrimPrefix(typeName(e.make(t)), module+"/")] = true
	}
	var names []string
	for n := range found {
		names = append(names, n)
	}
	sort.Strings(names)
	flagged := 0
	for _, n := range names {
		d := found[n]
		if d.reason == "" {
			continue
		}
		flagged++
		if !tested[n] && notSecret[n] == "" {
			t.Errorf("%s may hold a secret (%s): add it to table() in table_test.go with a value holding every secret it can, or to notSecret with the reason", n, d.reason)
		}
	}
	for n := range notSecret {
		if d, ok := found[n]; !ok || d.reason == "" {
			t.Errorf("notSecret lists %s, which the scan no longer flags: remove it", n)
		}
	}
	for n := range tested {
		if _, ok := found[n]; !ok {
			t.Errorf("table tests %s, which the scan does not find", n)
		}
	}
	if flagged < 50 {
		t.Errorf("the scan flags only %d types: is it reading the module?", flagged)
	}
	t.Logf("%d exported types flagged, %d in the table", flagged, len(tested))
}

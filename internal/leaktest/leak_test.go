package leaktest

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"log/slog"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// The secrets every table entry is built from. They are distinctive, so
// finding one in an output cannot be a coincidence.
const (
	pan       = "6231987654321098762" // Luhn-valid, 19 digits (UnionPay)
	panMiddle = "765432109"           // what masking (first 6, last 4) hides
	expiry    = "2512"
	svc       = "201"
	discr     = "1357924680" // track 2 discretionary data (PVV, CVV…); 37 characters in all
	track2    = pan + "=" + expiry + svc + discr
	name      = "ZHANG/SECRETNAME" // cardholder name (5F20, track 1)
	pinDigits = "739152"
	keyHex    = "3B5D7F91B3D5F7081F2F3D4C5B6B7A89" // a double-length key
	key2Hex   = "C1D3E5F7A2B4C6D8E9FBAD9BC8E6F4A2" // a second key (component, BDK…)
	pinBlkHex = "A1B2C3D4E5F60718"                 // an enciphered PIN block
	lmkHex    = "0F1E2D3C4B5A69788796A5B4C3D2E1F0" // the HSM's local master key
	payCode   = "134792581603927154"               // a WeChat payment code (bearer secret)
)

// secret is one secret and the forms it must not appear in.
type secret struct {
	what  string
	forms []string
}

// secrets lists, for each secret, its forms: clear, hex (lower and upper),
// base64 (standard and URL alphabets, at each of the three byte
// alignments), packed BCD (raw and in those encodings), the decimal byte
// list that %v and %d give for a []byte, and Go-syntax hex bytes (%#v).
// Only forms of at least 6 characters are searched.
func secrets() []secret {
	var out []secret
	add := func(what string, clear string, raw ...[]byte) {
		s := secret{what: what}
		if clear != "" {
			s.forms = append(s.forms, clear)
		}
		for _, b := range raw {
			s.forms = append(s.forms, byteForms(b)...)
		}
		out = append(out, s)
	}
	add("PAN (middle digits)", panMiddle, []byte(pan), bcd(pan))
	add("track 2", discr, []byte(track2), bcd(strings.ReplaceAll(track2, "=", "D")))
	add("cardholder name", "SECRETNAME", []byte(name))
	add("PIN", pinDigits, []byte(pinDigits), bcd(pinDigits), bcd("06"+pinDigits))
	add("PIN block", "", mustHex(pinBlkHex))
	add("key", "", mustHex(keyHex))
	add("key 2", "", mustHex(key2Hex))
	add("LMK", "", mustHex(lmkHex))
	add("payment code (middle)", payCode[2:len(payCode)-4], []byte(payCode))
	return out
}

func byteForms(b []byte) []string {
	f := []string{hex.EncodeToString(b), strings.ToUpper(hex.EncodeToString(b))}
	if isPrint(b) {
		f = append(f, string(b))
	} else {
		f = append(f, string(b[:min(8, len(b))]))
	}
	for off := 0; off < 3 && off < len(b); off++ {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
			s := enc.EncodeToString(b[off:])
			s = s[:len(s)-4] // the last group depends on what follows
			f = append(f, s)
		}
	}
	dec := fmt.Sprint(b[:min(8, len(b))])
	f = append(f, dec[1:len(dec)-1])
	gosyn := fmt.Sprintf("%#v", b[:min(6, len(b))])
	f = append(f, gosyn[len("[]byte{"):len(gosyn)-1])
	var keep []string
	for _, s := range f {
		if len(s) >= 6 {
			keep = append(keep, s)
		}
	}
	return keep
}

func isPrint(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// bcd packs decimal (and hex) digits two to a byte, F-padded.
func bcd(s string) []byte {
	if len(s)%2 == 1 {
		s += "F"
	}
	return mustHex(s)
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// entry is one secret-bearing type: make returns a pointer to a value that
// holds every secret the type can hold. ptrOnly marks types that hold a
// lock (copying their value is already a vet error), printed by pointer
// only.
//
// storable marks enciphered key material (a TR-31 key block under the
// LMK, field 62 under the TMK) whose JSON is its storage form (slog's
// JSON handler marshals a caller's struct with encoding/json): every
// other output must hide it.
type entry struct {
	make     func(t *testing.T) any
	ptrOnly  bool
	storable bool
}

// outputs is everything the module's users can do to print or serialise
// v: every verb, fmt.Errorf, json, xml and slog (text and JSON).
func outputs(v any) map[string]string {
	out := map[string]string{}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
		out[verb] = fmt.Sprintf(verb, v)
	}
	out["Errorf"] = fmt.Errorf("op: %v", v).Error()
	out["Sprint"] = fmt.Sprint(v)
	out["Sprintln"] = fmt.Sprintln(v)
	if b, err := json.Marshal(v); err == nil {
		out["json"] = string(b)
	}
	if b, err := xml.Marshal(v); err == nil {
		out["xml"] = string(b)
	}
	var tb, jb bytes.Buffer
	slog.New(slog.NewTextHandler(&tb, nil)).Info("m", "v", v)
	slog.New(slog.NewJSONHandler(&jb, nil)).Info("m", "v", v)
	out["slog text"], out["slog json"] = tb.String(), jb.String()
	return out
}

// holders returns v (a pointer) in each way a caller holds it: by value,
// by pointer, in a struct by value and by pointer, in a slice and a map.
func holders(p any, ptrOnly bool) map[string]any {
	pv := reflect.ValueOf(p)
	t := pv.Type().Elem()
	out := map[string]any{"pointer": p}
	ptrHolder := reflect.New(reflect.StructOf([]reflect.StructField{{Name: "Held", Type: pv.Type(), Tag: `json:"held" xml:"held"`}})).Elem()
	ptrHolder.Field(0).Set(pv)
	out["struct{*T}"] = ptrHolder.Interface()
	if ptrOnly {
		return out
	}
	out["value"] = pv.Elem().Interface()
	valHolder := reflect.New(reflect.StructOf([]reflect.StructField{
		{Name: "Held", Type: t, Tag: `json:"held" xml:"held"`},
		{Name: "Note", Type: reflect.TypeOf("")},
	})).Elem()
	valHolder.Field(0).Set(pv.Elem())
	valHolder.Field(1).SetString("caller's struct")
	out["struct{T}"] = valHolder.Interface()
	sl := reflect.MakeSlice(reflect.SliceOf(t), 1, 1)
	sl.Index(0).Set(pv.Elem())
	out["[]T"] = sl.Interface()
	m := reflect.MakeMap(reflect.MapOf(reflect.TypeOf(""), t))
	m.SetMapIndex(reflect.ValueOf("k"), pv.Elem())
	out["map[string]T"] = m.Interface()
	return out
}

func typeName(p any) string {
	t := reflect.TypeOf(p).Elem()
	return t.PkgPath() + "." + t.Name()
}

// TestNoSecretPrinted is issue 23's leak test: every type of the table,
// held every way a caller holds it, printed and serialised every way;
// no secret appears in any form.
func TestNoSecretPrinted(t *testing.T) {
	secs := secrets()
	for _, e := range table() {
		p := e.make(t)
		name := typeName(p)
		t.Run(strings.TrimPrefix(name, module+"/"), func(t *testing.T) {
			hs := holders(p, e.ptrOnly)
			var keys []string
			for k := range hs {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, how := range keys {
				outs := outputs(hs[how])
				var ways []string
				for w := range outs {
					ways = append(ways, w)
				}
				sort.Strings(ways)
				var leaks []string
				example := ""
				for _, way := range ways {
					if e.storable && (way == "json" || way == "xml" || way == "slog json") {
						continue
					}
					s := outs[way]
					var what []string
					for _, sec := range secs {
						for _, f := range sec.forms {
							if strings.Contains(s, f) {
								what = append(what, sec.what)
								if example == "" {
									example = fmt.Sprintf("%s as %q in %.200q", sec.what, f, s)
								}
								break
							}
						}
					}
					if len(what) > 0 {
						leaks = append(leaks, way+" ("+strings.Join(what, ", ")+")")
					}
				}
				if len(leaks) > 0 {
					t.Errorf("held as %s, secrets print through %s; e.g. %s", how, strings.Join(leaks, "; "), example)
				}
			}
		})
	}
}

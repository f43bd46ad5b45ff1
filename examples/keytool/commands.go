package main

import (
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/possdk/pos/examples/internal/cli"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/keys/dukpt"
	"github.com/possdk/pos/keys/tr31"
)

var algorithms = map[string]keys.Algorithm{
	"des": keys.DES, "tdes2": keys.TDES2, "tdes3": keys.TDES3, "aes128": keys.AES128,
	"aes192": keys.AES192, "aes256": keys.AES256, "sm4": keys.SM4,
}

const algNames = "des, tdes2, tdes3, aes128, aes192, aes256, sm4"

// parseAlg names the algorithm, or infers it from the key length: 16 hex
// digits DES, 32 TDES-2, 48 TDES-3, 64 AES-256 (AES-128, AES-192 and SM4
// must be named, their lengths being those of TDES keys).
func parseAlg(name string, hexLen int) (keys.Algorithm, error) {
	if name != "" {
		a, ok := algorithms[strings.ToLower(name)]
		if !ok {
			return 0, fmt.Errorf("unknown algorithm %q (%s)", name, algNames)
		}
		return a, nil
	}
	switch hexLen {
	case 16:
		return keys.DES, nil
	case 32:
		return keys.TDES2, nil
	case 48:
		return keys.TDES3, nil
	case 64:
		return keys.AES256, nil
	}
	return 0, fmt.Errorf("a key of %d hex digits has no default algorithm: give -alg (%s)", hexLen, algNames)
}

func parseKey(alg string, s string) (*keys.Key, error) {
	typed := s
	s = strings.Join(strings.Fields(s), "")
	for i := 0; i < len(s); i++ {
		if !isHex(s[i]) {
			return nil, cli.NotHex(typed, s, i)
		}
	}
	a, err := parseAlg(alg, len(s))
	if err != nil {
		return nil, err
	}
	return keys.FromHex(a, s, keys.Legacy())
}

// newFlags returns a flag set whose -h prints the usage line and defaults.
func newFlags(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("keytool "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: keytool %s %s\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

func failf(stderr io.Writer, cmd string, code int, format string, a ...any) int {
	fmt.Fprintf(stderr, "keytool %s: %s\n", cmd, fmt.Sprintf(format, a...))
	return code
}

// describeKey prints a key's algorithm and check values, and its bytes
// when reveal is set.
func describeKey(w io.Writer, label string, k *keys.Key, reveal bool) {
	legacy, _ := k.CheckValueWith(keys.KCVLegacy, 3)
	line := fmt.Sprintf("%-22s %-10s KCV %X", label, k.Algorithm(), legacy)
	if cm, err := k.CheckValueWith(keys.KCVCMAC, 5); err == nil {
		line += fmt.Sprintf("  CMAC KCV %X", cm)
	}
	if reveal {
		b := k.ClearBytes()
		line += fmt.Sprintf("  key %X", b)
		clear(b)
	}
	fmt.Fprintln(w, line)
}

func runKCV(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("kcv", "[-alg name] [key hex]   (reads the key from stdin when not given)", stderr)
	alg := fs.String("alg", "", "key algorithm: "+algNames+" (default from the length)")
	if ok, status := cli.Parse(fs, args); !ok {
		return status
	}
	// Arguments are joined with a space, so "kcv hello world" is
	// reported as typed.
	var text string
	var err error
	if fs.NArg() > 0 {
		text, err = cli.Text([]string{strings.Join(fs.Args(), " ")}, nil)
	} else {
		text, err = cli.Text(nil, stdin)
	}
	if err != nil {
		return failf(stderr, "kcv", 1, "%v", err)
	}
	if strings.TrimSpace(text) == "" {
		return failf(stderr, "kcv", 1, "%v", cli.ErrNoInput)
	}
	k, err := parseKey(*alg, text)
	if err != nil {
		return failf(stderr, "kcv", 1, "%v", err)
	}
	defer k.Zero()
	describeKey(stdout, "key", k, false)
	warnWeak(stderr, "kcv", k)
	return 0
}

func runCombine(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("combine", "[-alg name] [-reveal] component[:kcv] component[:kcv] [component[:kcv]]", stderr)
	algName := fs.String("alg", "", "key algorithm: "+algNames+" (default from the length)")
	reveal := fs.Bool("reveal", false, "print the combined key's bytes (test keys only)")
	if ok, status := cli.Parse(fs, args); !ok {
		return status
	}
	if fs.NArg() < 2 || fs.NArg() > 3 {
		return failf(stderr, "combine", 2, "give 2 or 3 components, not %d", fs.NArg())
	}
	var comps []keys.Component
	defer func() {
		for _, c := range comps {
			clear(c.Bytes)
		}
	}()
	for i, arg := range fs.Args() {
		hexKey, _, _ := strings.Cut(arg, ":")
		for j := 0; j < len(hexKey); j++ {
			if !isHex(hexKey[j]) {
				return failf(stderr, "combine", 1, "component %d: %v", i+1, cli.NotHex(hexKey, hexKey, j))
			}
		}
	}
	first := strings.SplitN(fs.Arg(0), ":", 2)[0]
	alg, err := parseAlg(*algName, len(first))
	if err != nil {
		return failf(stderr, "combine", 1, "%v", err)
	}
	for i, arg := range fs.Args() {
		hexKey, kcv, _ := strings.Cut(arg, ":")
		b, err := hex.DecodeString(hexKey)
		if err != nil || len(b) != alg.KeyLen() {
			// Say where, never what: the component is a secret.
			return failf(stderr, "combine", 1, "component %d is not %d hex digits for %s", i+1, 2*alg.KeyLen(), alg)
		}
		c := keys.Component{Bytes: b}
		if kcv != "" {
			if c.CheckValue, err = hex.DecodeString(kcv); err != nil || len(c.CheckValue) == 0 {
				return failf(stderr, "combine", 1, "check value of component %d is not hex", i+1)
			}
		}
		comps = append(comps, c)
	}
	// FromComponents checks every component's check value first, so a
	// mistyped component is reported before anything is printed.
	k, err := keys.FromComponents(alg, comps, keys.Legacy())
	if err != nil {
		return failf(stderr, "combine", 1, "%v", err)
	}
	defer k.Zero()
	for i, c := range comps {
		ck, err := keys.New(alg, c.Bytes, keys.Legacy())
		if err != nil {
			return failf(stderr, "combine", 1, "component %d: %v", i+1, err)
		}
		describeKey(stdout, fmt.Sprintf("component %d", i+1), ck, false)
		ck.Zero()
	}
	describeKey(stdout, "combined key", k, *reveal)
	warnWeak(stderr, "combine", k)
	return 0
}

func runDUKPT(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("dukpt", "-bdk hex -ksn hex [-wk name] [-reveal]", stderr)
	bdkHex := fs.String("bdk", "", "base derivation key (hex): TDES-2 for a 20-digit KSN, AES for a 24-digit one")
	ksnHex := fs.String("ksn", "", "key serial number: 20 hex digits (TDES DUKPT) or 24 (AES DUKPT)")
	wkName := fs.String("wk", "", "AES DUKPT working key algorithm: tdes2, tdes3, aes128, aes192, aes256 (default: the BDK's)")
	reveal := fs.Bool("reveal", false, "print the derived keys' bytes (test keys only)")
	if ok, status := cli.Parse(fs, args); !ok {
		return status
	}
	if *bdkHex == "" || *ksnHex == "" {
		fs.Usage()
		return 2
	}
	switch len(*ksnHex) {
	case 20:
		return dukptTDES(stdout, stderr, *bdkHex, *ksnHex, *reveal)
	case 24:
		return dukptAES(stdout, stderr, *bdkHex, *ksnHex, *wkName, *reveal)
	}
	return failf(stderr, "dukpt", 1, "a KSN is 20 hex digits (TDES) or 24 (AES), not %d", len(*ksnHex))
}

func dukptTDES(stdout, stderr io.Writer, bdkHex, ksnHex string, reveal bool) int {
	bdk, err := keys.FromHex(keys.TDES2, bdkHex)
	if err != nil {
		return failf(stderr, "dukpt", 1, "-bdk: %v (TDES DUKPT needs a 32-digit BDK)", err)
	}
	defer bdk.Zero()
	ksn, err := dukpt.ParseKSN(ksnHex)
	if err != nil {
		return failf(stderr, "dukpt", 1, "-ksn: %v", err)
	}
	host, err := dukpt.NewTDESHost(bdk)
	if err != nil {
		return failf(stderr, "dukpt", 1, "%v", err)
	}
	fmt.Fprintf(stdout, "TDES DUKPT (ANSI X9.24-1:2009)  KSN %s  initial KSN %s  counter %d\n", ksn, ksn.Initial(), ksn.Counter())
	describeKey(stdout, "BDK", bdk, false)
	ipek, err := host.InitialKey(ksn)
	if err != nil {
		return failf(stderr, "dukpt", 1, "%v", err)
	}
	describeKey(stdout, "initial key (IPEK)", ipek, reveal)
	ipek.Zero()
	if ksn.Counter() == 0 {
		fmt.Fprintln(stdout, "counter 0: no transaction keys (the first transaction uses counter 1)")
		return 0
	}
	tk, err := host.TransactionKey(ksn)
	if err != nil {
		return failf(stderr, "dukpt", 1, "-ksn: %v", err)
	}
	defer tk.Zero()
	for _, d := range []struct {
		label string
		f     func() (*keys.Key, error)
	}{
		{"PIN key", tk.PINKey},
		{"MAC request key", tk.MACRequestKey},
		{"MAC response key", tk.MACResponseKey},
		{"data request key", tk.DataRequestKey},
		{"data response key", tk.DataResponseKey},
	} {
		k, err := d.f()
		if err != nil {
			return failf(stderr, "dukpt", 1, "%s: %v", d.label, err)
		}
		describeKey(stdout, d.label, k, reveal)
		k.Zero()
	}
	return 0
}

func dukptAES(stdout, stderr io.Writer, bdkHex, ksnHex, wkName string, reveal bool) int {
	var alg keys.Algorithm
	switch len(bdkHex) {
	case 32:
		alg = keys.AES128
	case 48:
		alg = keys.AES192
	case 64:
		alg = keys.AES256
	default:
		return failf(stderr, "dukpt", 1, "-bdk: an AES BDK is 32, 48 or 64 hex digits, not %d", len(bdkHex))
	}
	bdk, err := keys.FromHex(alg, bdkHex)
	if err != nil {
		return failf(stderr, "dukpt", 1, "-bdk: %v", err)
	}
	defer bdk.Zero()
	wk := alg
	if wkName != "" {
		var ok bool
		if wk, ok = algorithms[strings.ToLower(wkName)]; !ok || wk == keys.DES || wk == keys.SM4 {
			return failf(stderr, "dukpt", 2, "-wk: %q is not tdes2, tdes3, aes128, aes192 or aes256", wkName)
		}
	}
	ksn, err := dukpt.ParseAESKSN(ksnHex)
	if err != nil {
		return failf(stderr, "dukpt", 1, "-ksn: %v", err)
	}
	host, err := dukpt.NewAESHost(bdk)
	if err != nil {
		return failf(stderr, "dukpt", 1, "%v", err)
	}
	ikid := ksn.InitialKeyID()
	fmt.Fprintf(stdout, "AES DUKPT (ANSI X9.24-3-2017)  KSN %s  initial key ID %X  counter %d\n", ksn, ikid, ksn.Counter())
	describeKey(stdout, "BDK", bdk, false)
	ik, err := host.InitialKey(ikid)
	if err != nil {
		return failf(stderr, "dukpt", 1, "%v", err)
	}
	describeKey(stdout, "initial key", ik, reveal)
	ik.Zero()
	if ksn.Counter() == 0 {
		fmt.Fprintln(stdout, "counter 0: no transaction keys (the first transaction uses counter 1)")
		return 0
	}
	tk, err := host.TransactionKey(ksn)
	if err != nil {
		return failf(stderr, "dukpt", 1, "-ksn: %v", err)
	}
	defer tk.Zero()
	for _, u := range []dukpt.Usage{dukpt.PINEncryption, dukpt.MACGeneration, dukpt.MACVerification, dukpt.DataEncryption, dukpt.DataDecryption} {
		k, err := tk.WorkingKey(u, wk)
		if err != nil {
			return failf(stderr, "dukpt", 1, "%s key: %v", u, err)
		}
		describeKey(stdout, u.String()+" key", k, reveal)
		k.Zero()
	}
	return 0
}

func runTR31(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("tr31", "[-kbpk hex [-kbpk-alg name]] [-reveal] [key block]   (reads the block from stdin when not given)", stderr)
	kbpkHex := fs.String("kbpk", "", "key block protection key (hex) to verify and unwrap the block; without it only the header is read")
	kbpkAlg := fs.String("kbpk-alg", "", "KBPK algorithm: tdes2, tdes3, aes128, aes192, aes256 (default: AES for version D, TDES otherwise)")
	reveal := fs.Bool("reveal", false, "print the unwrapped key's bytes (test keys only)")
	if ok, status := cli.Parse(fs, args); !ok {
		return status
	}
	text, err := cli.Text(fs.Args(), stdin)
	if err != nil {
		return failf(stderr, "tr31", 1, "%v", err)
	}
	block := strings.TrimSpace(text)
	if block == "" {
		return failf(stderr, "tr31", 1, "%v", cli.ErrNoInput)
	}
	h, err := tr31.ParseHeader(block)
	if err != nil {
		return failf(stderr, "tr31", 1, "%v", err)
	}
	printHeader(stdout, h, *kbpkHex == "")
	if *kbpkHex == "" {
		return 0
	}
	name := *kbpkAlg
	if name == "" {
		name = "tdes"
		if h.Version == tr31.VersionD {
			name = "aes"
		}
	}
	alg, err := kbpkAlgorithm(name, len(*kbpkHex))
	if err != nil {
		return failf(stderr, "tr31", 2, "-kbpk: %v", err)
	}
	kbpk, err := keys.FromHex(alg, *kbpkHex)
	if err != nil {
		return failf(stderr, "tr31", 1, "-kbpk: %v", err)
	}
	defer kbpk.Zero()
	_, k, err := tr31.Unwrap(kbpk, block, keys.Legacy())
	if err != nil {
		if errors.Is(err, tr31.ErrMAC) {
			return failf(stderr, "tr31", 1, "%v: wrong KBPK (%s) or a damaged block", err, kbpk)
		}
		return failf(stderr, "tr31", 1, "%v", err)
	}
	defer k.Zero()
	fmt.Fprintln(stdout, "MAC verified under KBPK", kbpk)
	describeKey(stdout, "key", k, *reveal)
	if kc, ok := h.Block("KC"); ok {
		fmt.Fprintf(stdout, "KC block check value %s (check it against the key's)\n", kc)
	}
	return 0
}

// kbpkAlgorithm maps "tdes"/"aes" (by length) or an exact name.
func kbpkAlgorithm(name string, hexLen int) (keys.Algorithm, error) {
	switch strings.ToLower(name) {
	case "tdes":
		if hexLen == 48 {
			return keys.TDES3, nil
		}
		return keys.TDES2, nil
	case "aes":
		switch hexLen {
		case 48:
			return keys.AES192, nil
		case 64:
			return keys.AES256, nil
		}
		return keys.AES128, nil
	}
	a, ok := algorithms[strings.ToLower(name)]
	if !ok || a == keys.DES || a == keys.SM4 {
		return 0, fmt.Errorf("%q is not tdes2, tdes3, aes128, aes192 or aes256", name)
	}
	return a, nil
}

var versionNames = map[tr31.Version]string{
	tr31.VersionA: "A (key variant binding, TDES; deprecated)",
	tr31.VersionB: "B (key derivation binding, TDES)",
	tr31.VersionC: "C (key variant binding, TDES)",
	tr31.VersionD: "D (key derivation binding, AES)",
}

func printHeader(w io.Writer, h *tr31.Header, unauthenticated bool) {
	note := ""
	if unauthenticated {
		note = "   (not authenticated: give -kbpk to verify)"
	}
	fmt.Fprintf(w, "key block header %s%s\n", h, note)
	v := versionNames[h.Version]
	if v == "" {
		v = string(rune(h.Version))
	}
	fmt.Fprintf(w, "  version        %s\n", v)
	fmt.Fprintf(w, "  key usage      %s %s\n", h.Usage, usageNames[h.Usage])
	fmt.Fprintf(w, "  algorithm      %c %s\n", h.Algorithm, letter(algorithmLetters, byte(h.Algorithm)))
	fmt.Fprintf(w, "  mode of use    %c %s\n", h.ModeOfUse, letter(modeLetters, byte(h.ModeOfUse)))
	fmt.Fprintf(w, "  key version    %s %s\n", h.KeyVersion, keyVersionWords(string(h.KeyVersion)))
	fmt.Fprintf(w, "  exportability  %c %s\n", h.Exportability, letter(exportLetters, byte(h.Exportability)))
	for _, b := range h.Blocks {
		fmt.Fprintf(w, "  block %s       %q %s\n", b.ID, b.Data, blockNames[string(b.ID)])
	}
}

// The header's letters, ANSI X9.143-2022 / ASC X9 TR 31-2018 §A.5.2-A.5.5
// and §A.5.6 (optional blocks).
var (
	algorithmLetters = map[byte]string{
		'A': "AES", 'D': "DEA, single DES", 'E': "elliptic curve", 'H': "HMAC", 'R': "RSA",
		'S': "DSA", 'T': "TDEA, triple DES",
	}
	modeLetters = map[byte]string{
		'B': "both encrypt/wrap and decrypt/unwrap", 'C': "both generate and verify (MAC)",
		'D': "decrypt/unwrap only", 'E': "encrypt/wrap only", 'G': "generate only (MAC)",
		'N': "no special restrictions", 'S': "signature only", 'T': "both sign and decrypt",
		'V': "verify only", 'X': "derive other keys only", 'Y': "create key variants only",
	}
	exportLetters = map[byte]string{
		'E': "exportable under a trusted key-encryption key, in a form meeting X9.24",
		'N': "non-exportable", 'S': "sensitive: exportable under a key-encryption key not meeting X9.24",
	}
	blockNames = map[string]string{
		"CT": "(asymmetric key certificate)", "HM": "(HMAC hash algorithm)", "IK": "(AES DUKPT initial key ID)",
		"KC": "(check value of the wrapped key)", "KP": "(check value of the KBPK)", "KS": "(TDES DUKPT initial key serial number)",
		"KV": "(key block values; deprecated)", "PB": "(padding)", "TS": "(time stamp)", "LB": "(label)",
		"WP": "(wrapping pedigree)", "PK": "(protection key check value)", "DA": "(derivation(s) allowed)",
		"BI": "(base derivation key identifier)", "AL": "(asymmetric key life)", "TC": "(time of creation)",
	}
)

func letter(m map[byte]string, c byte) string {
	if s, ok := m[c]; ok {
		return "(" + s + ")"
	}
	return "(not a standard value)"
}

// keyVersionWords reads the two-character key version field: "00" none,
// "c" and a digit a key component, else the version.
func keyVersionWords(v string) string {
	switch {
	case v == "00":
		return "(no key version)"
	case len(v) == 2 && v[0] == 'c':
		return "(key component number " + v[1:] + ")"
	}
	return "(key version " + v + ")"
}

// usageNames are the common key usages of TR-31:2018 A.5.1 (Table 6).
var usageNames = map[string]string{
	"B0": "base derivation key (BDK)", "B1": "initial DUKPT key", "B2": "base key variant key",
	"C0": "card verification key", "D0": "data encryption (symmetric)", "D1": "data encryption (asymmetric)",
	"E0": "EMV master key: application cryptograms", "E1": "EMV master key: secure messaging confidentiality",
	"E2": "EMV master key: secure messaging integrity", "E3": "EMV master key: data authentication code",
	"E4": "EMV master key: dynamic numbers", "E5": "EMV master key: card personalisation", "E6": "EMV master key: other",
	"I0": "initialization vector", "K0": "key encryption or wrapping", "K1": "TR-31 key block protection key",
	"K2": "TR-34 asymmetric key", "K3": "asymmetric key agreement/wrapping",
	"M0": "ISO 16609 MAC (TDES)", "M1": "ISO 9797-1 MAC algorithm 1", "M2": "ISO 9797-1 MAC algorithm 2",
	"M3": "ISO 9797-1 MAC algorithm 3 (X9.19)", "M4": "ISO 9797-1 MAC algorithm 4", "M5": "ISO 9797-1:1999 MAC algorithm 5 (CMAC)",
	"M6": "ISO 9797-1:2011 MAC algorithm 5 (CMAC)", "M7": "HMAC", "M8": "ISO 9797-1:2011 MAC algorithm 6",
	"P0": "PIN encryption", "V0": "PIN verification (other)", "V1": "PIN verification (IBM 3624)",
	"V2": "PIN verification (Visa PVV)", "V3": "PIN verification (X9.132 algorithm 1)", "V4": "PIN verification (X9.132 algorithm 2)",
}

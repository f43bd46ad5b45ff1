package main

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

func runCmd(args []string, stdin string) (code int, out, errOut string) {
	var o, e bytes.Buffer
	code = run(args, strings.NewReader(stdin), &o, &e)
	return code, o.String(), e.String()
}

// Known answers, each from a published source (copied from the keys
// packages' testdata, which cite them in full):
//   - KCV 08D7B4 of 0123456789ABCDEFFEDCBA9876543210: pyemv
//     tests/test_kd_hsm.py (keys/testdata/keys.txt).
//   - TDES DUKPT: ANSI X9.24-1:2009 A.4, BDK 0123456789ABCDEFFEDCBA9876543210,
//     KSN FFFF9876543210E00001 (keys/dukpt/testdata/tdes.txt).
//   - AES DUKPT: ANSI X9.24-3-2017 supplement, AES-128 BDK counter 1
//     (keys/dukpt/testdata/aes.txt).
//   - TR-31: ASC X9 TR-31:2018 A.7.2.2 version B (keys/tr31/testdata/tr31.txt).
func TestKnownAnswers(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"kcv", []string{"kcv", "0123456789ABCDEFFEDCBA9876543210"}, []string{"TDES-2key  KCV 08D7B4"}},
		{"kcv aes", []string{"kcv", "-alg", "aes128", "FEDCBA9876543210F1F1F1F1F1F1F1F1"}, []string{"AES-128"}},
		{"combine", []string{"combine", "-reveal", "1F2E3D4C5B6A79880102030405060708:2435B0", "1E0D782BD2C1B467FFDEB99C73523518:2C28FC"},
			[]string{"component 1            TDES-2key  KCV 2435B0", "combined key           TDES-2key  KCV 08D7B4", "key 0123456789ABCDEFFEDCBA9876543210"}},
		{"dukpt tdes", []string{"dukpt", "-reveal", "-bdk", "0123456789ABCDEFFEDCBA9876543210", "-ksn", "FFFF9876543210E00001"}, []string{
			"initial key (IPEK)", "key 6AC292FAA1315B4D858AB3A3D7D5933A",
			"key 042666B49184CF5C68DE9628D0397B36",   // PIN key
			"key 042666B4918430A368DE9628D03984C9",   // MAC request key
			"key 042666B46E84CFA368DE96282F397BC9",   // MAC response key
			"key 448D3F076D8304036A55A3D7E0055A78",   // data request key
			"key AD7BFC8B06AD3A08A560B4105CF8D9E5"}}, // data response key
		{"dukpt aes", []string{"dukpt", "-reveal", "-bdk", "FEDCBA9876543210F1F1F1F1F1F1F1F1", "-ksn", "123456789012345600000001"}, []string{
			"key 1273671EA26AC29AFA4D1084127652A1",
			"PIN encryption key     AES-128", "key AF8CB133A78F8DC2D1359F18527593FB",
			"key A2DC23DE6FDE0824A2BC321E08E4B8B7",
			"key A35C412EFD41FDB98B69797C02DCD08F"}},
		{"tr31 header", []string{"tr31", "B0080P0TE00E000094B420079CC80BA3461F86FE26EFC4A3B8E4FA4C5F5341176EED7B727B8A248E"},
			[]string{"key block header B P0 T E 00 E   (not authenticated", "key usage      P0 PIN encryption",
				// The letters in words (TR-31:2018 A.5.2-A.5.5).
				"algorithm      T (TDEA, triple DES)", "mode of use    E (encrypt/wrap only)", "key version    00 (no key version)",
				"exportability  E (exportable under a trusted key-encryption key"}},
		{"tr31 unwrap", []string{"tr31", "-reveal", "-kbpk", "DD7515F2BFC17F85CE48F3CA25CB21F6", "B0080P0TE00E000094B420079CC80BA3461F86FE26EFC4A3B8E4FA4C5F5341176EED7B727B8A248E"},
			[]string{"MAC verified", "KCV 57C409", "key 3F419E1CB7079442AA37474C2EFBF8B8"}},
	}
	for _, tc := range tests {
		code, out, errOut := runCmd(tc.args, "")
		if code != 0 {
			t.Errorf("%s: exit %d: %s", tc.name, code, errOut)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: missing %q in\n%s", tc.name, w, out)
			}
		}
	}
}

func TestKeysHiddenWithoutReveal(t *testing.T) {
	for _, args := range [][]string{
		{"combine", "1F2E3D4C5B6A79880102030405060708", "1E0D782BD2C1B467FFDEB99C73523518"},
		{"dukpt", "-bdk", "0123456789ABCDEFFEDCBA9876543210", "-ksn", "FFFF9876543210E00001"},
		{"tr31", "-kbpk", "DD7515F2BFC17F85CE48F3CA25CB21F6", "B0080P0TE00E000094B420079CC80BA3461F86FE26EFC4A3B8E4FA4C5F5341176EED7B727B8A248E"},
		{"kcv", "0123456789ABCDEFFEDCBA9876543210"},
	} {
		code, out, _ := runCmd(args, "")
		if code != 0 {
			t.Fatalf("%v: exit %d", args, code)
		}
		for _, secret := range []string{"0123456789ABCDEF", "6AC292FAA1315B4D", "042666B49184CF5C", "3F419E1CB7079442", "1F2E3D4C5B6A7988"} {
			if strings.Contains(out, secret) {
				t.Errorf("%v printed key bytes %s:\n%s", args, secret, out)
			}
		}
	}
}

func TestStdin(t *testing.T) {
	if code, out, _ := runCmd([]string{"kcv"}, "0123 4567 89AB CDEF\nFEDC BA98 7654 3210\n"); code != 0 || !strings.Contains(out, "KCV 08D7B4") {
		t.Errorf("kcv from stdin: %d %q", code, out)
	}
	block := "B0080P0TE00E000094B420079CC80BA3461F86FE26EFC4A3B8E4FA4C5F5341176EED7B727B8A248E\n"
	if code, out, _ := runCmd([]string{"tr31"}, block); code != 0 || !strings.Contains(out, "P0") {
		t.Errorf("tr31 from stdin: %d %q", code, out)
	}
}

func TestErrors(t *testing.T) {
	const blockB = "B0080P0TE00E000094B420079CC80BA3461F86FE26EFC4A3B8E4FA4C5F5341176EED7B727B8A248E"
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no command", nil, 2, "usage: keytool <command>"},
		{"unknown command", []string{"mac"}, 2, `unknown command "mac"`},
		{"kcv not hex", []string{"kcv", "0123456789ABCDEFFEDCBA98765432ZZ"}, 1, "keytool kcv: not hex: character 'Z' at offset 30"},
		{"kcv words", []string{"kcv", "hello", "world"}, 1, "keytool kcv: not hex: 'hello world'"},
		{"combine words", []string{"combine", "hello", "world"}, 1, "keytool combine: component 1: not hex: 'hello'"},
		{"kcv odd length", []string{"kcv", "-alg", "tdes2", "0123"}, 1, "keytool kcv: keys:"},
		{"kcv no default alg", []string{"kcv", "0123456789"}, 1, "has no default algorithm"},
		{"kcv unknown alg", []string{"kcv", "-alg", "rc4", "0123456789ABCDEF"}, 1, `unknown algorithm "rc4"`},
		{"kcv empty", []string{"kcv"}, 1, "no input"},
		{"combine one", []string{"combine", "1F2E3D4C5B6A79880102030405060708"}, 2, "give 2 or 3 components"},
		{"combine short", []string{"combine", "1F2E3D4C5B6A79880102030405060708", "1E0D"}, 1, "component 2 is not 32 hex digits"},
		{"combine bad kcv", []string{"combine", "1F2E3D4C5B6A79880102030405060708:2435B0", "1E0D782BD2C1B467FFDEB99C73523518:2C28FD"}, 1, "component 2: keys: check value mismatch"},
		{"dukpt missing", []string{"dukpt", "-bdk", "00"}, 2, "usage: keytool dukpt"},
		{"dukpt ksn length", []string{"dukpt", "-bdk", "0123456789ABCDEFFEDCBA9876543210", "-ksn", "FFFF"}, 1, "a KSN is 20 hex digits"},
		{"dukpt counter bits", []string{"dukpt", "-bdk", "0123456789ABCDEFFEDCBA9876543210", "-ksn", "FFFF9876543210E007FF"}, 1, "-ksn: dukpt:"},
		{"dukpt aes bdk", []string{"dukpt", "-bdk", "0123", "-ksn", "123456789012345600000001"}, 1, "an AES BDK is 32, 48 or 64"},
		{"dukpt aes wk", []string{"dukpt", "-wk", "sm4", "-bdk", "FEDCBA9876543210F1F1F1F1F1F1F1F1", "-ksn", "123456789012345600000001"}, 2, "-wk:"},
		{"tr31 garbage", []string{"tr31", "hello"}, 1, "keytool tr31: tr31:"},
		{"tr31 wrong kbpk", []string{"tr31", "-kbpk", "CD7515F2BFC17F85CE48F3CA25CB21F6", blockB}, 1, "wrong KBPK"},
		{"tr31 tampered", []string{"tr31", "-kbpk", "DD7515F2BFC17F85CE48F3CA25CB21F6", strings.Replace(blockB, "94B4", "94B5", 1)}, 1, "keytool tr31:"},
		{"tr31 bad kbpk alg", []string{"tr31", "-kbpk-alg", "sm4", "-kbpk", "DD7515F2BFC17F85CE48F3CA25CB21F6", blockB}, 2, "-kbpk:"},
		{"tr31 aes kbpk for B", []string{"tr31", "-kbpk-alg", "aes128", "-kbpk", "DD7515F2BFC17F85CE48F3CA25CB21F6", blockB}, 1, "keytool tr31: tr31:"},
	}
	for _, tc := range tests {
		code, _, errOut := runCmd(tc.args, "")
		if code != tc.code || !strings.Contains(errOut, tc.msg) {
			t.Errorf("%s: exit %d, stderr %q", tc.name, code, errOut)
		}
		if strings.Contains(errOut, "1F2E3D4C") || strings.Contains(errOut, "DD7515F2") || strings.Contains(errOut, "0123456789AB") {
			t.Errorf("%s: error shows key bytes: %q", tc.name, errOut)
		}
	}
	// dukpt -h shows the flag it has (-wk), not one it lacks.
	if _, _, errOut := runCmd([]string{"dukpt", "-h"}, ""); !strings.Contains(errOut, "usage: keytool dukpt -bdk hex -ksn hex [-wk name] [-reveal]") || strings.Contains(errOut, "-alg") {
		t.Errorf("dukpt -h: %q", errOut)
	}
	// Over 1 MiB on standard input: refused as such.
	if code, _, errOut := runCmd([]string{"kcv"}, strings.Repeat("0", 1<<20+1)); code != 1 || !strings.Contains(errOut, "keytool kcv: input is larger than the 1 MiB limit") {
		t.Errorf("big input: exit %d, %q", code, errOut)
	}
	for _, args := range [][]string{{"-h"}, {"kcv", "-h"}, {"combine", "-h"}, {"dukpt", "-h"}, {"tr31", "-h"}} {
		if code, _, errOut := runCmd(args, ""); code != 0 || !strings.Contains(errOut, "usage: keytool") {
			t.Errorf("%v: exit %d, %q", args, code, errOut)
		}
	}
}

// Weak keys (NIST SP 800-67 Rev. 2 §3.3.2, FIPS 74 §3.6): combining
// components into a DES weak or semi-weak key, or a TDES key whose halves
// are equal, warns. The components below are chosen so their XOR is the
// listed key: c2 = c1 XOR key.
func TestWeakKeyWarnings(t *testing.T) {
	xor := func(a, b string) string {
		x, _ := hex.DecodeString(a)
		y, _ := hex.DecodeString(b)
		for i := range x {
			x[i] ^= y[i]
		}
		return strings.ToUpper(hex.EncodeToString(x))
	}
	const c1 = "0123456789ABCDEFFEDCBA9876543210"
	tests := []struct {
		key, warn string
	}{
		{"FEFEFEFEFEFEFEFEFEFEFEFEFEFEFEFE", "part K1 is a DES weak key"},
		{"FEFEFEFEFEFEFEFEFEFEFEFEFEFEFEFE", "K1 = K2: the halves are equal"},
		{"1F1F1F1F0E0E0E0E0123456789ABCDEF", "part K1 is a DES weak key"},
		{"0123456789ABCDEF01FE01FE01FE01FE", "part K2 is a DES semi-weak key"},
		{"0123456789ABCDEF0123456789ABCDEF", "K1 = K2: the halves are equal, so the key has single-DES strength"},
		// Parity bits do not hide it: 0x00 is 0x01 without parity.
		{"0000000000000000FFFFFFFFFFFFFFFF", "part K1 is a DES weak key"},
	}
	for _, tc := range tests {
		code, _, errOut := runCmd([]string{"combine", c1, xor(c1, tc.key)}, "")
		if code != 0 || !strings.Contains(errOut, "keytool combine: WARNING: "+tc.warn) {
			t.Errorf("%s: exit %d, %q", tc.key, code, errOut)
		}
	}
	// A sound key: no warning.
	if _, _, errOut := runCmd([]string{"combine", "1F2E3D4C5B6A79880102030405060708", "1E0D782BD2C1B467FFDEB99C73523518"}, ""); strings.Contains(errOut, "WARNING") {
		t.Errorf("sound key warned: %q", errOut)
	}
	// kcv warns too.
	if _, _, errOut := runCmd([]string{"kcv", "0101010101010101"}, ""); !strings.Contains(errOut, "the key is a DES weak key") {
		t.Errorf("kcv of a weak key: %q", errOut)
	}
}

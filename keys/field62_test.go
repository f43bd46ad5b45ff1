package keys

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/possdk/pos/internal/testvec"
)

// detReader is a deterministic byte source for tests (SHA-256 in counter
// mode), standing in for crypto/rand.
type detReader struct {
	seed string
	n    int
	buf  []byte
}

func (r *detReader) Read(p []byte) (int, error) {
	for i := range p {
		if len(r.buf) == 0 {
			h := sha256.Sum256([]byte(fmt.Sprintf("%s/%d", r.seed, r.n)))
			r.n++
			r.buf = h[:]
		}
		p[i] = r.buf[0]
		r.buf = r.buf[1:]
	}
	return len(p), nil
}

// Mode 001 built from the published TAK download vector: the same wrapped
// key and check value for PIK and MAK.
func TestDecodeField62SingleDES(t *testing.T) {
	var tv testvec.Vector
	for _, v := range testvec.Load(t, "keys.txt") {
		if v.Has("tak_encrypted") {
			tv = v
		}
	}
	tmk, err := New(TDES2, tv.Bytes(t, "tmk"))
	if err != nil {
		t.Fatal(err)
	}
	one := append(tv.Bytes(t, "tak_encrypted"), tv.Bytes(t, "tak_kcv4")...)
	f62 := append(append([]byte(nil), one...), one...)
	w, err := DecodeField62(tmk, ModeSingleDES, f62)
	if err != nil {
		t.Fatal(err)
	}
	if w.Data != nil || w.PIN.Algorithm() != DES || w.MAC.Usage() != UsageMAC || w.PIN.Usage() != UsagePIN {
		t.Errorf("unexpected key set %v", w)
	}
	if !bytes.Equal(w.MAC.ClearBytes(), tv.Bytes(t, "tak_clear")) {
		t.Error("MAK differs from the published clear TAK")
	}
	if got := w.String(); got != "mode 001 PIK DES KCV 0547DB MAK DES KCV 0547DB" {
		t.Errorf("String = %q", got)
	}
	if s := fmt.Sprintf("%v %+v %#v", w, *w, w); strings.Contains(strings.ToUpper(s), "C24A8FB5") {
		t.Errorf("formatting leaks key: %s", s)
	}
	f62[len(f62)-1] ^= 1 // corrupt the MAK check value
	w2, err := DecodeField62(tmk, ModeSingleDES, f62)
	if w2 != nil || !errors.Is(err, ErrCheckValue) || !errors.Is(err, ErrField62) || !strings.Contains(err.Error(), "MAK at offset 12") {
		t.Errorf("corrupt MAK KCV: %v, %v", w2, err)
	}
}

// The real 0810 sample: the TMK is not published, so with any other TMK the
// first key's check value must fail (and the length must be accepted).
func TestDecodeField62RealSampleWrongTMK(t *testing.T) {
	sv := testvec.Load(t, "field62.txt")[0]
	mode, err := ParseKeyMode(sv.Text(t, "mode"))
	if err != nil || mode != ModeTDES || mode.Field62Len() != len(sv.Bytes(t, "field62")) {
		t.Fatalf("mode %v %v", mode, err)
	}
	tmk, _ := FromHex(TDES2, "0123456789ABCDEFFEDCBA9876543210")
	_, err = DecodeField62(tmk, mode, sv.Bytes(t, "field62"))
	if !errors.Is(err, ErrCheckValue) || !strings.Contains(err.Error(), "PIK at offset 0") {
		t.Errorf("wrong TMK: %v", err)
	}
	if strings.Contains(err.Error(), "51DBA323") {
		t.Errorf("error shows key material: %v", err)
	}
}

func TestField62RoundTrip(t *testing.T) {
	for _, tc := range []struct {
		mode   KeyMode
		tmkAlg Algorithm
		tmk    string
		n      int
	}{
		{ModeSingleDES, TDES2, "70F2A84CCBC2AE8625CBB0F2C22AB923", 24},
		{ModeTDES, TDES2, "70F2A84CCBC2AE8625CBB0F2C22AB923", 40},
		{ModeTDESTrack, TDES3, "0123456789ABCDEF23456789ABCDEF01456789ABCDEF0123", 60},
		{ModeSM4, SM4, "0123456789ABCDEFFEDCBA9876543210", 60},
	} {
		t.Run(tc.mode.String(), func(t *testing.T) {
			tmk, err := FromHex(tc.tmkAlg, tc.tmk)
			if err != nil {
				t.Fatal(err)
			}
			host, err := NewWorkingKeys(&detReader{seed: tc.mode.String()}, tc.mode)
			if err != nil {
				t.Fatal(err)
			}
			f62, err := EncodeField62(tmk, host)
			if err != nil {
				t.Fatal(err)
			}
			if len(f62) != tc.n || tc.mode.Field62Len() != tc.n {
				t.Fatalf("field 62 is %d bytes, want %d", len(f62), tc.n)
			}
			term, err := DecodeField62(tmk, tc.mode, f62)
			if err != nil {
				t.Fatal(err)
			}
			if !term.PIN.Equal(host.PIN) || !term.MAC.Equal(host.MAC) || (host.Data != nil) != (term.Data != nil) || (host.Data != nil && !term.Data.Equal(host.Data)) {
				t.Errorf("terminal keys %v differ from host keys %v", term, host)
			}
			if term.Data != nil && term.Data.Usage() != UsageData {
				t.Error("TDK usage")
			}
			// Each key's KCV sits after it: flip one byte in every position
			// class and expect a clean failure.
			for _, off := range []int{0, len(f62) / 2, len(f62) - 1} {
				bad := append([]byte(nil), f62...)
				bad[off] ^= 0x40
				if w, err := DecodeField62(tmk, tc.mode, bad); w != nil || !errors.Is(err, ErrCheckValue) {
					t.Errorf("flip at %d: %v, %v", off, w, err)
				}
			}
			if _, err := DecodeField62(tmk, tc.mode, f62[:len(f62)-1]); !errors.Is(err, ErrField62) || errors.Is(err, ErrCheckValue) {
				t.Errorf("short field: %v", err)
			}
			host.Zero()
			if host.PIN.IsZeroed() != true || host.MAC.IsZeroed() != true {
				t.Error("Zero left keys")
			}
		})
	}
}

func TestField62Errors(t *testing.T) {
	tmk, _ := FromHex(TDES2, "70F2A84CCBC2AE8625CBB0F2C22AB923")
	if _, err := DecodeField62(tmk, KeyMode(2), make([]byte, 24)); !errors.Is(err, ErrKeyMode) || !errors.Is(err, ErrField62) {
		t.Errorf("mode 002: %v", err)
	}
	for _, s := range []string{"", "3", "03", "0003", "005", "abc"} {
		if _, err := ParseKeyMode(s); !errors.Is(err, ErrKeyMode) {
			t.Errorf("ParseKeyMode(%q) = %v", s, err)
		}
	}
	if KeyMode(9).Field62Len() != 0 {
		t.Error("unknown mode has a length")
	}
	if _, err := NewWorkingKeys(&detReader{}, KeyMode(7)); !errors.Is(err, ErrKeyMode) {
		t.Errorf("NewWorkingKeys(007): %v", err)
	}
	// A key set whose keys do not fit the mode.
	w, _ := NewWorkingKeys(&detReader{seed: "x"}, ModeTDES)
	w.Mode = ModeSM4
	if _, err := EncodeField62(tmk, w); !errors.Is(err, ErrAlgorithm) {
		t.Errorf("mismatched mode: %v", err)
	}
	// A zeroed TMK.
	dead, _ := FromHex(TDES2, "70F2A84CCBC2AE8625CBB0F2C22AB923")
	dead.Zero()
	if _, err := DecodeField62(dead, ModeTDES, make([]byte, 40)); !errors.Is(err, ErrZeroed) {
		t.Errorf("zeroed TMK: %v", err)
	}
	// Double-length keys of single-DES strength need Legacy.
	weak, _ := New(TDES2, testvec.Hex(t, "0123456789ABCDEF0123456789ABCDEF"), Legacy())
	f62, err := EncodeField62(tmk, &WorkingKeys{Mode: ModeTDES, PIN: weak, MAC: weak})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecodeField62(tmk, ModeTDES, f62); !errors.Is(err, ErrWeakKey) {
		t.Errorf("weak keys without Legacy: %v", err)
	}
	opts := make([]Option, 1, 8)
	opts[0] = Legacy()
	if _, err := DecodeField62(tmk, ModeTDES, f62, opts...); err != nil {
		t.Errorf("weak keys with Legacy: %v", err)
	}
	if opts[:2][1] != nil {
		t.Error("DecodeField62 appended into the caller's option slice")
	}
}

package keys

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/possdk/pos/internal/testvec"
)

func TestKeyVectors(t *testing.T) {
	testvec.Run(t, testvec.Load(t, "keys.txt"), func(t *testing.T, v testvec.Vector) {
		switch {
		case v.Has("kcv3"):
			k, err := New(algByName[v.Text(t, "alg")], v.Bytes(t, "key"))
			if err != nil {
				t.Fatal(err)
			}
			if got := k.CheckValue(); !bytes.Equal(got, v.Bytes(t, "kcv3")) {
				t.Errorf("CheckValue = %X, want %X", got, v.Bytes(t, "kcv3"))
			}
			got2, err := k.CheckValueWith(KCVLegacy, 2)
			if err != nil || !bytes.Equal(got2, v.Bytes(t, "kcv2")) {
				t.Errorf("CheckValueWith(legacy, 2) = %X, %v; want %X", got2, err, v.Bytes(t, "kcv2"))
			}
			if err := k.VerifyCheckValue(KCVDefault, v.Bytes(t, "kcv2")); err != nil {
				t.Errorf("VerifyCheckValue: %v", err)
			}
			bad := v.Bytes(t, "kcv3")
			bad[2] ^= 1
			if err := k.VerifyCheckValue(KCVDefault, bad); !errors.Is(err, ErrCheckValue) {
				t.Errorf("VerifyCheckValue(bad) = %v, want ErrCheckValue", err)
			}
		case v.Has("kcv"):
			k, err := New(algByName[v.Text(t, "alg")], v.Bytes(t, "key"))
			if err != nil {
				t.Fatal(err)
			}
			m := map[string]KCVMethod{"legacy": KCVLegacy, "cmac": KCVCMAC}[v.Text(t, "kcv_method")]
			want := v.Bytes(t, "kcv")
			if got, err := k.CheckValueWith(m, len(want)); err != nil || !bytes.Equal(got, want) {
				t.Errorf("CheckValueWith = %X, %v; want %X", got, err, want)
			}
			// The published length is also the algorithm's default.
			if got := k.CheckValue(); !bytes.Equal(got, want) {
				t.Errorf("default CheckValue = %X, want %X", got, want)
			}
			if err := k.VerifyCheckValue(KCVDefault, want); err != nil {
				t.Error(err)
			}
		case v.Has("ciphertext"):
			k, err := New(algByName[v.Text(t, "alg")], v.Bytes(t, "key"))
			if err != nil {
				t.Fatal(err)
			}
			b, err := k.Block()
			if err != nil {
				t.Fatal(err)
			}
			pt, ct := v.Bytes(t, "plaintext"), v.Bytes(t, "ciphertext")
			got := make([]byte, len(pt))
			if err := EncryptECB(b, got, pt); err != nil || !bytes.Equal(got, ct) {
				t.Errorf("EncryptECB = %X, %v; want %X", got, err, ct)
			}
			if err := DecryptECB(b, got, got); err != nil || !bytes.Equal(got, pt) {
				t.Errorf("DecryptECB in place = %X, %v; want %X", got, err, pt)
			}
		case v.Has("tmk"):
			tmk, err := New(TDES2, v.Bytes(t, "tmk"), WithUsage(UsageKeyEncryption))
			if err != nil {
				t.Fatal(err)
			}
			tak, err := Unwrap(tmk, DES, v.Bytes(t, "tak_encrypted"), Legacy(), WithUsage(UsageMAC))
			if err != nil {
				t.Fatal(err)
			}
			if got := tak.ClearBytes(); !bytes.Equal(got, v.Bytes(t, "tak_clear")) {
				t.Errorf("unwrapped TAK = %X, want %X", got, v.Bytes(t, "tak_clear"))
			}
			if err := tak.VerifyCheckValue(KCVLegacy, v.Bytes(t, "tak_kcv4")); err != nil {
				t.Error(err)
			}
			if tak.Usage() != UsageMAC {
				t.Errorf("usage = %v", tak.Usage())
			}
			w, err := Wrap(tmk, tak)
			if err != nil || !bytes.Equal(w, v.Bytes(t, "tak_encrypted")) {
				t.Errorf("Wrap = %X, %v; want %X", w, err, v.Bytes(t, "tak_encrypted"))
			}
		default:
			t.Fatal("unrecognised vector")
		}
	})
}

func TestNewErrors(t *testing.T) {
	k16 := testvec.Hex(t, "0123456789ABCDEFFEDCBA9876543210")
	tests := []struct {
		name string
		alg  Algorithm
		key  []byte
		opts []Option
		want error
	}{
		{"unknown algorithm", Algorithm(0), k16, nil, ErrAlgorithm},
		{"unknown algorithm high", Algorithm(99), k16, nil, ErrAlgorithm},
		{"short TDES2", TDES2, k16[:15], nil, ErrKeyLength},
		{"AES-128 with 24 bytes", AES128, append(k16, k16[:8]...), nil, ErrKeyLength},
		{"empty", SM4, nil, nil, ErrKeyLength},
		{"DES without Legacy", DES, k16[:8], nil, ErrWeakKey},
		{"TDES2 equal halves", TDES2, testvec.Hex(t, "0123456789ABCDEF0123456789ABCDEF"), nil, ErrWeakKey},
		{"TDES2 halves equal but for parity", TDES2, testvec.Hex(t, "0123456789ABCDEF0022446688AACCEE"), nil, ErrWeakKey},
		{"TDES3 K1=K2", TDES3, testvec.Hex(t, "0123456789ABCDEF0123456789ABCDEFFEDCBA9876543210"), nil, ErrWeakKey},
		{"TDES3 K2=K3", TDES3, testvec.Hex(t, "FEDCBA98765432100123456789ABCDEF0123456789ABCDEF"), nil, ErrWeakKey},
		{"parity required", TDES2, testvec.Hex(t, "0023456789ABCDEFFEDCBA9876543210"), []Option{RequireParity()}, ErrParity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := New(tt.alg, tt.key, tt.opts...)
			if !errors.Is(err, tt.want) {
				t.Fatalf("New = %v, %v; want %v", k, err, tt.want)
			}
			if k != nil {
				t.Error("key returned with error")
			}
		})
	}
}

func TestNewAccepts(t *testing.T) {
	tests := []struct {
		name string
		alg  Algorithm
		hex  string
		opts []Option
	}{
		{"DES with Legacy", DES, "0123456789ABCDEF", []Option{Legacy()}},
		{"TDES2 equal halves with Legacy", TDES2, "0123456789ABCDEF0123456789ABCDEF", []Option{Legacy()}},
		{"TDES3 K1=K3 is two-key strength", TDES3, "0123456789ABCDEFFEDCBA98765432100123456789ABCDEF", nil},
		{"TDES3", TDES3, "0123456789ABCDEF23456789ABCDEF01456789ABCDEF0123", []Option{RequireParity()}},
		{"AES-128", AES128, "2B7E151628AED2A6ABF7158809CF4F3C", []Option{RequireParity()}},
		{"AES-192", AES192, "8E73B0F7DA0E6452C810F32B809079E562F8EAD2522C6B7B", nil},
		{"AES-256", AES256, "603DEB1015CA71BE2B73AEF0857D77811F352C073B6108D72D9810A30914DFF4", nil},
		{"SM4 lower-case hex", SM4, "0123456789abcdeffedcba9876543210", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := FromHex(tt.alg, tt.hex, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if k.Algorithm() != tt.alg || k.Len() != tt.alg.KeyLen() {
				t.Errorf("got %v len %d", k.Algorithm(), k.Len())
			}
			if !strings.EqualFold(fmt.Sprintf("%X", k.ClearBytes()), tt.hex) {
				t.Error("ClearBytes differs from input")
			}
			b, err := k.Block()
			if err != nil || b.BlockSize() != tt.alg.BlockSize() {
				t.Errorf("Block = %v, %v", b, err)
			}
			if n := len(k.CheckValue()); n != map[bool]int{true: 5, false: 3}[tt.alg.IsAES()] {
				t.Errorf("default check value length %d", n)
			}
		})
	}
}

func TestTDES2IsK1K2K1(t *testing.T) {
	k2, _ := FromHex(TDES2, "0123456789ABCDEFFEDCBA9876543210")
	k3, _ := FromHex(TDES3, "0123456789ABCDEFFEDCBA98765432100123456789ABCDEF")
	if !bytes.Equal(k2.CheckValue(), k3.CheckValue()) {
		t.Errorf("TDES2 %v != TDES3 K1K2K1 %v", k2, k3)
	}
}

func TestFromHexErrors(t *testing.T) {
	secret := "0123456789ABCDEFFEDCBA98765432"
	for _, tt := range []struct {
		in   string
		want string
	}{
		{secret + "1", "odd length 31"},
		{secret + "1G", "offset 31"},
		{"X" + secret + "1", "offset 0"},
		{secret + " 0", "offset 30"},
	} {
		_, err := FromHex(TDES2, tt.in)
		if !errors.Is(err, ErrHex) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("FromHex(%q) = %v, want ErrHex with %q", tt.in, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "0123456789") {
			t.Errorf("error leaks key text: %v", err)
		}
	}
}

func TestParity(t *testing.T) {
	for i := range 256 {
		b := []byte{byte(i)}
		AdjustParity(b)
		if !HasOddParity(b) || b[0]&0xFE != byte(i)&0xFE {
			t.Fatalf("AdjustParity(%02X) = %02X", i, b[0])
		}
		if HasOddParity([]byte{byte(i)}) != (b[0] == byte(i)) {
			t.Fatalf("HasOddParity(%02X) disagrees with AdjustParity", i)
		}
	}
	// The X9.24-1 A.4 IPEK is published without parity adjustment.
	k, err := FromHex(TDES2, "6AC292FAA1315B4D858AB3A3D7D5933A", FixParity())
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%X", k.ClearBytes()); got != "6BC292FBA1315B4C858AB3A2D6D5923B" {
		t.Errorf("FixParity = %s", got)
	}
	raw, _ := FromHex(TDES2, "6AC292FAA1315B4D858AB3A3D7D5933A")
	if !bytes.Equal(raw.CheckValue(), k.CheckValue()) {
		t.Error("parity adjustment changed the check value")
	}
}

func TestComponents(t *testing.T) {
	// Three components whose XOR is 0123456789ABCDEF FEDCBA9876543210
	// (KCV 08D7B4, pyemv test_kd_hsm.py).
	c1 := testvec.Hex(t, "11111111111111112222222222222222")
	c2 := testvec.Hex(t, "A7A7A7A7A7A7A7A75B5B5B5B5B5B5B5B")
	want := testvec.Hex(t, "0123456789ABCDEFFEDCBA9876543210")
	c3 := make([]byte, 16)
	for i := range c3 {
		c3[i] = want[i] ^ c1[i] ^ c2[i]
	}
	kcv := func(b []byte) []byte {
		k, err := New(TDES2, b, Legacy())
		if err != nil {
			t.Fatal(err)
		}
		return k.CheckValue()
	}
	comps := []Component{
		{Bytes: c1, CheckValue: kcv(c1)},
		{Bytes: c2, CheckValue: kcv(c2)},
		{Bytes: c3},
	}
	k, err := FromComponents(TDES2, comps, WithUsage(UsageKeyEncryption))
	if err != nil {
		t.Fatal(err)
	}
	if got := k.CheckValue(); !bytes.Equal(got, testvec.Hex(t, "08D7B4")) {
		t.Errorf("combined KCV %X, want 08D7B4", got)
	}
	if !HasOddParity(k.ClearBytes()) {
		t.Error("combined key lacks odd parity")
	}
	// Two components: the combined key is parity-adjusted.
	k2, err := FromComponents(TDES2, []Component{{Bytes: c1}, {Bytes: xor(t, want, c1)}})
	if err != nil || !k2.Equal(k) {
		t.Errorf("two components: %v, %v", k2, err)
	}

	comps[1].CheckValue = []byte{0, 0, 0}
	if _, err := FromComponents(TDES2, comps); !errors.Is(err, ErrCheckValue) || !strings.Contains(err.Error(), "component 2") {
		t.Errorf("bad component KCV: %v", err)
	}
	if _, err := FromComponents(TDES2, comps[:1]); !errors.Is(err, ErrComponents) {
		t.Errorf("one component: %v", err)
	}
	if _, err := FromComponents(TDES2, []Component{{Bytes: c1}, {Bytes: c2[:8]}}); !errors.Is(err, ErrComponents) || !strings.Contains(err.Error(), "component 2") {
		t.Errorf("short component: %v", err)
	}
	if _, err := FromComponents(TDES2, []Component{{Bytes: c1}, {Bytes: c1}}); !errors.Is(err, ErrWeakKey) {
		t.Errorf("components cancelling out: %v", err)
	}
}

func xor(t *testing.T, a, b []byte) []byte {
	t.Helper()
	out := make([]byte, len(a))
	for i := range a {
		out[i] = a[i] ^ b[i]
	}
	return out
}

func TestGenerate(t *testing.T) {
	// A source whose first draw has equal halves: Generate must redraw.
	src := bytes.NewReader(append(testvec.Hex(t, "0123456789ABCDEF0123456789ABCDEF"), testvec.Hex(t, "0123456789ABCDEFFEDCBA9876543210")...))
	k, err := Generate(TDES2, src)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(k.CheckValue(), testvec.Hex(t, "08D7B4")) {
		t.Errorf("Generate drew %v", k)
	}
	if _, err := Generate(AES128, bytes.NewReader(make([]byte, 5))); err == nil {
		t.Error("short random source accepted")
	}
	if _, err := Generate(Algorithm(0), src); !errors.Is(err, ErrAlgorithm) {
		t.Errorf("Generate(0) = %v", err)
	}
}

func TestFormattingHidesKeyBytes(t *testing.T) {
	k, err := FromHex(TDES2, "0123456789ABCDEFFEDCBA9876543210", WithUsage(UsagePIN))
	if err != nil {
		t.Fatal(err)
	}
	type wrapper struct {
		Name string
		K    *Key
		V    Key
	}
	w := wrapper{"pik", k, *k}
	var outs []string
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%08b"} {
		outs = append(outs, fmt.Sprintf(f, k), fmt.Sprintf(f, *k), fmt.Sprintf(f, w), fmt.Sprintf(f, &w))
	}
	outs = append(outs, fmt.Sprint(k), fmt.Sprintln(*k), k.String())
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	log.Info("loaded", "key", k, "keyval", *k)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("loaded", "key", k)
	outs = append(outs, buf.String())
	for _, o := range outs {
		lo := strings.ToLower(o)
		for _, frag := range []string{"0123456789", "fedcba98", "01 23 45", "[1 35 69"} {
			if strings.Contains(lo, frag) {
				t.Errorf("output leaks key bytes: %s", o)
			}
		}
	}
	if got := k.String(); got != "TDES-2key KCV 08D7B4" {
		t.Errorf("String = %q", got)
	}
	if !strings.Contains(buf.String(), `"kcv":"08D7B4"`) || !strings.Contains(buf.String(), `"alg":"TDES-2key"`) {
		t.Errorf("slog output lacks alg/kcv: %s", buf.String())
	}
}

func TestZero(t *testing.T) {
	k, _ := FromHex(AES128, "2B7E151628AED2A6ABF7158809CF4F3C")
	inner := k.b
	k.Zero()
	if !bytes.Equal(inner, make([]byte, 16)) {
		t.Error("key bytes not wiped")
	}
	if _, err := k.Block(); !errors.Is(err, ErrZeroed) {
		t.Errorf("Block after Zero: %v", err)
	}
	if k.ClearBytes() != nil || k.CheckValue() != nil || !k.IsZeroed() {
		t.Error("zeroed key still yields material")
	}
	if _, err := k.CheckValueWith(KCVDefault, 0); !errors.Is(err, ErrZeroed) {
		t.Errorf("CheckValueWith after Zero: %v", err)
	}
	if got := k.String(); got != "AES-128 (zeroed)" {
		t.Errorf("String = %q", got)
	}
	var nilKey *Key
	nilKey.Zero()
	if _, err := Wrap(k, k); !errors.Is(err, ErrZeroed) {
		t.Errorf("Wrap with zeroed keys: %v", err)
	}
	if k.Equal(k) {
		t.Error("zeroed key equal to itself")
	}
}

func TestWrapErrors(t *testing.T) {
	kek, _ := FromHex(AES128, "2B7E151628AED2A6ABF7158809CF4F3C")
	des3, _ := FromHex(TDES3, "0123456789ABCDEF23456789ABCDEF01456789ABCDEF0123")
	if _, err := Wrap(kek, des3); !errors.Is(err, ErrDataLength) {
		t.Errorf("24-byte key under AES: %v", err)
	}
	if _, err := Unwrap(kek, TDES2, make([]byte, 15)); !errors.Is(err, ErrKeyLength) {
		t.Errorf("short wrapped key: %v", err)
	}
	if _, err := Unwrap(kek, Algorithm(42), make([]byte, 16)); !errors.Is(err, ErrAlgorithm) {
		t.Errorf("bad algorithm: %v", err)
	}
	b, _ := kek.Block()
	if err := EncryptECB(b, make([]byte, 16), make([]byte, 32)); !errors.Is(err, ErrDataLength) {
		t.Errorf("short dst: %v", err)
	}
}

func TestDESParts(t *testing.T) {
	k, _ := FromHex(TDES2, "0123456789ABCDEFFEDCBA9876543210")
	l, r, err := k.DESParts()
	if err != nil || l.BlockSize() != 8 || r.BlockSize() != 8 {
		t.Fatalf("DESParts: %v", err)
	}
	a, _ := FromHex(AES128, "2B7E151628AED2A6ABF7158809CF4F3C")
	if _, _, err := a.DESParts(); !errors.Is(err, ErrAlgorithm) {
		t.Errorf("DESParts on AES: %v", err)
	}
}

func TestAlgorithmUsageStrings(t *testing.T) {
	if Algorithm(99).String() != "Algorithm(99)" || Usage(99).String() != "Usage(99)" || UsageMAC.String() != "MAC" {
		t.Error("unexpected names")
	}
	if Algorithm(0).KeyLen() != 0 || Algorithm(0).BlockSize() != 0 {
		t.Error("unknown algorithm has sizes")
	}
}

// The decimalization of Visa's CVV and PVV algorithms: the decimal digits
// first, then the letters minus 10 (rows computed by hand; the first is
// the ciphertext of psec's PVV vector, whose PVV is 8523).
func TestAppendDecimalized(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"C8FBF5FE2370DDCF", 4, "8523"}, // psec PVV vector: TDES(TSP) = C8FBF5FE2370DDCF
		{"ABCDEFABCDEFABCD", 3, "012"},  // no decimal digit: letters minus 10
		{"A1B2C3D4E5F6A7B8", 16, "1234567801234501"},
		{"12", 5, "12"},
	} {
		b := testvec.Hex(t, c.in)
		if got := string(AppendDecimalized([]byte("x"), b, c.n)); got != "x"+c.want {
			t.Errorf("%s, %d: %q, want x%s", c.in, c.n, got, c.want)
		}
	}
}

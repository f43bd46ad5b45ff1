package tr31

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/possdk/pos/keys"

	"github.com/possdk/pos/internal/testvec"
)

var algs = map[string]keys.Algorithm{
	"DES": keys.DES, "TDES2": keys.TDES2, "TDES3": keys.TDES3, "AES128": keys.AES128, "AES192": keys.AES192, "AES256": keys.AES256,
}

func vectorKey(t *testing.T, v testvec.Vector, prefix string) *keys.Key {
	t.Helper()
	k, err := keys.New(algs[v.Field(prefix+"_alg")], v.Bytes(t, prefix), keys.Legacy())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestVectors(t *testing.T) {
	testvec.Run(t, testvec.Load(t, "tr31.txt"), func(t *testing.T, v testvec.Vector) {
		kbpk := vectorKey(t, v, "kbpk")
		block := v.Field("block")
		h, k, err := Unwrap(kbpk, block, keys.Legacy())
		if err != nil {
			t.Fatal(err)
		}
		if got := k.ClearBytes(); !bytes.Equal(got, v.Bytes(t, "key")) {
			t.Fatalf("key %X, want %X", got, v.Bytes(t, "key"))
		}
		if k.Algorithm() != algs[v.Field("key_alg")] {
			t.Errorf("key algorithm %s, want %s", k.Algorithm(), v.Field("key_alg"))
		}
		if kcv := k.CheckValue(); v.Has("kcv") && !bytes.Equal(kcv[:3], v.Bytes(t, "kcv")) {
			t.Errorf("KCV %X, want %X", kcv, v.Bytes(t, "kcv"))
		}
		if h.Version != Version(block[0]) || h.Usage != block[5:7] || h.Algorithm != block[7] ||
			h.ModeOfUse != block[8] || h.KeyVersion != block[9:11] || h.Exportability != block[11] {
			t.Errorf("header %s does not match %s", h, block[:16])
		}
		for _, f := range v.Fields() {
			if id, ok := strings.CutPrefix(f, "opt."); ok {
				if got, ok := h.Block(id); !ok || got != v.Field(f) {
					t.Errorf("optional block %s = %q, want %q", id, got, v.Field(f))
				}
			}
		}
		// Re-wrap with the block's own padding: byte-for-byte the same.
		_, field, err := open(kbpk, block)
		if err != nil {
			t.Fatal(err)
		}
		pad := field[2+k.Len():]
		opts := &Options{Rand: bytes.NewReader(pad)}
		if bs := h.Version.blockSize(); len(field) != (2+k.Len()+bs-1)/bs*bs {
			opts.MaskedKeyLength = len(field) - 2 // the block hides its key length
		}
		again, err := Wrap(kbpk, *stripPB(h), k, opts)
		if err != nil {
			t.Fatal(err)
		}
		if again != block {
			t.Errorf("re-wrap\n got %s\nwant %s", again, block)
		}
	})
}

// stripPB drops a trailing padding block, which Wrap re-creates.
func stripPB(h *Header) *Header {
	c := *h
	if n := len(c.Blocks); n > 0 && c.Blocks[n-1].ID == "PB" {
		c.Blocks = c.Blocks[:n-1]
	}
	return &c
}

func TestRoundTrip(t *testing.T) {
	tdes2, _ := keys.FromHex(keys.TDES2, "89E88CF7931444F334BD7547FC3F380C")
	tdes3, _ := keys.FromHex(keys.TDES3, "89E88CF7931444F334BD7547FC3F380C0123456789ABCDEF")
	aes128, _ := keys.FromHex(keys.AES128, "88E1AB2A2E3DD38C1FA039A536500CC8")
	aes192, _ := keys.FromHex(keys.AES192, "88E1AB2A2E3DD38C1FA039A536500CC8A87AB9D62DC92C01")
	aes256, _ := keys.FromHex(keys.AES256, "88E1AB2A2E3DD38C1FA039A536500CC8A87AB9D62DC92C01058FA79F44657DE6")
	payloads := []*keys.Key{tdes2, tdes3, aes128, aes192, aes256}
	long := strings.Repeat("X", 300) // needs the X9.143 extended optional block length
	for _, c := range []struct {
		v    Version
		kbpk *keys.Key
	}{{VersionA, tdes2}, {VersionB, tdes2}, {VersionB, tdes3}, {VersionC, tdes3}, {VersionD, aes128}, {VersionD, aes192}, {VersionD, aes256}} {
		for _, k := range payloads {
			for _, mask := range []int{0, 32} {
				for _, blocks := range [][]OptionalBlock{nil, {{"KS", "00604B120F9292800000"}}, {{"TS", "20260101000000Z"}, {"10", long}}} {
					name := fmt.Sprintf("%s/%s/%s/mask%d/%d blocks", c.v, c.kbpk.Algorithm(), k.Algorithm(), mask, len(blocks))
					h := Header{Version: c.v, Usage: "K0", ModeOfUse: 'B', KeyVersion: "00", Exportability: 'E',
						KeyContext: '0', Reserved: '0', Blocks: blocks}
					blk, err := Wrap(c.kbpk, h, k, &Options{MaskedKeyLength: mask})
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					gh, gk, err := Unwrap(c.kbpk, blk)
					if err != nil {
						t.Fatalf("%s: %v\n%s", name, err, blk)
					}
					if !gk.Equal(k) || gk.Usage() != keys.UsageKeyEncryption {
						t.Fatalf("%s: key %v usage %s", name, gk, gk.Usage())
					}
					got := stripPB(gh)
					if len(got.Blocks) != len(blocks) {
						t.Fatalf("%s: %d optional blocks back, want %d", name, len(got.Blocks), len(blocks))
					}
					for i := range blocks {
						if got.Blocks[i] != blocks[i] {
							t.Fatalf("%s: block %d = %v", name, i, got.Blocks[i])
						}
					}
					// Masked, every key is as long as an AES-256 key.
					if mask != 0 && len(blk) != len(mustWrap(t, c.kbpk, h, aes256, mask)) {
						t.Fatalf("%s: masked block length %d reveals the key length", name, len(blk))
					}
				}
			}
		}
	}
}

func mustWrap(t *testing.T, kbpk *keys.Key, h Header, k *keys.Key, mask int) string {
	t.Helper()
	b, err := Wrap(kbpk, h, k, &Options{MaskedKeyLength: mask})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestUnwrapErrors(t *testing.T) {
	tdesKBPK, _ := keys.FromHex(keys.TDES2, "DD7515F2BFC17F85CE48F3CA25CB21F6")
	aesKBPK, _ := keys.FromHex(keys.AES128, "DD7515F2BFC17F85CE48F3CA25CB21F6")
	good := "B0080P0TE00E000094B420079CC80BA3461F86FE26EFC4A3B8E4FA4C5F5341176EED7B727B8A248E"
	flip := func(i int) string {
		b := []byte(good)
		if b[i] == '0' {
			b[i] = '1'
		} else {
			b[i] = '0'
		}
		return string(b)
	}
	for _, c := range []struct {
		name  string
		kbpk  *keys.Key
		block string
		want  error
		text  string
	}{
		{"AES KBPK with version B", aesKBPK, good, ErrKBPK, "version D"},
		{"TDES KBPK with version D", tdesKBPK, "D0112P0AE00E0000B82679114F470F540165EDFBF7E250FCEA43F810D215F8D207E2E417C07156A27E8E31DA05F7425509593D03A457DC34", ErrKBPK, "version B"},
		{"unknown version", tdesKBPK, "E" + good[1:], ErrVersion, "offset 0"},
		{"short", tdesKBPK, good[:10], ErrLength, ""},
		{"empty", tdesKBPK, "", ErrLength, ""},
		{"truncated", tdesKBPK, good[:len(good)-2], ErrLength, ""},
		{"length field", tdesKBPK, "B0081" + good[5:], ErrLength, "81"},
		{"bad MAC", tdesKBPK, flip(len(good) - 1), ErrMAC, ""},
		{"bad ciphertext", tdesKBPK, flip(20), ErrMAC, ""},
		{"bad header", tdesKBPK, "B0080P0TD00E0000" + good[16:], ErrMAC, ""},
		{"bad hex", tdesKBPK, good[:20] + "G" + good[21:], ErrFormat, "offset 20"},
		{"bad length digit", tdesKBPK, "B00X0" + good[5:], ErrFormat, "offset 3"},
		{"opt count", tdesKBPK, "B0080P0TE00E0100" + good[16:], ErrLength, "optional block"},
		{"non-printable", tdesKBPK, "B0080P0\x01E00E0000" + good[16:], ErrFormat, "offset 7"},
		{"nil KBPK", nil, good, ErrKBPK, ""},
	} {
		_, _, err := UnwrapBytes(c.kbpk, c.block)
		if !errors.Is(err, c.want) || !strings.Contains(fmt.Sprint(err), c.text) {
			t.Errorf("%s: %v, want %v mentioning %q", c.name, err, c.want, c.text)
		}
	}
}

func TestWrapErrors(t *testing.T) {
	kbpk, _ := keys.FromHex(keys.TDES2, "DD7515F2BFC17F85CE48F3CA25CB21F6")
	aesKey, _ := keys.FromHex(keys.AES128, "DD7515F2BFC17F85CE48F3CA25CB21F6")
	h := Header{Version: VersionB, Usage: "P0", Algorithm: 'T', ModeOfUse: 'E', KeyVersion: "00", Exportability: 'E', KeyContext: '0', Reserved: '0'}
	key := []byte("0123456789abcdef")
	for _, c := range []struct {
		name string
		h    func(Header) Header
		kbpk *keys.Key
		key  []byte
		opts *Options
		want error
	}{
		{"AES KBPK version B", nil, aesKey, key, nil, ErrKBPK},
		{"version E", func(h Header) Header { h.Version = 'E'; return h }, kbpk, key, nil, ErrVersion},
		{"usage length", func(h Header) Header { h.Usage = "P"; return h }, kbpk, key, nil, ErrFormat},
		{"non-printable", func(h Header) Header { h.ModeOfUse = 0; return h }, kbpk, key, nil, ErrFormat},
		{"key version", func(h Header) Header { h.KeyVersion = "1"; return h }, kbpk, key, nil, ErrFormat},
		{"block ID", func(h Header) Header { h.Blocks = []OptionalBlock{{"K", "x"}}; return h }, kbpk, key, nil, ErrFormat},
		{"block data", func(h Header) Header { h.Blocks = []OptionalBlock{{"KS", "\n"}}; return h }, kbpk, key, nil, ErrFormat},
		{"PB not last", func(h Header) Header { h.Blocks = []OptionalBlock{{"PB", "0000"}, {"KS", "01"}}; return h }, kbpk, key, nil, ErrFormat},
		{"empty key", nil, kbpk, nil, nil, ErrKey},
		{"mask too short", nil, kbpk, key, &Options{MaskedKeyLength: 8}, ErrKey},
		{"short rand", nil, kbpk, key, &Options{Rand: bytes.NewReader(nil)}, nil},
	} {
		hh := h
		if c.h != nil {
			hh = c.h(h)
		}
		_, err := WrapBytes(c.kbpk, hh, c.key, c.opts)
		if c.want == nil {
			if err == nil {
				t.Errorf("%s: no error", c.name)
			}
			continue
		}
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := Wrap(kbpk, Header{Version: VersionB, Algorithm: 'T', Usage: "P0", ModeOfUse: 'E', KeyVersion: "00", Exportability: 'E', KeyContext: '0', Reserved: '0'}, aesKey, nil); !errors.Is(err, ErrKey) {
		t.Errorf("AES key in a 'T' header: %v", err)
	}
}

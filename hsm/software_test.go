package hsm

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/keys/tr31"
	"github.com/possdk/pos/pinblock"
)

// CUP sign-in through the HSM, checked from the terminal's side: the
// terminal decodes field 62 under its clear TMK with keys.DecodeField62
// (which checks each key's 4-byte check value), and the keys it gets agree
// with the key blocks the host keeps: same check values, a MAC the terminal
// computes verifies in the HSM under the host's MAK block, and a PIN block
// the terminal enciphers under its PIK translates in the HSM.
func TestGenerateWorkingKeys(t *testing.T) {
	s := newSoftware(t)
	const tmkHex = "70F2A84CCBC2AE8625CBB0F2C22AB923"
	tmk := wrapHex(t, s, TerminalMasterKey, keys.TDES2, tmkHex)
	clearTMK, _ := keys.FromHex(keys.TDES2, tmkHex)
	for _, m := range []keys.KeyMode{keys.ModeSingleDES, keys.ModeTDES, keys.ModeTDESTrack, keys.ModeSM4} {
		t.Run(m.String(), func(t *testing.T) {
			w, err := s.GenerateWorkingKeys(ctx, tmk, m)
			if err != nil {
				t.Fatal(err)
			}
			if len(w.Field62) != m.Field62Len() {
				t.Fatalf("field 62 of %d bytes, want %d", len(w.Field62), m.Field62Len())
			}
			term, err := keys.DecodeField62(clearTMK, m, w.Field62)
			if err != nil {
				t.Fatalf("terminal cannot decode field 62: %v", err)
			}
			for i, pair := range []struct {
				blk KeyBlock
				k   *keys.Key
			}{{w.PIN, term.PIN}, {w.MAC, term.MAC}, {w.Data, term.Data}} {
				if pair.k == nil {
					if pair.blk != "" {
						t.Errorf("key %d: a block without a key in field 62", i)
					}
					continue
				}
				kcv, err := s.CheckValue(ctx, pair.blk)
				if err != nil || !bytes.Equal(kcv, pair.k.CheckValue()) {
					t.Errorf("key %d: HSM KCV %X (%v), terminal's %X", i, kcv, err, pair.k.CheckValue())
				}
				if !bytes.Equal(pair.blk.CheckValue(), pair.k.CheckValue()) {
					t.Errorf("key %d: KC block %X, terminal's %X", i, pair.blk.CheckValue(), pair.k.CheckValue())
				}
			}
			msg := []byte("0200 sale MAB")
			b, _ := term.MAC.Block()
			mac, _ := keys.CUPMAC(b, msg)
			if err := s.VerifyMAC(ctx, MACRequest{Key: w.MAC, Algorithm: MACCUP, Data: msg}, mac); err != nil {
				t.Errorf("terminal's CUP MAC does not verify under the host's MAK: %v", err)
			}
			f := pinblock.Format0
			if m == keys.ModeSM4 {
				f = pinblock.Format4
			}
			c, err := pinblock.NewCipher(term.PIN, f, nil)
			if err != nil {
				t.Fatal(err)
			}
			blk, _ := c.Encrypt(parsePIN(t, "123456"), "6222021234567890123")
			zpk := wrapHex(t, s, PINKey, keys.TDES2, "89ABCDEF0123456776543210FEDCBA98")
			if _, err := s.TranslatePIN(ctx, PINTranslation{
				From: PINKeyRef{Key: w.PIN, Format: f}, To: PINKeyRef{Key: zpk, Format: pinblock.Format0},
				PAN: "6222021234567890123", Block: blk,
			}); err != nil {
				t.Errorf("terminal's PIN block does not translate: %v", err)
			}
			// Working keys never leave except in field 62.
			kbpk := wrapHex(t, s, KeyBlockProtectionKey, keys.AES256, testLMK)
			if _, err := s.ExportTR31(ctx, kbpk, w.PIN); !errors.Is(err, ErrExport) {
				t.Errorf("working PIN key exported: %v", err)
			}
		})
	}
}

// Key separation: each operation refuses keys of other classes, wherever
// they came from.
func TestKeyUsage(t *testing.T) {
	s := newSoftware(t)
	const h = "0123456789ABCDEFFEDCBA9876543210"
	mak := wrapHex(t, s, MACKey, keys.TDES2, h)
	pik := wrapHex(t, s, PINKey, keys.TDES2, h)
	imk := wrapHex(t, s, IssuerMasterKeyAC, keys.TDES2, h)
	cvk := wrapHex(t, s, CardVerificationKey, keys.TDES2, h)
	tmk := wrapHex(t, s, TerminalMasterKey, keys.TDES2, h)
	data := []byte("data")
	checks := []struct {
		name string
		err  error
	}{
		{"PIN key as MAC key", func() error {
			_, err := s.GenerateMAC(ctx, MACRequest{Key: pik, Algorithm: MACX919, Data: data})
			return err
		}()},
		{"MAC key as PIN key", func() error {
			_, err := s.TranslatePIN(ctx, PINTranslation{From: PINKeyRef{Key: mak}, To: PINKeyRef{Key: pik}, PAN: "4012345678909", Block: make([]byte, 8)})
			return err
		}()},
		{"MAC key as TMK", func() error { _, err := s.GenerateWorkingKeys(ctx, mak, keys.ModeTDES); return err }()},
		{"CVK as IMK", func() error {
			_, err := s.VerifyARQC(ctx, ARQCRequest{IMK: cvk, Method: emv.VisaCVN18, PAN: "4012345678909", ARQC: make([]byte, 8)})
			return err
		}()},
		{"IMK as CVK", func() error {
			_, err := s.GenerateCardValue(ctx, CardValueRequest{Kind: CVV, Key: imk, PAN: "4123456789012345", Expiry: "8701", ServiceCode: "101"})
			return err
		}()},
		{"PIN key as BDK", func() error {
			_, err := s.GenerateMAC(ctx, MACRequest{Key: pik, KSN: make([]byte, 10), Data: data})
			return err
		}()},
		{"TMK as TR-31 KBPK", func() error { _, err := s.ImportTR31(ctx, mak, "D0112P0AE00E0000"); return err }()},
	}
	for _, c := range checks {
		if !errors.Is(c.err, ErrKeyUsage) {
			t.Errorf("%s: %v, want ErrKeyUsage", c.name, c.err)
		}
	}
	// A TMK may wrap under itself (mode E) but not decrypt a PIN block.
	if _, err := s.GenerateWorkingKeys(ctx, tmk, keys.ModeTDES); err != nil {
		t.Errorf("TMK: %v", err)
	}
}

// A key block that was altered, or made under another LMK, is refused
// before any key is used; the other-LMK case says so.
func TestKeyBlockIntegrity(t *testing.T) {
	s := newSoftware(t)
	mak := wrapHex(t, s, MACKey, keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	b := []byte(mak.Text())
	i := len(b) - 40
	b[i] = map[bool]byte{true: 'A', false: '0'}[b[i] == '0']
	r := MACRequest{Key: KeyBlock(b), Algorithm: MACX919, Data: []byte("x")}
	if _, err := s.GenerateMAC(ctx, r); !errors.Is(err, ErrKeyBlock) {
		t.Errorf("altered block: %v", err)
	}
	other, _ := keys.Generate(keys.AES256, rand.Reader)
	s2, _ := NewSoftware(SoftwareConfig{LMK: other})
	r.Key = mak
	_, err := s2.GenerateMAC(ctx, r)
	if !errors.Is(err, ErrKeyBlock) || !strings.Contains(err.Error(), "another LMK") {
		t.Errorf("other LMK: %v", err)
	}
	for _, bad := range []KeyBlock{"", "D0016P0TB00E0000", "not a key block"} {
		r.Key = bad
		if _, err := s.GenerateMAC(ctx, r); !errors.Is(err, ErrKeyBlock) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	// A header edited to widen the key's use fails the block MAC.
	pik := wrapHex(t, s, PINKey, keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	forged := KeyBlock(strings.Replace(pik.Text(), "P0TB", "M3TC", 1))
	r.Key = forged
	if _, err := s.GenerateMAC(ctx, r); !errors.Is(err, ErrKeyBlock) {
		t.Errorf("header edited from P0 to M3: %v", err)
	}
}

// Keys from components and generated keys: check values agree, components
// with a wrong check value are refused, a generated key exports under a
// KBPK and re-imports to the same key.
func TestKeyManagement(t *testing.T) {
	s := newSoftware(t)
	c1, _ := hex.DecodeString("0123456789ABCDEFFEDCBA9876543210")
	c2, _ := hex.DecodeString("3C5A7E91B2D4F60817293B4D5F617385")
	b, err := s.ImportComponents(ctx, TerminalMasterKey, keys.TDES2, []keys.Component{{Bytes: c1}, {Bytes: c2}})
	if err != nil {
		t.Fatal(err)
	}
	sum := make([]byte, 16)
	for i := range sum {
		sum[i] = c1[i] ^ c2[i]
	}
	ref, _ := keys.New(keys.TDES2, sum, keys.FixParity())
	if kcv, _ := s.CheckValue(ctx, b); !bytes.Equal(kcv, ref.CheckValue()) {
		t.Errorf("component key KCV %X, want %X", kcv, ref.CheckValue())
	}
	if _, err := s.ImportComponents(ctx, TerminalMasterKey, keys.TDES2, []keys.Component{{Bytes: c1, CheckValue: []byte{1, 2, 3}}, {Bytes: c2}}); !errors.Is(err, ErrInput) {
		t.Errorf("bad component KCV: %v", err)
	}
	kbpk, err := s.GenerateKey(ctx, KeyBlockProtectionKey, keys.AES256)
	if err != nil {
		t.Fatal(err)
	}
	for _, alg := range []keys.Algorithm{keys.TDES2, keys.TDES3, keys.AES128, keys.AES256} {
		k, err := s.GenerateKey(ctx, IssuerMasterKeyAC, alg)
		if err != nil {
			t.Fatal(err)
		}
		out, err := s.ExportTR31(ctx, kbpk, k)
		if err != nil {
			t.Fatal(err)
		}
		back, err := s.ImportTR31(ctx, kbpk, out)
		if err != nil {
			t.Fatal(err)
		}
		k1, _ := s.CheckValue(ctx, k)
		k2, _ := s.CheckValue(ctx, back)
		if !bytes.Equal(k1, k2) || len(k1) == 0 {
			t.Errorf("%s: exported and re-imported key KCV %X, was %X", alg, k2, k1)
		}
		h, _ := tr31.ParseHeader(out)
		if h.Usage != "E0" || h.ModeOfUse != 'X' {
			t.Errorf("%s: exported header %v", alg, h)
		}
	}
	if _, err := s.GenerateKey(ctx, KeyClass(99), keys.TDES2); !errors.Is(err, ErrInput) {
		t.Errorf("class 99: %v", err)
	}
}

// The LMK at rest: sealed under a passphrase, opened only with it; a
// changed byte anywhere fails; the sealed file holds no key bytes.
func TestSealLMK(t *testing.T) {
	lmk, _ := keys.FromHex(keys.AES256, testLMK)
	p := SealParams{Time: 1, MemoryKiB: 64, Threads: 1}
	sealed, err := SealLMK(lmk, []byte("correct horse battery"), p, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw := lmk.ClearBytes()
	if bytes.Contains(sealed, raw[:8]) || strings.Contains(strings.ToUpper(hex.EncodeToString(sealed)), testLMK[:16]) {
		t.Fatal("sealed LMK contains key bytes")
	}
	got, err := OpenLMK(sealed, []byte("correct horse battery"))
	if err != nil || !got.Equal(lmk) {
		t.Fatalf("OpenLMK: %v", err)
	}
	if _, err := OpenLMK(sealed, []byte("correct horse battery!")); !errors.Is(err, ErrLMK) {
		t.Errorf("wrong passphrase: %v", err)
	}
	for i := range sealed {
		c := bytes.Clone(sealed)
		c[i] ^= 0x01
		if _, err := OpenLMK(c, []byte("correct horse battery")); !errors.Is(err, ErrLMK) {
			t.Fatalf("byte %d changed: %v", i, err)
		}
	}
	if _, err := SealLMK(lmk, []byte("short"), p, nil); !errors.Is(err, ErrLMK) {
		t.Errorf("short passphrase: %v", err)
	}
	tdes, _ := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	if _, err := NewSoftware(SoftwareConfig{LMK: tdes}); !errors.Is(err, ErrLMK) {
		t.Errorf("TDES LMK: %v", err)
	}
	if _, err := NewSoftware(SoftwareConfig{}); !errors.Is(err, ErrLMK) || !strings.Contains(err.Error(), "SoftwareConfig.LMK") {
		t.Errorf("no LMK: %v", err)
	}
	if _, err := NewSoftware(SoftwareConfig{LMK: lmk, CacheSize: -1}); !errors.Is(err, ErrInput) || !strings.Contains(err.Error(), "CacheSize") {
		t.Errorf("negative cache size: %v", err)
	}
}

// Many goroutines use the same and different key blocks at once (run with
// -race): MACs, translations and ARQC verifications all give the single-
// threaded answers, and a cache bounded at 3 entries keeps working while
// 6 keys go through it.
func TestConcurrentUse(t *testing.T) {
	lmk, _ := keys.FromHex(keys.AES256, testLMK)
	s, _ := NewSoftware(SoftwareConfig{LMK: lmk, CacheSize: 3})
	var maks []KeyBlock
	var want [][]byte
	msg := []byte("concurrent MAB")
	for i := range 6 {
		b, err := s.GenerateKey(ctx, MACKey, keys.TDES2)
		if err != nil {
			t.Fatal(err)
		}
		m, err := s.GenerateMAC(ctx, MACRequest{Key: b, Algorithm: MACX919, Data: msg})
		if err != nil {
			t.Fatal(err)
		}
		maks, want = append(maks, b), append(want, m)
		_ = i
	}
	bdk := wrapHex(t, s, BaseDerivationKey, keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	zpk := wrapHex(t, s, PINKey, keys.TDES2, "89ABCDEF0123456776543210FEDCBA98")
	ksn, _ := hex.DecodeString("FFFF9876543210E00001")
	blk, _ := hex.DecodeString("1B9C1845EB993A7A")
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				j := (g + i) % len(maks)
				if err := s.VerifyMAC(ctx, MACRequest{Key: maks[j], Algorithm: MACX919, Data: msg}, want[j]); err != nil {
					errs <- fmt.Errorf("MAC %d: %w", j, err)
					return
				}
				if _, err := s.TranslatePIN(ctx, PINTranslation{
					From: PINKeyRef{Key: bdk, KSN: ksn, Format: pinblock.Format0}, To: PINKeyRef{Key: zpk, Format: pinblock.Format0},
					PAN: "4012345678909", Block: blk,
				}); err != nil {
					errs <- fmt.Errorf("translate: %w", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	s.mu.RLock()
	n := len(s.cache)
	s.mu.RUnlock()
	if n > 3 {
		t.Errorf("cache holds %d entries, bound 3", n)
	}
}

// Secrets never print: key blocks show header and check value under every
// verb, json and slog; errors from failed operations contain no key hex, no
// PAN and no PIN block.
func TestNoSecretsPrinted(t *testing.T) {
	s := newSoftware(t)
	const keyHex = "0123456789ABCDEFFEDCBA9876543210"
	const pan = "4012345678909"
	pik := wrapHex(t, s, PINKey, keys.TDES2, keyHex)
	var out []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X"} {
		out = append(out, fmt.Sprintf(verb, pik), fmt.Sprintf(verb, struct{ K KeyBlock }{pik}))
	}
	// JSON carries the whole block: it is the at-rest form (ciphertext
	// under the LMK, authenticated), and a host may keep it in a JSON
	// column; it must round-trip.
	j, _ := json.Marshal(struct{ K KeyBlock }{pik})
	var back struct{ K KeyBlock }
	if err := json.Unmarshal(j, &back); err != nil || back.K != pik {
		t.Errorf("JSON round trip: %v", err)
	}
	var logBuf bytes.Buffer
	slog.New(slog.NewTextHandler(&logBuf, nil)).Info("key", "k", pik)
	out = append(out, logBuf.String())
	blk, _ := hex.DecodeString("1B9C1845EB993A7A")
	_, e1 := s.TranslatePIN(ctx, PINTranslation{From: PINKeyRef{Key: pik}, To: PINKeyRef{Key: pik}, PAN: pan, Block: blk})
	_, e2 := s.VerifyARQC(ctx, ARQCRequest{IMK: wrapHex(t, s, IssuerMasterKeyAC, keys.TDES2, keyHex), Method: emv.VisaCVN18, PAN: pan, ARQC: blk,
		Data: emv.CryptogramData{IAD: []byte{6, 1, 0x12, 3, 0, 0, 0}}})
	e3 := s.VerifyCardValue(ctx, CardValueRequest{Kind: CVV, Key: wrapHex(t, s, CardVerificationKey, keys.TDES2, keyHex), PAN: pan, Expiry: "8701", ServiceCode: "101"}, "000")
	_, e4 := s.GenerateMAC(ctx, MACRequest{Key: pik, Algorithm: MACX919, Data: []byte(pan)})
	for _, err := range []error{e1, e2, e3, e4} {
		if err == nil {
			t.Fatal("expected an error")
		}
		out = append(out, err.Error())
	}
	for i, o := range out {
		up := strings.ToUpper(o)
		for _, secret := range []string{keyHex, keyHex[:16], pan, "1B9C1845EB993A7A"} {
			if strings.Contains(up, secret) {
				t.Errorf("output %d shows %s: %s", i, secret, o)
			}
		}
		if strings.Contains(o, pik.Text()[40:60]) {
			t.Errorf("output %d shows the key block: %s", i, o)
		}
	}
}

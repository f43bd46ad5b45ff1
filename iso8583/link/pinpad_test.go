package link

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/possdk/pos/hsm"
	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/keys/dukpt"
	"github.com/possdk/pos/pinblock"
)

// testKSNField carries the KSN in these tests: field 57 ("reserved
// national" in ISO 8583:1987), which the CUP POS dialect leaves free.
const testKSNField = 57

var testPadKey = []byte("possdk test PIN pad sealing key!")

// a4 reads the X9.24-1 A.4 vectors of testdata/dukpt_x924_a4.txt.
func a4(t testing.TB) map[string]string {
	t.Helper()
	f, err := os.Open("testdata/dukpt_x924_a4.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	v := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if k, val, ok := strings.Cut(line, ": "); ok && !strings.HasPrefix(line, "#") {
			v[k] = val
		}
	}
	return v
}

func mustKSN(t testing.TB, s string) dukpt.KSN {
	t.Helper()
	k, err := dukpt.ParseKSN(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// counter is the 21-bit transaction counter of a TDES KSN (X9.24-1:2009
// A.1: its rightmost 21 bits), read here without package dukpt.
func counter(ksn []byte) uint32 {
	n := len(ksn)
	return (uint32(ksn[n-3])<<16 | uint32(ksn[n-2])<<8 | uint32(ksn[n-1])) & 0x1FFFFF
}

func ksnCodec() *iso8583.Codec {
	return iso8583.NewCodec(iso8583.WithKSNField(iso8583.CUPSpec(), testKSNField), iso8583.Framing{})
}

// seenPIN is a PIN block and KSN as the host received them on the wire.
type seenPIN struct {
	ksn, block []byte
}

// dukptEnv is the HSM test host with a BDK for key set FFFF987654 (the
// first five bytes of the KSN: this acquirer's partition) and a wire tap
// recording every KSN the host receives.
type dukptEnv struct {
	*testEnv
	mu   sync.Mutex
	seen []seenPIN
}

func newDUKPTEnv(t *testing.T) *dukptEnv {
	t.Helper()
	d := &dukptEnv{}
	tap := func(h FrameHandler) FrameHandler {
		return FrameHandlerFunc(func(ctx context.Context, frame []byte) []byte {
			d.record(frame)
			return h.ServeFrame(ctx, frame)
		})
	}
	d.testEnv = newHSMTestEnv(t, tap)
	v := a4(t)
	bdk, err := d.hsm.Wrap(mustKey(t, v["bdk"]), hsm.BaseDerivationKey)
	if err != nil {
		t.Fatal(err)
	}
	keySet := mustKSN(t, v["ksn"])
	d.reconfigure(t, func(c *HostConfig) {
		c.Codec = ksnCodec()
		c.BDK = func(ksn []byte) (hsm.KeyBlock, bool) {
			if len(ksn) == 10 && bytes.Equal(ksn[:5], keySet[:5]) {
				return bdk, true
			}
			return "", false
		}
	})
	return d
}

func (d *dukptEnv) record(frame []byte) {
	c := ksnCodec()
	_, body, err := c.Unframe(frame)
	if err != nil {
		return
	}
	m, err := c.UnpackUnverified(body)
	if err != nil || !m.Has(testKSNField) {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.seen = append(d.seen, seenPIN{bytes.Clone(m.Bytes(testKSNField)), bytes.Clone(m.Bytes(52))})
}

func (d *dukptEnv) received() []seenPIN {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]seenPIN(nil), d.seen...)
}

// padTerminal is a signed-in terminal whose PINs come from pad.
func (d *dukptEnv) padTerminal(t *testing.T, dir, tid string, pad PINPad) (*Client, termFiles, context.Context) {
	return d.signedIn(t, dir, tid, func(c *Config) { c.Codec, c.PINPad = ksnCodec(), pad })
}

// loadA4Pad loads the X9.24-1 A.4 device (IPEK, initial KSN) into a state
// file under dir.
func loadA4Pad(t *testing.T, path string, opts ...PINPadOption) *DUKPTPINPad {
	t.Helper()
	v := a4(t)
	p, err := LoadDUKPTPINPad(path, testPadKey, mustKey(t, v["ipek"]), mustKSN(t, v["ksn"]), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// checkBlocks is the oracle for what the host received: each KSN's PIN
// key comes from dukpt.TDESHost (the host-side derivation, tested against
// X9.24-1 A.4 in package dukpt; not the device code under test), and the
// block must decipher under it to the PIN entered for that sale.
func checkBlocks(t *testing.T, seen []seenPIN, pins []string) {
	t.Helper()
	if len(seen) != len(pins) {
		t.Fatalf("host received %d KSNs, want %d", len(seen), len(pins))
	}
	host, err := dukpt.NewTDESHost(mustKey(t, a4(t)["bdk"]))
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range seen {
		tk, err := host.TransactionKey(mustKSN(t, hex.EncodeToString(s.ksn)))
		if err != nil {
			t.Fatal(err)
		}
		c, err := pinblock.TDESDUKPT(tk, pinblock.Format0, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.Decrypt(s.block, testPAN)
		if err != nil || !got.Equal(mustPIN(t, pins[i])) {
			t.Fatalf("block %d (KSN %X) does not decipher to the PIN entered under the host-derived key: %v", i, s.ksn, err)
		}
	}
}

// strictlyIncreasing checks X9.24-1 A.2: a device never reuses a counter,
// so the KSNs the host sees grow, under one initial KSN.
func strictlyIncreasing(t *testing.T, seen []seenPIN) []uint32 {
	t.Helper()
	var out []uint32
	for i, s := range seen {
		out = append(out, counter(s.ksn))
		if i > 0 && (!bytes.Equal(s.ksn[:7], seen[0].ksn[:7]) || counter(s.ksn) <= counter(seen[i-1].ksn)) {
			t.Fatalf("KSN %X after %X: counters must strictly increase under one device", s.ksn, seen[i-1].ksn)
		}
	}
	return out
}

// TestDUKPTSaleEndToEnd: a terminal with a DUKPT PIN pad sells over the
// real link; the host translates each block from the BDK-derived key to
// the zone key through the HSM; the issuer (which deciphers under its own
// clear zone key) approves the right PIN and declines the wrong one 55,
// and its ledger has exactly the approved money.
func TestDUKPTSaleEndToEnd(t *testing.T) {
	d := newDUKPTEnv(t)
	dir := t.TempDir()
	pad := loadA4Pad(t, filepath.Join(dir, "pinpad"))
	c, f, ctx := d.padTerminal(t, dir, "50080401", pad)

	for _, s := range []struct {
		amount int64
		pin    string
		rc     iso8583.ResponseCode
	}{{1000, testPIN, iso8583.Approved}, {2000, testPIN, iso8583.Approved}, {3000, "999999", RCIncorrectPIN}} {
		r, err := c.Sale(ctx, testCard(), s.amount, mustPIN(t, s.pin))
		if err != nil {
			t.Fatal(err)
		}
		if r.Response.ResponseCode != s.rc {
			t.Fatalf("sale of %d: %s, want %s", s.amount, r.Response.ResponseCode, s.rc)
		}
	}
	if st := d.issuer.Stats(); st.Approved != 2 || st.Declined != 1 || st.Amount != 3000 {
		t.Fatalf("issuer %+v, want 2 approved (3000) and 1 declined", st)
	}
	var approved []int64
	for _, l := range d.issuer.Ledger() {
		if l.Entry.Approved {
			approved = append(approved, l.Entry.Amount)
		} else if l.Entry.RC != RCIncorrectPIN {
			t.Fatalf("declined line %+v, want 55", l)
		}
	}
	if fmt.Sprint(approved) != "[1000 2000]" {
		t.Fatalf("issuer ledger approved %v", approved)
	}
	if f.approved() != 2 || f.pending() != 0 {
		t.Fatalf("terminal journal: %d approved, %d pending", f.approved(), f.pending())
	}
	seen := d.received()
	if got := strictlyIncreasing(t, seen); fmt.Sprint(got) != "[1 2 3]" {
		t.Fatalf("counters %v, want [1 2 3]", got)
	}
	checkBlocks(t, seen, []string{testPIN, testPIN, "999999"})
	if n := d.hsm.translatePIN.Load(); n != 3 {
		t.Fatalf("%d HSM PIN translations, want 3", n)
	}
}

// TestDUKPTPINPadRestart: a terminal restarted (PIN pad state reopened
// from its file) continues the counter: the host never sees a KSN twice.
func TestDUKPTPINPadRestart(t *testing.T) {
	d := newDUKPTEnv(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "pinpad")
	pad := loadA4Pad(t, path)
	c, f, ctx := d.padTerminal(t, dir, "50080402", pad)
	for range 2 {
		if r, err := c.Sale(ctx, testCard(), 500, mustPIN(t, testPIN)); err != nil || !r.Response.ResponseCode.Approved() {
			t.Fatalf("sale: %v %v", r, err)
		}
	}
	// Power off: everything closed, only the files remain.
	c.Close()
	pad.Close()
	f.j.Close()
	f.ctr.Close()

	pad2, err := OpenDUKPTPINPad(path, testPadKey)
	if err != nil {
		t.Fatal(err)
	}
	defer pad2.Close()
	if got := pad2.KSN().Counter(); got != 3 {
		t.Fatalf("reopened PIN pad's next counter %d, want 3", got)
	}
	c2, _, ctx := d.padTerminal(t, dir, "50080402", pad2)
	for range 2 {
		if r, err := c2.Sale(ctx, testCard(), 500, mustPIN(t, testPIN)); err != nil || !r.Response.ResponseCode.Approved() {
			t.Fatalf("sale after restart: %v %v", r, err)
		}
	}
	seen := d.received()
	if got := strictlyIncreasing(t, seen); fmt.Sprint(got) != "[1 2 3 4]" {
		t.Fatalf("counters %v across the restart, want [1 2 3 4]", got)
	}
	checkBlocks(t, seen, []string{testPIN, testPIN, testPIN, testPIN})
	if st := d.issuer.Stats(); st.Approved != 4 || st.Amount != 2000 {
		t.Fatalf("issuer %+v", st)
	}
}

// powerCut ends the process and loses everything not synced.
func (c *crashFS) powerCut() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.power = true
	c.crashLocked()
}

// TestDUKPTCrashBeforeSend: the PIN pad has written its advanced state
// and returned a block, and the power fails before the request leaves.
// After the restart the pad continues after that KSN: the host sees one
// counter skipped, never one repeated. (Without the file or directory
// sync the state would fall back and the device would reuse the KSN.)
func TestDUKPTCrashBeforeSend(t *testing.T) {
	d := newDUKPTEnv(t)
	dir := t.TempDir()
	cfs := newCrashFS()
	const path = "/pinpad/state"
	pad := loadA4Pad(t, path, WithPINPadFS(cfs))
	c, f, ctx := d.padTerminal(t, dir, "50080403", pad)
	if r, err := c.Sale(ctx, testCard(), 700, mustPIN(t, testPIN)); err != nil || !r.Response.ResponseCode.Approved() {
		t.Fatalf("sale: %v %v", r, err)
	}
	// The PIN of the next sale is entered; the block never leaves.
	if _, _, err := pad.EncryptPIN(mustPIN(t, testPIN), testPAN); err != nil {
		t.Fatal(err)
	}
	cfs.powerCut()
	c.Close()
	f.j.Close()
	f.ctr.Close()
	cfs.restart()

	pad2, err := OpenDUKPTPINPad(path, testPadKey, WithPINPadFS(cfs))
	if err != nil {
		t.Fatal(err)
	}
	defer pad2.Close()
	c2, _, ctx := d.padTerminal(t, dir, "50080403", pad2)
	if r, err := c2.Sale(ctx, testCard(), 700, mustPIN(t, testPIN)); err != nil || !r.Response.ResponseCode.Approved() {
		t.Fatalf("sale after the crash: %v %v", r, err)
	}
	seen := d.received()
	if got := strictlyIncreasing(t, seen); fmt.Sprint(got) != "[1 3]" {
		t.Fatalf("counters %v, want [1 3] (2 skipped by the crash)", got)
	}
	checkBlocks(t, seen, []string{testPIN, testPIN})
}

// TestDUKPTPINPadCrashDuringWrite: a power cut at each sync of the state
// write fails that EncryptPIN (no block); after the restart no KSN the pad
// ever returned comes back.
func TestDUKPTPINPadCrashDuringWrite(t *testing.T) {
	for n := 1; n <= 2; n++ {
		cfs := newCrashFS()
		const path = "/pinpad/state"
		pad := loadA4Pad(t, path, WithPINPadFS(cfs))
		returned := map[string]bool{}
		take := func(p *DUKPTPINPad) error {
			_, ksn, err := p.EncryptPIN(mustPIN(t, "1234"), "4012345678909")
			if err != nil {
				return err
			}
			if returned[string(ksn)] {
				t.Fatalf("sync %d: KSN %X returned twice", n, ksn)
			}
			returned[string(ksn)] = true
			return nil
		}
		for range 2 {
			if err := take(pad); err != nil {
				t.Fatal(err)
			}
		}
		cfs.arm(n, true)
		if err := take(pad); err == nil || !cfs.didCrash() {
			t.Fatalf("sync %d: no crash (%v)", n, err)
		} else if !errors.Is(err, ErrPINPad) {
			t.Fatalf("sync %d: %v", n, err)
		}
		cfs.restart()
		p2, err := OpenDUKPTPINPad(path, testPadKey, WithPINPadFS(cfs))
		if err != nil {
			t.Fatalf("sync %d: reopen: %v", n, err)
		}
		for range 3 {
			if err := take(p2); err != nil {
				t.Fatal(err)
			}
		}
		p2.Close()
	}
}

// TestDUKPTPINPadVectors: the software PIN pad loaded with the X9.24-1
// A.4 device gives the published PIN blocks and KSNs.
func TestDUKPTPINPadVectors(t *testing.T) {
	v := a4(t)
	// The IPEK of the vector file is the host derivation of BDK and KSN.
	host, err := dukpt.NewTDESHost(mustKey(t, v["bdk"]))
	if err != nil {
		t.Fatal(err)
	}
	ik, err := host.InitialKey(mustKSN(t, v["ksn"]))
	if err != nil || !strings.EqualFold(hex.EncodeToString(ik.ClearBytes()), v["ipek"]) {
		t.Fatalf("IPEK %v", err)
	}
	pad := loadA4Pad(t, filepath.Join(t.TempDir(), "pinpad"))
	for _, i := range []string{"1", "2"} {
		block, ksn, err := pad.EncryptPIN(mustPIN(t, v["pin"]), v["pan"])
		if err != nil {
			t.Fatal(err)
		}
		if !strings.EqualFold(hex.EncodeToString(block), v["block"+i]) || !strings.EqualFold(hex.EncodeToString(ksn), v["ksn"+i]) {
			t.Fatalf("transaction %s: block %X KSN %X, want %s %s", i, block, ksn, v["block"+i], v["ksn"+i])
		}
	}
}

// TestDUKPTUnknownBDK: a KSN the host has no BDK for, or a host without
// BDK at all, is answered 96 without reaching the issuer or the HSM.
func TestDUKPTUnknownBDK(t *testing.T) {
	for _, noBDK := range []bool{false, true} {
		d := newDUKPTEnv(t)
		if noBDK {
			d.reconfigure(t, func(c *HostConfig) { c.BDK = nil })
		}
		dir := t.TempDir()
		// A device of key set FFFF111111: no BDK for it.
		p, err := LoadDUKPTPINPad(filepath.Join(dir, "pinpad"), testPadKey, mustKey(t, testZPKHex), mustKSN(t, "FFFF1111112222E00000"))
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		c, f, ctx := d.padTerminal(t, dir, "50080404", p)
		r, err := c.Sale(ctx, testCard(), 900, mustPIN(t, testPIN))
		if err != nil {
			t.Fatal(err)
		}
		if r.Response.ResponseCode != RCSystemError {
			t.Fatalf("no BDK (host without BDK: %v): %s, want 96", noBDK, r.Response.ResponseCode)
		}
		if st := d.issuer.Stats(); st != (IssuerStats{}) || len(d.issuer.Ledger()) != 0 {
			t.Fatalf("the issuer saw it: %+v", st)
		}
		if n := d.hsm.translatePIN.Load(); n != 0 {
			t.Fatalf("%d HSM translations", n)
		}
		if f.pending() != 0 || f.approved() != 0 {
			t.Fatal("the terminal keeps a declined sale")
		}
		if got := d.received(); len(got) != 1 || counter(got[0].ksn) != 1 {
			t.Fatalf("host received %v", got)
		}
	}
}

// TestDUKPTConfig: BDK needs ZoneKey and a spec with a KSN field; a
// PINPad needs a spec with a KSN field.
func TestDUKPTConfig(t *testing.T) {
	sw := testSoftwareHSM(t)
	bdk := func([]byte) (hsm.KeyBlock, bool) { return "", false }
	zone, err := sw.Wrap(mustKey(t, testZPKHex), hsm.PINKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []HostConfig{
		{HSM: sw, Terminals: NewMemoryTerminalKeyStore(), BDK: bdk, Codec: ksnCodec()},
		{HSM: sw, Terminals: NewMemoryTerminalKeyStore(), BDK: bdk, ZoneKey: zone},
	} {
		if _, err := NewHost(cfg); !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "BDK") {
			t.Errorf("NewHost: %v", err)
		}
	}
	ok := HostConfig{HSM: sw, Terminals: NewMemoryTerminalKeyStore(), BDK: bdk, ZoneKey: zone, Codec: ksnCodec()}
	if _, err := NewHost(ok); err != nil {
		t.Errorf("NewHost: %v", err)
	}
	f := openTermFiles(t, t.TempDir())
	pad := loadA4Pad(t, filepath.Join(t.TempDir(), "pinpad"))
	_, err = NewClient(Config{Journal: f.j, Counters: f.ctr, TMK: mustKey(t, testTMKHex),
		Terminal: iso8583.Terminal{TerminalID: "T1", MerchantID: "M1"}, PINPad: pad})
	if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "PINPad") {
		t.Errorf("NewClient: %v", err)
	}
}

// TestDUKPTPINPadFile: the state file never holds a key in clear (the
// IPEK, the future keys the device holds, the PIN keys it used), is
// bound to its storage key, is refused to a second opener, and a device
// is loaded only once.
func TestDUKPTPINPadFile(t *testing.T) {
	v := a4(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "pinpad")
	pad := loadA4Pad(t, path)
	const used = 3
	for range used {
		if _, _, err := pad.EncryptPIN(mustPIN(t, v["pin"]), v["pan"]); err != nil {
			t.Fatal(err)
		}
	}
	// The secrets, computed by an independent TDESTerminal and TDESHost.
	secrets := [][]byte{mustKey(t, v["ipek"]).ClearBytes()}
	ref, err := dukpt.NewTDESTerminal(mustKey(t, v["ipek"]), mustKSN(t, v["ksn"]))
	if err != nil {
		t.Fatal(err)
	}
	host, _ := dukpt.NewTDESHost(mustKey(t, v["bdk"]))
	for i := 0; i <= used; i++ {
		st, _ := ref.MarshalBinary()
		for r := 0; r < 21; r++ { // X9.24-1 A.2: 21 future key registers after magic, KSN, counter
			if reg := st[18+16*r : 34+16*r]; !bytes.Equal(reg, make([]byte, 16)) {
				secrets = append(secrets, bytes.Clone(reg))
			}
		}
		if i == used {
			break
		}
		tk, err := ref.Next()
		if err != nil {
			t.Fatal(err)
		}
		tk2, _ := host.TransactionKey(tk.KSN())
		pk, _ := tk2.PINKey()
		secrets = append(secrets, pk.ClearBytes())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		for _, form := range [][]byte{s, s[:8], s[8:], []byte(hex.EncodeToString(s)), []byte(strings.ToUpper(hex.EncodeToString(s)))} {
			if bytes.Contains(data, form) {
				t.Fatalf("state file holds a key in clear (%d secrets checked)", len(secrets))
			}
		}
	}
	if _, err := OpenDUKPTPINPad(path, testPadKey); !errors.Is(err, ErrLocked) {
		t.Fatalf("second opener: %v", err)
	}
	pad.Close()
	if _, err := OpenDUKPTPINPad(path, []byte("another 32-byte storage key!!!!!")); !errors.Is(err, ErrSealed) {
		t.Fatalf("other storage key: %v", err)
	}
	if _, err := LoadDUKPTPINPad(path, testPadKey, mustKey(t, v["ipek"]), mustKSN(t, v["ksn"])); !errors.Is(err, ErrPINPad) {
		t.Fatalf("loading a loaded device again: %v", err)
	}
	bad := bytes.Clone(data)
	bad[len(bad)-1] ^= 1
	os.WriteFile(path, bad, 0o600)
	if _, err := OpenDUKPTPINPad(path, testPadKey); !errors.Is(err, ErrSealed) {
		t.Fatalf("altered file: %v", err)
	}
	os.WriteFile(path, data, 0o600)
	p2, err := OpenDUKPTPINPad(path, testPadKey)
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Close()
	if got := p2.KSN().Counter(); got != used+1 {
		t.Fatalf("next counter %d, want %d", got, used+1)
	}
	// Errors carry neither PIN nor keys.
	_, _, err = p2.EncryptPIN(mustPIN(t, "918273"), "")
	if err == nil || strings.Contains(err.Error(), "918273") {
		t.Fatalf("format 0 without a PAN: %v", err)
	}
}

// TestDUKPTPINPadPrints: fmt, json and slog show the next KSN only.
func TestDUKPTPINPadPrints(t *testing.T) {
	v := a4(t)
	pad := loadA4Pad(t, filepath.Join(t.TempDir(), "pinpad"))
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("pad", "pad", pad)
	js, _ := json.Marshal(pad)
	out := fmt.Sprintf("%v %+v %#v %s %x %q", pad, pad, pad, pad, pad, pad) + string(js) + logged.String()
	if !strings.Contains(out, "FFFF9876543210E00001") {
		t.Fatalf("no KSN in %s", out)
	}
	host, _ := dukpt.NewTDESHost(mustKey(t, v["bdk"]))
	tk, _ := host.TransactionKey(mustKSN(t, v["ksn1"]))
	pk, _ := tk.PINKey()
	for _, k := range [][]byte{mustKey(t, v["ipek"]).ClearBytes(), pk.ClearBytes()} {
		if strings.Contains(strings.ToUpper(out), strings.ToUpper(hex.EncodeToString(k))) {
			t.Fatalf("key bytes in %s", out)
		}
	}
}

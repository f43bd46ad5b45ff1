package iso8583

import (
	"bytes"
	"crypto/des"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/possdk/pos/keys"

	"github.com/possdk/pos/internal/testvec"
)

type corpusFrame struct {
	name, source, refuse string
	pad                  byte // pad nibble of odd-length PAN and track data
	expect               map[int]string
	frame                []byte
}

// loadCorpus reads testdata/cup_corpus.txt (format in its header).
func loadCorpus(t testing.TB) []corpusFrame {
	t.Helper()
	var out []corpusFrame
	for _, v := range testvec.Load(t, "cup_corpus.txt") {
		cf := corpusFrame{name: v.Name, source: v.Source, expect: map[int]string{}, pad: 0xF, refuse: v.Field("refuse"), frame: v.Bytes(t, "hex")}
		if p, ok := v.Get("pad"); ok && p != "F" {
			cf.pad = 0
		}
		for _, k := range v.Fields() {
			if id, ok := strings.CutPrefix(k, "expect."); ok {
				n, err := strconv.Atoi(id)
				if err != nil {
					t.Fatalf("%v: field %q", v, k)
				}
				cf.expect[n] = v.Field(k)
			}
		}
		out = append(out, cf)
	}
	if len(out) < 6 {
		t.Fatalf("corpus has %d frames", len(out))
	}
	return out
}

// echoMAC returns a MAC that answers with the frame's own last 8 bytes:
// the MAC keys of most published frames are unknown, and re-packing must
// put the MAC back where it was. TestCorpusReversalMAC verifies a real one.
func echoMAC(frame []byte) MAC {
	return MACFunc(func([]byte) ([MACSize]byte, error) {
		var m [MACSize]byte
		copy(m[:], frame[len(frame)-MACSize:])
		return m, nil
	})
}

// withoutMACField returns frame without its field 64: bit 64 cleared,
// the last 8 bytes dropped, the length prefix adjusted. CUP framing, BCD
// MTI: the primary bitmap starts 2+5+6+2 bytes in.
func withoutMACField(frame []byte) []byte {
	out := bytes.Clone(frame[:len(frame)-MACSize])
	out[2+TPDULen+HeaderLen+2+7] &^= 0x01
	binary.BigEndian.PutUint16(out, uint16(len(out)-2))
	return out
}

// TestCorpus: every published frame unpacks to the field values its
// source states and re-packs byte for byte, as a Message and as a typed
// Transaction (rule: an unpacked message re-packs to its own bytes). A
// typed re-pack of a message whose kind and response code do not call for
// a MAC (a declined 0210) omits field 64 and is compared without it.
func TestCorpus(t *testing.T) {
	for _, cf := range loadCorpus(t) {
		t.Run(cf.name, func(t *testing.T) {
			c := NewCodec(WithNibblePad(CUPSpec(), cf.pad), Framing{}).WithMAC(echoMAC(cf.frame))
			env, body, err := c.Unframe(cf.frame)
			if err != nil {
				t.Fatal(err)
			}
			m, err := c.UnpackMessage(body)
			if cf.refuse != "" {
				if !errors.Is(err, ErrUnpack) || !strings.Contains(err.Error(), cf.refuse) {
					t.Fatalf("want a refusal naming %q, got %v", cf.refuse, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for id, want := range cf.expect {
				got := m.Field(id)
				if id == 0 {
					got = m.MTI()
				}
				if got != want {
					t.Errorf("field %d = %q, source says %q", id, got, want)
				}
			}
			again, err := c.PackMessage(m)
			if err != nil {
				t.Fatal(err)
			}
			if out, _ := c.Frame(env, again); !bytes.Equal(out, cf.frame) {
				t.Errorf("message re-pack differs\n got %X\nwant %X", out, cf.frame)
			}
			_, tx, err := c.Unpack(cf.frame)
			if err != nil {
				t.Fatal(err)
			}
			out, err := c.Pack(env, tx)
			if err != nil {
				t.Fatal(err)
			}
			want := cf.frame
			if !tx.macExpected() {
				want = withoutMACField(cf.frame)
			}
			if !bytes.Equal(out, want) {
				t.Errorf("typed re-pack (%v) differs\n got %X\nwant %X", tx, out, want)
			}
		})
	}
}

// TestCorpusReversalMAC verifies the X9.19 MAC of the published 0400
// with the keys published beside it (Ajsgn/Java8583 DateTest.java): ZMK =
// the XOR of its two components, MAK = the first 16 bytes of the sign-in's
// field-62 MAK block decrypted under the ZMK (3DES ECB). The key
// derivation uses crypto/des directly, not package keys.
func TestCorpusReversalMAC(t *testing.T) {
	var frame []byte
	for _, cf := range loadCorpus(t) {
		if cf.name == "0400-reversal-datetest" {
			frame = cf.frame
		}
	}
	p1, _ := hex.DecodeString("DA3DA723587662DF62DA4FD3858651C4")
	p2, _ := hex.DecodeString("97E6ECEFD0B00D98B0C701DAEA94A764")
	zmk := make([]byte, 24)
	for i := range 16 {
		zmk[i] = p1[i] ^ p2[i]
	}
	copy(zmk[16:], zmk[:8])
	zb, err := des.NewTripleDESCipher(zmk)
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := hex.DecodeString("AC61F7F11833AEAD03503D29085C0470")
	mak := make([]byte, 16)
	zb.Decrypt(mak[:8], enc[:8])
	zb.Decrypt(mak[8:], enc[8:])
	k, err := keys.New(keys.TDES2, mak)
	if err != nil {
		t.Fatal(err)
	}
	mac, err := NewMAC(MACX919, k)
	if err != nil {
		t.Fatal(err)
	}
	c := NewCodec(nil, Framing{}).WithMAC(mac)
	_, tx, err := c.Unpack(frame)
	if err != nil {
		t.Fatalf("published 0400 does not verify under the published MAK: %v", err)
	}
	if tx.Kind != KindReversal || tx.Original != KindSale || !tx.MACVerified || tx.ResponseCode != "98" ||
		tx.Field61 == nil || tx.Field61.Batch != 233415 || tx.Field61.STAN != 681186 || tx.Field61.Date != "0529" {
		t.Errorf("0400: %v %+v", tx, tx.Field61)
	}
	bad := bytes.Clone(frame)
	bad[len(bad)-9] ^= 0x01 // last byte of field 61
	if _, _, err := c.Unpack(bad); !errors.Is(err, ErrMAC) {
		t.Errorf("tampered 0400: %v", err)
	}
}

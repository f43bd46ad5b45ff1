package iso8583

import (
	"bytes"
	"crypto/des"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/possdk/pos/keys"
	"github.com/possdk/pos/pinblock"

	"github.com/possdk/pos/internal/testvec"
)

// recordBlock is a cipher.Block that records its input and outputs a
// fixed pattern, to observe which bytes the track encryption covers.
type recordBlock struct{ in []byte }

func (r *recordBlock) BlockSize() int { return 8 }
func (r *recordBlock) Encrypt(dst, src []byte) {
	r.in = bytes.Clone(src)
	copy(dst, []byte{0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6, 0x07, 0x18})
}
func (r *recordBlock) Decrypt(dst, src []byte) { r.Encrypt(dst, src) }

func TestTrackEncryptionBlock(t *testing.T) {
	n := testvec.Run(t, testvec.Load(t, "track_encryption.txt"), func(t *testing.T, v testvec.Vector) {
		want := v.Bytes(t, "tdb")
		rec := &recordBlock{}
		tx := &Transaction{}
		if v.Str(t, "field") == "35" {
			tx.Track2 = Track(v.Str(t, "track"))
		} else {
			tx.Track3 = Track(v.Str(t, "track"))
		}
		if err := tx.EncryptTracks(rec); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(rec.in, want) {
			t.Errorf("field %s: TDB %X, want %X", v.Str(t, "field"), rec.in, want)
		}
		if !tx.Security.TrackEncrypted {
			t.Error("53.3 not set")
		}
	})
	if n != 2 {
		t.Fatalf("%d vectors", n)
	}
}

func TestTrackEncryptionRoundTrip(t *testing.T) {
	tdk, _ := des.NewTripleDESCipher(bytes.Repeat([]byte{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88}, 3))
	c := NewCodec(nil, Framing{}).WithMAC(testMAC("k"))
	tx := testSale()
	tx.Track3 = "991234567890123456789=156000000000000000000378199921600000508000000000000000000000=000000000003=00000000"
	orig2, orig3 := tx.Track2, tx.Track3
	if err := tx.EncryptTracks(tdk); err != nil {
		t.Fatal(err)
	}
	if tx.Track2 == orig2 || tx.Track3 == orig3 || len(tx.Track2) != len(orig2) {
		t.Fatal("tracks not encrypted in place")
	}
	if err := tx.EncryptTracks(tdk); !errors.Is(err, ErrInvalidField) {
		t.Errorf("double encryption: %v", err)
	}
	got := roundTrip(t, c, tx)
	if got.Track2 != tx.Track2 || !got.Security.TrackEncrypted {
		t.Fatal("encrypted track did not survive packing")
	}
	if err := got.DecryptTracks(tdk); err != nil {
		t.Fatal(err)
	}
	if got.Track2 != orig2 || got.Track3 != orig3 || got.Security.TrackEncrypted {
		t.Errorf("decrypted tracks differ")
	}
	short := &Transaction{Track2: "12345678=12"}
	if err := short.EncryptTracks(tdk); !errors.Is(err, ErrInvalidField) {
		t.Errorf("short track: %v", err)
	}
}

func TestSetPIN(t *testing.T) {
	// ISO 9564-1 format 0 known answer from vectors/crypto.md (X9.24-1
	// A.4 clear block 041274EDCBA9876F for PIN 1234, PAN 4012345678909).
	pik, err := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
	if err != nil {
		t.Fatal(err)
	}
	pc, err := pinblock.NewCipher(pik, pinblock.Format0, nil)
	if err != nil {
		t.Fatal(err)
	}
	pin, err := pinblock.ParsePIN([]byte("1234"))
	if err != nil {
		t.Fatal(err)
	}
	tx := testSale()
	tx.PAN, tx.Track2, tx.Security, tx.EntryMode, tx.PINCaptureCode = "", "4012345678909=25121011234567", nil, "022", ""
	if err := tx.SetPIN(pc, pin); err != nil {
		t.Fatal(err)
	}
	b, _ := pik.Block()
	clear := make([]byte, 8)
	b.Decrypt(clear, tx.PINBlock)
	if want, _ := hex.DecodeString("041274EDCBA9876F"); !bytes.Equal(clear, want) {
		t.Errorf("clear PIN block %X", clear)
	}
	if s, _ := tx.Security.encode(); s != "2600000000000000" || tx.EntryMode != "021" || tx.PINCaptureCode != "12" {
		t.Errorf("53=%s 22=%s 26=%s", s, tx.EntryMode, tx.PINCaptureCode)
	}
	c := NewCodec(nil, Framing{}).WithMAC(testMAC("k"))
	got := roundTrip(t, c, tx)
	p2, err := pc.Decrypt(got.PINBlock, got.cardPAN())
	if err != nil || !p2.Equal(pin) {
		t.Errorf("PIN after round trip: %v", err)
	}
	noPAN := &Transaction{}
	if err := noPAN.SetPIN(pc, pin); !errors.Is(err, ErrMissingField) {
		t.Errorf("no PAN: %v", err)
	}
}

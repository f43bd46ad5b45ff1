//go:build unix

package bench

import (
	"bytes"
	"crypto/aes"
	"crypto/des"
	"encoding/hex"
	"fmt"
	"strings"
	"syscall"
	"testing"

	moovenc "github.com/moov-io/pinblock/encryption"
	moov "github.com/moov-io/pinblock/formats"
	"github.com/possdk/pos/pinblock"
)

// Peer: github.com/moov-io/pinblock v0.0.0-20250827192605-96cec2be4321, the
// only Go PIN block library (fetched with GONOSUMDB=github.com/moov-io; the
// checksum database does not know it). Its ISO-0 Encode returns the clear
// block as hex and leaves encipherment to the caller; its ISO-4 Encode
// enciphers through its own AES-ECB wrapper.

var (
	pbTDESKey, _ = hex.DecodeString("0123456789ABCDEFFEDCBA98765432100123456789ABCDEF")
	pbAESKey, _  = hex.DecodeString("00112233445566778899AABBCCDDEEFF")
)

const (
	pbPAN0 = "4012345678909"
	pbPAN4 = "4111111111111111"
)

func BenchmarkPINBlockFormat0TDES_possdk(b *testing.B) {
	tdes, _ := des.NewTripleDESCipher(pbTDESKey)
	c, err := pinblock.FromBlock(tdes, pinblock.Format0, nil)
	if err != nil {
		b.Fatal(err)
	}
	pin, _ := pinblock.ParsePIN([]byte("1234"))
	dst := make([]byte, 0, 8)
	b.ReportAllocs()
	start := pbCPUNanos()
	for b.Loop() {
		if _, err := c.AppendEncrypt(dst, pin, pbPAN0); err != nil {
			b.Fatal(err)
		}
	}
	pbReportCPU(b, start)
}

// moov-io/pinblock builds the hex clear block; the caller decodes and
// enciphers it, as its README shows.
func BenchmarkPINBlockFormat0TDES_moov(b *testing.B) {
	tdes, _ := des.NewTripleDESCipher(pbTDESKey)
	f := moov.NewISO0()
	out := make([]byte, 8)
	b.ReportAllocs()
	start := pbCPUNanos()
	for b.Loop() {
		s, err := f.Encode("1234", pbPAN0)
		if err != nil {
			b.Fatal(err)
		}
		clear, err := hex.DecodeString(s)
		if err != nil {
			b.Fatal(err)
		}
		tdes.Encrypt(out, clear)
	}
	pbReportCPU(b, start)
}

func BenchmarkPINBlockFormat4AES_possdk(b *testing.B) {
	a, _ := aes.NewCipher(pbAESKey)
	c, err := pinblock.FromBlock(a, pinblock.Format4, nil)
	if err != nil {
		b.Fatal(err)
	}
	pin, _ := pinblock.ParsePIN([]byte("1234"))
	dst := make([]byte, 0, 16)
	b.ReportAllocs()
	start := pbCPUNanos()
	for b.Loop() {
		if _, err := c.AppendEncrypt(dst, pin, pbPAN4); err != nil {
			b.Fatal(err)
		}
	}
	pbReportCPU(b, start)
}

func BenchmarkPINBlockFormat4AES_moov(b *testing.B) {
	a, err := moovenc.NewAesECB(pbAESKey)
	if err != nil {
		b.Fatal(err)
	}
	f := moov.NewISO4(a)
	b.ReportAllocs()
	start := pbCPUNanos()
	for b.Loop() {
		if _, err := f.Encode("1234", pbPAN4); err != nil {
			b.Fatal(err)
		}
	}
	pbReportCPU(b, start)
}

// TestPINBlockPeerInterop: blocks moov-io/pinblock enciphers in format 4
// decipher here and the other way round; format 0 clear blocks agree.
func TestPINBlockPeerInterop(t *testing.T) {
	a, _ := aes.NewCipher(pbAESKey)
	ours, _ := pinblock.FromBlock(a, pinblock.Format4, nil)
	menc, _ := moovenc.NewAesECB(pbAESKey)
	theirs := moov.NewISO4(menc)
	for _, digits := range []string{"1234", "123456", "987654321"} {
		pin, _ := pinblock.ParsePIN([]byte(digits))
		s, err := theirs.Encode(digits, pbPAN4)
		if err != nil {
			t.Fatal(err)
		}
		enc, _ := hex.DecodeString(s)
		back, err := ours.Decrypt(enc, pbPAN4)
		if err != nil || !back.Equal(pin) {
			t.Fatalf("moov format 4 block for a %d-digit PIN does not decrypt here: %v", len(digits), err)
		}
		mine, err := ours.Encrypt(pin, pbPAN4)
		if err != nil {
			t.Fatal(err)
		}
		got, err := theirs.Decode(fmt.Sprintf("%X", mine), pbPAN4)
		if err != nil || got != digits {
			t.Fatalf("our format 4 block does not decode in moov: %q %v", got, err)
		}
		m0, err := moov.NewISO0().Encode(digits, pbPAN0)
		if err != nil {
			t.Fatal(err)
		}
		b0, _ := pinblock.Format0.Encode(pin, pbPAN0, nil)
		if want, _ := hex.DecodeString(m0); !bytes.Equal(b0.AppendBytes(nil), want) {
			t.Fatalf("format 0 clear blocks differ for a %d-digit PIN", len(digits))
		}
	}
}

// TestPINBlockPeerGaps records, as executable facts, the moov-io/pinblock
// defects the issue names, and that pinblock handles each case.
func TestPINBlockPeerGaps(t *testing.T) {
	// 1. A 12-digit PIN: moov encodes it but its decoder reads the length
	// nibble C as a decimal digit.
	pin12, _ := pinblock.ParsePIN([]byte("123456789012"))
	blk, _ := pinblock.Format0.Encode(pin12, "5555555551234567", nil)
	hexBlk := fmt.Sprintf("%X", blk.AppendBytes(nil)) // 0C1261032D8226A9, psec vector
	got, err := moovDecode(moov.NewISO0(), hexBlk, "5555555551234567")
	if err == nil && got == "123456789012" {
		t.Log("moov now decodes 12-digit format 0 PINs")
	} else {
		t.Logf("moov: 12-digit format 0 PIN: %q, %v", got, err)
	}
	if p, err := pinblock.Format0.Decode(blk.AppendBytes(nil), "5555555551234567"); err != nil || !p.Equal(pin12) {
		t.Fatalf("pinblock: 12-digit PIN: %v", err)
	}

	// 2. Format 0 fill not checked: 041261AAAAEDCBAA has fill C.
	bad, _ := hex.DecodeString("041261AAAAEDCBAA")
	got, err = moovDecode(moov.NewISO0(), "041261AAAAEDCBAA", "5555555551234567")
	t.Logf("moov: format 0 block with a bad fill digit: %q, %v", got, err)
	if _, err := pinblock.Format0.Decode(bad, "5555555551234567"); err == nil {
		t.Fatal("pinblock accepted a bad format 0 fill digit")
	}

	// 3. Format 4 with a PAN shorter than 12 digits (psec vector, PAN "1").
	enc, _ := hex.DecodeString("39B69B1B91FE05D48F7EF0D68EB2CBD6")
	menc, _ := moovenc.NewAesECB(pbAESKey)
	got, err = moovDecode(moov.NewISO4(menc), "39B69B1B91FE05D48F7EF0D68EB2CBD6", "1")
	t.Logf("moov: format 4 with PAN \"1\": %q, %v", got, err)
	a, _ := aes.NewCipher(pbAESKey)
	c, _ := pinblock.FromBlock(a, pinblock.Format4, nil)
	p, err := c.Decrypt(enc, "1")
	if err != nil || string(p.AppendDigits(nil)) != "123456" {
		t.Fatalf("pinblock: short-PAN format 4: %v", err)
	}
}

// moovDecode calls Decode, turning a panic into an error.
func moovDecode(f moov.Format, block, pan string) (pin string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", strings.SplitN(fmt.Sprint(r), "\n", 2)[0])
		}
	}()
	return f.Decode(block, pan)
}

// pbCPUNanos and pbReportCPU add the metric "cpu-ns/op" (process CPU time
// per operation): on a shared machine wall time counts time spent waiting
// for a core, CPU time does not, so ratios from it stay stable under load.
func pbCPUNanos() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func pbReportCPU(b *testing.B, start int64) {
	if b.N > 0 {
		b.ReportMetric(float64(pbCPUNanos()-start)/float64(b.N), "cpu-ns/op")
	}
}

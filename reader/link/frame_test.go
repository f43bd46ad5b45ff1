package link

import (
	"bytes"
	"errors"
	"testing"
)

func TestFrameKnownAnswer(t *testing.T) {
	// The request of the framing demo in reader_notes §3.3 (STX, 2-byte
	// big-endian length, data, ETX, LRC = XOR of LEN..ETX), checked by hand:
	// the XOR of "SALE" is 'S'^'A'^'L'^'E' = 0x1B; with 00 04 and ETX 03 the
	// LRC is 0x1B^0x04^0x03 = 0x1C.
	got, err := AppendFrame(nil, []byte("SALE"))
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{0x02, 0x00, 0x04, 'S', 'A', 'L', 'E', 0x03, 0x1C}
	if !bytes.Equal(got, want) {
		t.Fatalf("frame % X, want % X", got, want)
	}
	p, n, err := DecodeFrame(append(got, 0xFF), 0)
	if err != nil || n != len(want) || string(p) != "SALE" {
		t.Fatalf("decode: %q %d %v", p, n, err)
	}
	empty, _ := AppendFrame(nil, nil)
	if !bytes.Equal(empty, []byte{0x02, 0x00, 0x00, 0x03, 0x03}) {
		t.Fatalf("empty frame % X", empty)
	}
}

func TestDecodeFrameErrors(t *testing.T) {
	good, _ := AppendFrame(nil, []byte("ECHO"))
	badLRC := bytes.Clone(good)
	badLRC[len(badLRC)-1] ^= 0x40
	badETX := bytes.Clone(good)
	badETX[len(badETX)-2] = 0x17
	tests := []struct {
		name string
		b    []byte
		max  int
		want error
	}{
		{"empty", nil, 0, ErrIncomplete},
		{"STX only", []byte{STX}, 0, ErrIncomplete},
		{"half", good[:6], 0, ErrIncomplete},
		{"no STX", []byte{0x41, 0, 0, 3, 3}, 0, ErrBadFrame},
		{"bad LRC", badLRC, 0, ErrBadLRC},
		{"bad ETX", badETX, 0, ErrBadFrame},
		{"too large", good, 3, ErrFrameTooLarge},
	}
	for _, tt := range tests {
		if _, _, err := DecodeFrame(tt.b, tt.max); !errors.Is(err, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, err, tt.want)
		}
	}
	if _, err := AppendFrame(nil, make([]byte, MaxPayload+1)); !errors.Is(err, ErrFrameTooLarge) {
		t.Errorf("65536-byte payload: %v", err)
	}
}

func FuzzFrameDecode(f *testing.F) {
	good, _ := AppendFrame(nil, []byte("SALE|AMT=000000001234"))
	f.Add(good, 0)
	f.Add([]byte{0x02, 0x00, 0x00, 0x03, 0x03}, 16)
	f.Add([]byte{0x02, 0xFF, 0xFF}, 0)
	f.Fuzz(func(t *testing.T, b []byte, max int) {
		p, n, err := DecodeFrame(b, max)
		if err != nil {
			return
		}
		again, err := AppendFrame(nil, p)
		if err != nil || !bytes.Equal(again, b[:n]) {
			t.Fatalf("% X decoded to %q, re-encoded % X", b[:n], p, again)
		}
	})
}

func BenchmarkAppendFrame(b *testing.B) {
	payload := bytes.Repeat([]byte("SALE|AMT=000000001234|"), 8)
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		buf, _ = AppendFrame(buf[:0], payload)
	}
}

func BenchmarkDecodeFrame(b *testing.B) {
	frame, _ := AppendFrame(nil, bytes.Repeat([]byte("SALE|AMT=000000001234|"), 8))
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		if _, _, err := DecodeFrame(frame, 0); err != nil {
			b.Fatal(err)
		}
	}
}

package render

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
)

// Payloads from qr/testdata/mpm_samples.txt: the EMVCo specification's
// example (UTF-8, 260 bytes) and a Pix code.
const (
	specExample = "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A"
	pixExample  = "00020126510014br.gov.bcb.pix0115thalesog@me.com0210Pedido 123520400005303986540510.005802BR5914THALES OGLIARI6015SAO MIGUEL DO O62070503***63040DC6"
)

// decodeImage reads a QR symbol back with gozxing, an independent decoder.
func decodeImage(t *testing.T, img image.Image) string {
	t.Helper()
	src := gozxing.NewLuminanceSourceFromImage(img)
	bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(src))
	if err != nil {
		t.Fatal(err)
	}
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_CHARACTER_SET: "UTF-8"}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		t.Fatalf("gozxing could not read the symbol: %v", err)
	}
	return res.GetText()
}

// TestPNGRoundTrip: a rendered PNG decodes back to the same payload, for
// both PNG writers (rsc.io/qr's with the standard quiet zone, image/png
// otherwise) and every level.
func TestPNGRoundTrip(t *testing.T) {
	cases := []struct {
		name    string
		payload string
		opt     Options
	}{
		{"spec example, defaults", specExample, Options{}},
		{"spec example, level H, 3 px", specExample, Options{Level: H, ModuleSize: 3}},
		{"pix, level L, quiet 6", pixExample, Options{Level: L, QuietZone: 6, ModuleSize: 4}},
		{"pix, level Q, quiet 5", pixExample, Options{Level: Q, QuietZone: 5, ModuleSize: 5}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := PNG(c.payload, c.opt)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			sym, _ := Encode(c.payload, c.opt.Level)
			module, quiet, _ := c.opt.resolved()
			if want := (sym.Size() + 2*quiet) * module; img.Bounds().Dx() != want {
				t.Errorf("width %d, want %d", img.Bounds().Dx(), want)
			}
			if got := decodeImage(t, img); got != c.payload {
				t.Errorf("decoded\n%q\nwant\n%q", got, c.payload)
			}
		})
	}
}

// TestImageModules: Image puts each module at its place with the quiet zone.
func TestImageModules(t *testing.T) {
	sym, err := Encode(pixExample, M)
	if err != nil {
		t.Fatal(err)
	}
	img, err := sym.Image(Options{ModuleSize: 2, QuietZone: NoQuietZone})
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != 2*sym.Size() {
		t.Fatalf("width %d for %d modules", img.Bounds().Dx(), sym.Size())
	}
	for y := 0; y < sym.Size(); y++ {
		for x := 0; x < sym.Size(); x++ {
			if dark := img.ColorIndexAt(2*x+1, 2*y+1) == 1; dark != sym.Dark(x, y) {
				t.Fatalf("module %d,%d: image %v, symbol %v", x, y, dark, sym.Dark(x, y))
			}
		}
	}
	// Finder pattern corners are dark (ISO/IEC 18004 §6.3.3).
	if !sym.Dark(0, 0) || !sym.Dark(sym.Size()-1, 0) || !sym.Dark(0, sym.Size()-1) {
		t.Error("finder pattern corners are not dark")
	}
}

// TestTerminalRoundTrip reads the half-block text back into modules,
// checks them against the symbol, and decodes a picture of the text with
// gozxing.
func TestTerminalRoundTrip(t *testing.T) {
	for _, invert := range []bool{false, true} {
		var buf bytes.Buffer
		if err := Terminal(&buf, specExample, Options{Invert: invert}); err != nil {
			t.Fatal(err)
		}
		sym, _ := Encode(specExample, M)
		lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
		side := sym.Size() + 8
		if len(lines) != (side+1)/2 {
			t.Fatalf("%d lines for %d module rows", len(lines), side)
		}
		img := image.NewGray(image.Rect(0, 0, side*4, len(lines)*8))
		for i := range img.Pix {
			img.Pix[i] = 0xFF
		}
		for ly, line := range lines {
			cells := []rune(line)
			if len(cells) != side {
				t.Fatalf("line %d has %d cells, want %d", ly, len(cells), side)
			}
			for x, r := range cells {
				var top, bottom bool
				switch r {
				case '█':
					top, bottom = true, true
				case '▀':
					top = true
				case '▄':
					bottom = true
				case ' ':
				default:
					t.Fatalf("unexpected rune %q", r)
				}
				for half, ink := range []bool{top, bottom} {
					y := 2*ly + half
					if y >= side {
						continue
					}
					dark := ink == invert
					if want := sym.Dark(x-4, y-4); dark != want {
						t.Fatalf("invert=%v module %d,%d: text %v, symbol %v", invert, x-4, y-4, dark, want)
					}
					if dark {
						for dy := 0; dy < 4; dy++ {
							for dx := 0; dx < 4; dx++ {
								img.Pix[(4*y+dy)*img.Stride+4*x+dx] = 0
							}
						}
					}
				}
			}
		}
		if got := decodeImage(t, img); got != specExample {
			t.Errorf("invert=%v: terminal picture decoded to %q", invert, got)
		}
	}
}

func TestErrors(t *testing.T) {
	if _, err := PNG(pixExample, Options{ModuleSize: 65}); !errors.Is(err, ErrOptions) {
		t.Errorf("module size 65: %v", err)
	}
	if _, err := PNG(pixExample, Options{QuietZone: 33}); !errors.Is(err, ErrOptions) {
		t.Errorf("quiet zone 33: %v", err)
	}
	if _, err := PNG(pixExample, Options{Level: 9}); !errors.Is(err, ErrOptions) {
		t.Errorf("level 9: %v", err)
	}
	if err := Terminal(&bytes.Buffer{}, pixExample, Options{QuietZone: -2}); !errors.Is(err, ErrOptions) {
		t.Errorf("quiet zone -2: %v", err)
	}
	if _, err := Encode(strings.Repeat("x", 3000), H); !errors.Is(err, ErrTooLong) {
		t.Errorf("3000 bytes at H: %v", err)
	}
	if L.String() != "L" || H.String() != "H" || Level(7).String() != "Level(7)" {
		t.Error("Level.String")
	}
}

func BenchmarkPNG(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := PNG(specExample, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTerminal(b *testing.B) {
	b.ReportAllocs()
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := Terminal(&buf, specExample, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

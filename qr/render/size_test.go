package render

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"testing"
)

// checkModules compares every pixel of a decoded PNG with the symbol's
// module at that place (the quiet zone light), so a writer that draws the
// wrong bitmap fails even where a tolerant decoder would still read it.
func checkModules(t testing.TB, img image.Image, sym *Symbol, module, quiet int) {
	t.Helper()
	side := (sym.Size() + 2*quiet) * module
	if b := img.Bounds(); b.Dx() != side || b.Dy() != side {
		t.Fatalf("image %v, want %dx%d", b, side, side)
	}
	for py := 0; py < side; py++ {
		for px := 0; px < side; px++ {
			r, _, _, _ := img.At(px, py).RGBA()
			dark := r < 0x8000
			if want := sym.Dark(px/module-quiet, py/module-quiet); dark != want {
				t.Fatalf("pixel (%d,%d): dark %v, module says %v", px, py, dark, want)
			}
		}
	}
}

// TestPNGEveryModuleSize: issue 21 — module size 1 (what a scaling printer
// driver asks for) used to panic in rsc.io/qr's PNG writer ("invalid flate
// repeat"). Every size from 1 to 64, with the default quiet zone (the
// rsc.io/qr path for sizes >= 2) and a non-default one (image/png), gives a
// PNG whose pixels are the symbol's modules and that gozxing reads back.
func TestPNGEveryModuleSize(t *testing.T) {
	const payload = "https://qr.95516.com/00010000/01234567890123456789"
	sym, err := Encode(payload, M)
	if err != nil {
		t.Fatal(err)
	}
	for module := 1; module <= 64; module++ {
		for _, qz := range []int{0, 2} {
			opt := Options{ModuleSize: module, QuietZone: qz}
			b, err := sym.PNG(opt)
			if err != nil {
				t.Fatalf("module %d quiet %d: %v", module, qz, err)
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Fatalf("module %d quiet %d: image/png cannot read it: %v", module, qz, err)
			}
			m, q, _ := opt.resolved()
			checkModules(t, img, sym, m, q)
			// gozxing needs a few pixels per module and is slow on huge
			// images; decode the sizes a printer or screen really uses.
			if module <= 1 || (module <= 16) || module%16 == 0 {
				if module == 1 {
					// One pixel per module is below what a camera decoder
					// samples reliably; scale it up the way a printer driver
					// does (nearest neighbour) and decode that.
					img = scale(img, 4)
				}
				if got := decodeImage(t, img); got != payload {
					t.Fatalf("module %d quiet %d: decoded %q", module, qz, got)
				}
			}
		}
	}
}

func scale(src image.Image, k int) image.Image {
	b := src.Bounds()
	dst := image.NewGray(image.Rect(0, 0, b.Dx()*k, b.Dy()*k))
	for y := 0; y < b.Dy()*k; y++ {
		for x := 0; x < b.Dx()*k; x++ {
			dst.Set(x, y, src.At(b.Min.X+x/k, b.Min.Y+y/k))
		}
	}
	return dst
}

// FuzzPNGOptions: for any payload and options, PNG either rejects the
// options with ErrOptions (or the payload with ErrTooLong) or returns a PNG
// that image/png reads and whose pixels are exactly the symbol's modules.
func FuzzPNGOptions(f *testing.F) {
	f.Add("hello", 1, 0, uint8(M))
	f.Add(specExample, 3, -1, uint8(H))
	f.Add("0123456789", 0, 32, uint8(L))
	f.Add("x", 65, 33, uint8(9))
	f.Fuzz(func(t *testing.T, payload string, module, quiet int, level uint8) {
		if module > 8 || len(payload) > 200 {
			module %= 9 // keep images small; sizes 9-64 are covered above
		}
		opt := Options{Level: Level(level), ModuleSize: module, QuietZone: quiet}
		b, err := PNG(payload, opt)
		if err != nil {
			if !errors.Is(err, ErrOptions) && !errors.Is(err, ErrTooLong) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%+v: PNG unreadable: %v", opt, err)
		}
		sym, err := Encode(payload, opt.Level)
		if err != nil {
			t.Fatal(err)
		}
		m, q, err := opt.resolved()
		if err != nil {
			t.Fatal(err)
		}
		checkModules(t, img, sym, m, q)
	})
}

package render

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"

	rscqr "rsc.io/qr"
	"rsc.io/qr/coding"
)

var (
	// ErrOptions: a module size or quiet zone out of range, or an unknown
	// error-correction level.
	ErrOptions = errors.New("render: invalid options")
	// ErrTooLong: the payload does not fit in a QR symbol (version 40) at
	// the chosen error-correction level.
	ErrTooLong = errors.New("render: payload too long for a QR symbol")
)

// Level is the QR error-correction level (ISO/IEC 18004 §7.5.1): the share
// of the symbol that can be damaged and still read.
type Level uint8

const (
	M Level = iota // about 15%: what EMVCo and most schemes recommend (the zero value)
	L              // about 7%
	Q              // about 25%
	H              // about 30%
)

// String returns "L", "M", "Q" or "H".
func (l Level) String() string {
	switch l {
	case L:
		return "L"
	case M:
		return "M"
	case Q:
		return "Q"
	case H:
		return "H"
	}
	return fmt.Sprintf("Level(%d)", uint8(l))
}

func (l Level) coding() (coding.Level, error) {
	switch l {
	case L:
		return coding.L, nil
	case M:
		return coding.M, nil
	case Q:
		return coding.Q, nil
	case H:
		return coding.H, nil
	}
	return 0, fmt.Errorf("%w: error-correction level %d", ErrOptions, uint8(l))
}

// Options control drawing. The zero value means level M, 8-pixel modules
// and the 4-module quiet zone ISO/IEC 18004 requires.
type Options struct {
	Level      Level
	ModuleSize int  // pixels per module in a PNG, 1-64; 0 means 8
	QuietZone  int  // light modules around the symbol, 0-32; 0 means 4 (use NoQuietZone for none)
	Invert     bool // terminal: draw dark modules as blocks, for light-background terminals
}

// NoQuietZone as Options.QuietZone draws no border (for embedding the
// symbol in a layout that provides its own).
const NoQuietZone = -1

func (o Options) resolved() (module, quiet int, err error) {
	module, quiet = o.ModuleSize, o.QuietZone
	if module == 0 {
		module = 8
	}
	switch {
	case quiet == 0:
		quiet = 4
	case quiet == NoQuietZone:
		quiet = 0
	}
	if module < 1 || module > 64 || quiet < 0 || quiet > 32 {
		return 0, 0, fmt.Errorf("%w: module size %d, quiet zone %d (want 1-64 and 0-32)", ErrOptions, o.ModuleSize, o.QuietZone)
	}
	return module, quiet, nil
}

// Symbol is an encoded QR symbol: a square of dark and light modules.
type Symbol struct {
	code *coding.Code
}

// Encode encodes payload at the given error-correction level, choosing the
// smallest version that fits and the data mask with the lowest ISO/IEC
// 18004 penalty. Payment payloads go in byte mode, so UTF-8 text such as the
// EMVCo example's Chinese name passes through unchanged; all-digit and
// upper-case-only text uses the denser numeric and alphanumeric modes.
func Encode(payload string, level Level) (*Symbol, error) {
	l, err := level.coding()
	if err != nil {
		return nil, err
	}
	var enc coding.Encoding
	switch {
	case coding.Num(payload).Check() == nil:
		enc = coding.Num(payload)
	case coding.Alpha(payload).Check() == nil:
		enc = coding.Alpha(payload)
	default:
		enc = coding.String(payload)
	}
	v := coding.Version(coding.MinVersion)
	for ; enc.Bits(v) > v.DataBytes(l)*8; v++ {
		if v == coding.MaxVersion {
			return nil, fmt.Errorf("%w: %d bytes at level %s", ErrTooLong, len(payload), level)
		}
	}
	c, err := bestCode(enc, v, l)
	if err != nil {
		return nil, fmt.Errorf("render: encoding version %d: %w", v, err)
	}
	return &Symbol{code: c}, nil
}

// Size returns the number of modules on a side (21 for version 1, 177 for
// version 40).
func (s *Symbol) Size() int { return s.code.Size }

// Dark reports whether the module at column x, row y is dark. Outside the
// symbol (the quiet zone) it is light.
func (s *Symbol) Dark(x, y int) bool { return s.code.Black(x, y) }

// Image draws the symbol with its quiet zone, module pixels per module, as
// a two-colour paletted image (light 0, dark 1).
func (s *Symbol) Image(opt Options) (*image.Paletted, error) {
	module, quiet, err := opt.resolved()
	if err != nil {
		return nil, err
	}
	side := (s.Size() + 2*quiet) * module
	img := image.NewPaletted(image.Rect(0, 0, side, side), color.Palette{color.Gray{Y: 0xFF}, color.Gray{Y: 0}})
	for y := 0; y < s.Size(); y++ {
		for x := 0; x < s.Size(); x++ {
			if !s.Dark(x, y) {
				continue
			}
			px, py := (x+quiet)*module, (y+quiet)*module
			for dy := 0; dy < module; dy++ {
				row := img.Pix[(py+dy)*img.Stride+px:]
				for dx := 0; dx < module; dx++ {
					row[dx] = 1
				}
			}
		}
	}
	return img, nil
}

// PNG returns the symbol as a PNG file.
func (s *Symbol) PNG(opt Options) ([]byte, error) {
	module, quiet, err := opt.resolved()
	if err != nil {
		return nil, err
	}
	if quiet == 4 && module >= 2 {
		// rsc.io/qr's own writer always draws a 4-module border and is
		// about 20 times faster than image/png. With one pixel per module
		// its hand-made deflate stream is invalid ("invalid flate repeat"
		// when read back), so module size 1 goes through image/png.
		c := rscqr.Code{Bitmap: s.code.Bitmap, Size: s.code.Size, Stride: s.code.Stride, Scale: module}
		return c.PNG(), nil
	}
	img, err := s.Image(opt)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteTerminal draws the symbol as text with Unicode half blocks (two
// module rows per line), quiet zone included. By default light modules are
// drawn as blocks, which reads on the usual dark-background terminal; set
// Options.Invert for a light background.
func (s *Symbol) WriteTerminal(w io.Writer, opt Options) error {
	_, quiet, err := opt.resolved()
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	lo, hi := -quiet, s.Size()+quiet
	for y := lo; y < hi; y += 2 {
		for x := lo; x < hi; x++ {
			top, bottom := s.ink(x, y, opt.Invert), y+1 < hi && s.ink(x, y+1, opt.Invert)
			switch {
			case top && bottom:
				bw.WriteString("█")
			case top:
				bw.WriteString("▀")
			case bottom:
				bw.WriteString("▄")
			default:
				bw.WriteByte(' ')
			}
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// ink reports whether the module at x, y is drawn with a block character.
func (s *Symbol) ink(x, y int, invert bool) bool {
	return s.Dark(x, y) == invert
}

// PNG encodes payload and returns it as a PNG file.
func PNG(payload string, opt Options) ([]byte, error) {
	s, err := Encode(payload, opt.Level)
	if err != nil {
		return nil, err
	}
	return s.PNG(opt)
}

// Terminal encodes payload and draws it on w with Unicode half blocks.
func Terminal(w io.Writer, payload string, opt Options) error {
	s, err := Encode(payload, opt.Level)
	if err != nil {
		return err
	}
	return s.WriteTerminal(w, opt)
}

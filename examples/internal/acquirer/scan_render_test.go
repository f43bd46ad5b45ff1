package acquirer

import (
	"bytes"
	"image/png"
	"testing"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/possdk/pos/qr"
	"github.com/possdk/pos/qr/render"
)

// Rule: the dynamic code the terminal shows decodes back to the
// acquirer's payload at every PNG module size a printer driver may ask
// for (1–8), with an independent decoder (gozxing), and is recognised as
// the wallet's URL.
func TestDynamicCodeRendersAtEverySize(t *testing.T) {
	for _, mpm := range []bool{false, true} {
		g := NewWalletGateway()
		g.DynamicMPM = mpm
		_, payload, err := g.Precreate("12345678000001000001", 3600)
		if err != nil {
			t.Fatal(err)
		}
		sc, err := qr.Recognize(payload)
		switch {
		case err != nil:
			t.Fatalf("%q: %v", payload, err)
		case mpm && (sc.Kind != qr.KindMPM || sc.MPM.Validate(qr.UnionPay) != nil):
			t.Fatalf("%q: %+v", payload, sc)
		case !mpm && (sc.Kind != qr.KindURL || sc.Wallet != qr.WeChatPay):
			t.Fatalf("%q: %+v", payload, sc)
		}
		decodesAtEverySize(t, payload)
	}
}

func decodesAtEverySize(t *testing.T, payload string) {
	t.Helper()
	for size := 1; size <= 8; size++ {
		b, err := render.PNG(payload, render.Options{Level: render.M, ModuleSize: size})
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		src := gozxing.NewLuminanceSourceFromImage(img)
		bmp, err := gozxing.NewBinaryBitmap(gozxing.NewHybridBinarizer(src))
		if err != nil {
			t.Fatal(err)
		}
		res, err := zxqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
		if err != nil {
			t.Errorf("size %d: gozxing: %v", size, err)
			continue
		}
		if res.GetText() != payload {
			t.Errorf("size %d: decoded %q", size, res.GetText())
		}
	}
}

package bench

import (
	"errors"
	"testing"

	dongri "github.com/dongri/emv-qrcode/emv/mpm"
	"github.com/possdk/pos/qr"
)

// Peer: github.com/dongri/emv-qrcode v0.1.1 (2019-07-26, no LICENSE file),
// the Go MPM library that go get reaches here (mercari/go-emv-code answers
// 403). Its Decode parses into typed structs and runs its validator; its
// Encode validates and regenerates the payload in canonical field order.
// possdk's side decodes into a reused qr.Payload (order-preserving, CRC
// checked) and appends the encoding into a reused buffer.

const (
	// EMV QRCPS-MPM v1.0 Appendix example (qr/testdata/mpm_samples.txt).
	qrSpecExample = "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A"
	// Pix static code, github.com/thalesog/pix-utils tests/emvCodes.ts line 2.
	qrPix = "00020126510014br.gov.bcb.pix0115thalesog@me.com0210Pedido 123520400005303986540510.005802BR5914THALES OGLIARI6015SAO MIGUEL DO O62070503***63040DC6"
)

func benchQRPossdk(b *testing.B, s string) {
	var p qr.Payload
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Decode(s); err != nil {
			b.Fatal(err)
		}
		var err error
		if buf, err = p.Append(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

// benchQRPossdkFresh allocates a new Payload and string each time, as a
// caller who does not reuse values would.
func benchQRPossdkFresh(b *testing.B, s string) {
	b.ReportAllocs()
	for b.Loop() {
		p, err := qr.Parse(s)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := qr.Encode(p.Objects); err != nil {
			b.Fatal(err)
		}
	}
}

func benchQRDongri(b *testing.B, s string) {
	b.ReportAllocs()
	for b.Loop() {
		v, err := dongri.Decode(s)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := dongri.Encode(v); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkQRDecodeEncodeSpec_possdk(b *testing.B)      { benchQRPossdk(b, qrSpecExample) }
func BenchmarkQRDecodeEncodeSpec_possdkFresh(b *testing.B) { benchQRPossdkFresh(b, qrSpecExample) }
func BenchmarkQRDecodeEncodeSpec_dongri(b *testing.B)      { benchQRDongri(b, qrSpecExample) }
func BenchmarkQRDecodeEncodePix_possdk(b *testing.B)       { benchQRPossdk(b, qrPix) }
func BenchmarkQRDecodeEncodePix_possdkFresh(b *testing.B)  { benchQRPossdkFresh(b, qrPix) }
func BenchmarkQRDecodeEncodePix_dongri(b *testing.B)       { benchQRDongri(b, qrPix) }

// BenchmarkQRDecodeReused_possdk is the zero-allocation goal: decoding
// into a reused value.
func BenchmarkQRDecodeReused_possdk(b *testing.B) {
	var p qr.Payload
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Decode(qrSpecExample); err != nil {
			b.Fatal(err)
		}
	}
}

// TestQRPeerGaps records, on the same inputs, where the peer and possdk
// differ: what the benchmarks' speed ratio buys.
func TestQRPeerGaps(t *testing.T) {
	// 1. Re-encoding keeps the original order and CRC.
	v, err := dongri.Decode(qrSpecExample)
	if err != nil {
		t.Fatal(err)
	}
	peerOut, _ := dongri.Encode(v)
	p, err := qr.Parse(qrSpecExample)
	if err != nil {
		t.Fatal(err)
	}
	if p.String() != qrSpecExample {
		t.Error("possdk did not re-encode the spec example byte for byte")
	}
	t.Logf("dongri re-encodes the spec example with CRC %s (original A13A); byte-identical: %v", peerOut[len(peerOut)-4:], peerOut == qrSpecExample)

	// 2. A wrong CRC is rejected.
	flipped := qrPix[:len(qrPix)-1] + "7"
	if _, err := qr.Parse(flipped); !errors.Is(err, qr.ErrCRC) {
		t.Errorf("possdk accepted a wrong CRC: %v", err)
	}
	_, peerErr := dongri.Decode(flipped)
	t.Logf("dongri on a wrong CRC: err = %v", peerErr)

	// 3. PromptPay (no 52/59/60) decodes and validates under its profile.
	const promptPay = "00020101021129370016A000000677010111011300668012345675802TH530376463046197"
	pp, err := qr.Parse(promptPay)
	if err != nil || pp.Validate(qr.PromptPay) != nil {
		t.Errorf("possdk on PromptPay: %v", err)
	}
	_, peerErr = dongri.Decode(promptPay)
	t.Logf("dongri on PromptPay: err = %v", peerErr)
}

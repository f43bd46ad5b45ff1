// Command isodecode prints an ISO 8583 message, given as hex, one field a
// line: a China UnionPay POS frame (2-byte length, TPDU, header, BCD body)
// or an ISO 8583:1987 message with packed (BCD) or ASCII numerics.
//
//	isodecode 004160000000006022000000000800003800000...
//	isodecode -spec iso87ascii < capture.hex
//	isodecode -mak 0123456789ABCDEFFEDCBA9876543210 -mac x919 -emv <frame>
//
// The 2-byte length prefix is optional: without it the message is taken
// as it is. The PAN shows its first 6 and last 4 digits; track data, PIN
// block, field 55 and the working keys of field 62 show their length only.
// -emv decodes field 55 as EMV data (masked). -mak checks the MAC (field
// 64, or 128 with a secondary bitmap) with the given key — by default the
// CUP ECB MAC, then X9.19, under -spec cup — says which algorithm verified
// or which it tried, and exits 1 if none does. Field 39 is named by its
// meaning in that message, CUP fields 60, 61 and 63 are split into
// subfields. A length prefix that does not match the frame, and bytes
// after the last field, are errors. Bad input prints an error naming the
// field and exits 1.
package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/examples/internal/cli"
	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/keys"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

var specs = map[string]func() *iso8583.Spec{
	"cup": iso8583.CUPSpec, "iso87bcd": iso8583.ISO87BCDSpec, "iso87ascii": iso8583.ISO87ASCIISpec,
}

var framings = map[string]iso8583.Framing{
	"cup": {}, "noheader": {NoHeader: true}, "none": {NoTPDU: true, NoHeader: true},
}

var macs = map[string]iso8583.MACAlgorithm{
	"cup": iso8583.MACCUP, "cupsingle": iso8583.MACCUPSingle, "x919": iso8583.MACX919, "x99": iso8583.MACX99,
}

const usage = `usage: isodecode [flags] [hex ...]   (reads hex from stdin when no argument is given)

Prints an ISO 8583 message field by field, card data masked.
`

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("isodecode", flag.ContinueOnError)
	fs.SetOutput(stderr)
	specName := fs.String("spec", "cup", "message spec: cup, iso87bcd, iso87ascii")
	framingName := fs.String("framing", "", "what precedes the MTI: cup (TPDU and header), noheader (TPDU only), none (default: cup for -spec cup, none otherwise)")
	makHex := fs.String("mak", "", "MAC key (hex: 16 digits single DES, 32 or 48 TDES) to verify field 64")
	sm4 := fs.Bool("sm4", false, "the -mak key is SM4 (CUP key mode 006)")
	macName := fs.String("mac", "", "field-64 MAC algorithm with -mak: cup, cupsingle, x919, x99 (default: the CUP ECB MAC, then X9.19, for -spec cup; X9.19, then X9.9, otherwise)")
	showEMV := fs.Bool("emv", false, "decode field 55 as EMV data (masked)")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	if ok, status := cli.Parse(fs, args); !ok {
		return status
	}
	fail := func(code int, format string, a ...any) int {
		fmt.Fprintf(stderr, "isodecode: "+format+"\n", a...)
		return code
	}
	newSpec, ok := specs[*specName]
	if !ok {
		return fail(2, "unknown spec %q (cup, iso87bcd, iso87ascii)", *specName)
	}
	fn := *framingName
	if fn == "" {
		fn = "none"
		if *specName == "cup" {
			fn = "cup"
		}
	}
	framing, ok := framings[fn]
	if !ok {
		return fail(2, "unknown framing %q (cup, noheader, none)", fn)
	}
	var algs []iso8583.MACAlgorithm
	switch {
	case *macName != "":
		alg, ok := macs[*macName]
		if !ok {
			return fail(2, "unknown MAC algorithm %q (cup, cupsingle, x919, x99)", *macName)
		}
		algs = []iso8583.MACAlgorithm{alg}
	case *specName == "cup":
		algs = []iso8583.MACAlgorithm{iso8583.MACCUP, iso8583.MACX919}
	default:
		algs = []iso8583.MACAlgorithm{iso8583.MACX919, iso8583.MACX99}
	}
	data, err := cli.Hex(fs.Args(), stdin)
	if err != nil {
		return fail(1, "%v", err)
	}
	codec := iso8583.NewCodec(newSpec(), framing)
	frame := withLength(data)
	if frame == nil {
		return fail(1, "message of %d bytes is longer than a frame can be", len(data))
	}
	if err := codec.DescribeFrame(stdout, frame); err != nil {
		return fail(1, "%v", err)
	}
	_, body, err := codec.Unframe(frame)
	if err != nil {
		return fail(1, "%v", err)
	}
	if *showEMV {
		if err := describeICC(stdout, codec, body); err != nil {
			return fail(1, "field 55: %v", err)
		}
	}
	if *makHex != "" {
		return checkMAC(stdout, stderr, codec, algs, *makHex, *sm4, body)
	}
	return 0
}

// prefixSlack is how far a length prefix may be from the frame's size and
// still be taken for one (a miscounted or truncated capture): the first two
// bytes of a message without a prefix (TPDU 60, an MTI) read as a length
// far from any frame's size.
const prefixSlack = 16

// withLength adds the 2-byte length prefix unless data already starts with
// one: a prefix that is off by at most prefixSlack is kept, so that the
// codec reports "length prefix says 65 bytes, frame has 66".
func withLength(data []byte) []byte {
	if len(data) >= 2 {
		if d := int(binary.BigEndian.Uint16(data)) - (len(data) - 2); d >= -prefixSlack && d <= prefixSlack {
			return data
		}
	}
	if len(data) > iso8583.MaxFrame {
		return nil
	}
	return append(binary.BigEndian.AppendUint16(nil, uint16(len(data))), data...)
}

// describeICC prints field 55 as an EMV tree, masked.
func describeICC(w io.Writer, codec *iso8583.Codec, body []byte) error {
	m, err := codec.UnpackUnverified(body)
	if err != nil {
		return err
	}
	icc := m.Bytes(55)
	if len(icc) == 0 {
		fmt.Fprintln(w, "field 55: absent")
		return nil
	}
	fmt.Fprintf(w, "field 55 (%d bytes):\n", len(icc))
	return emv.Describe(w, icc, emv.DescribeOptions{})
}

// checkMAC verifies the MAC field with the given key under each of algs
// in turn and says which verified, or which it tried.
func checkMAC(stdout, stderr io.Writer, codec *iso8583.Codec, algs []iso8583.MACAlgorithm, makHex string, sm4 bool, body []byte) int {
	mak, err := parseKey(makHex, sm4)
	if err != nil {
		fmt.Fprintf(stderr, "isodecode: -mak: %v\n", err)
		return 2
	}
	defer mak.Zero()
	var tried []string
	for _, alg := range algs {
		mac, err := iso8583.NewMAC(alg, mak)
		if err != nil {
			if len(algs) == 1 {
				fmt.Fprintf(stderr, "isodecode: -mak: %v\n", err)
				return 2
			}
			continue // e.g. X9.19 with a single-length key
		}
		tried = append(tried, alg.String())
		m, err := codec.WithMAC(mac).UnpackMessage(body)
		switch {
		case errors.Is(err, iso8583.ErrMAC):
			continue
		case err != nil:
			fmt.Fprintf(stderr, "isodecode: %v\n", err)
			return 1
		}
		if !m.Has(m.MACField()) {
			fmt.Fprintln(stdout, "no MAC field to verify")
			return 0
		}
		fmt.Fprintf(stdout, "field %d MAC verified (%s under MAK %s)\n", m.MACField(), alg, kcvOf(mak))
		return 0
	}
	fmt.Fprintf(stderr, "isodecode: MAC does not verify under MAK %s (tried %s; choose with -mac)\n", kcvOf(mak), strings.Join(tried, ", "))
	return 1
}

// parseKey reads a MAK: 8 bytes single DES (legacy CUP), 16 or 24 TDES,
// 16 SM4.
func parseKey(s string, sm4 bool) (*keys.Key, error) {
	s = strings.TrimSpace(s)
	if sm4 {
		return keys.FromHex(keys.SM4, s)
	}
	switch len(s) {
	case 16:
		return keys.FromHex(keys.DES, s, keys.Legacy())
	case 32:
		return keys.FromHex(keys.TDES2, s)
	case 48:
		return keys.FromHex(keys.TDES3, s)
	}
	return nil, fmt.Errorf("a MAK is 16, 32 or 48 hex digits, not %d", len(s))
}

func kcvOf(k *keys.Key) string { return fmt.Sprintf("KCV %X", k.CheckValue()) }

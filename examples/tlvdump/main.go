// Command tlvdump prints BER-TLV data (field 55, a card response, a CPM QR
// payload) as an indented tree of tags, lengths and values.
//
//	tlvdump 9F26087BCB3647E84652A29F270180
//	echo 6F1B8407A0000000031010A510500B5649534120435245444954870101 | tlvdump
//
// Values of tags that carry cardholder data (PAN, track 2, cardholder name)
// are masked unless -reveal is given. Invalid input prints an error naming
// the offset and exits with status 1.
package main

import (
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/examples/internal/cli"
	"github.com/possdk/pos/tlv"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tlvdump", flag.ContinueOnError)
	fs.SetOutput(stderr)
	reveal := fs.Bool("reveal", false, "print sensitive values (PAN, track data, names) in full")
	skipFF := fs.Bool("ff", false, "skip FF padding between objects")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: tlvdump [-reveal] [-ff] [hex ...]   (reads hex from stdin when no argument is given)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	data, err := cli.Hex(fs.Args(), stdin)
	if err != nil {
		fmt.Fprintln(stderr, "tlvdump:", err)
		return 1
	}
	var opts []tlv.Option
	if *skipFF {
		opts = append(opts, tlv.SkipFF)
	}
	// Validate first so a bad tail does not leave half a tree on the screen.
	if err := tlv.Validate(data, opts...); err != nil {
		fmt.Fprintln(stderr, "tlvdump:", err)
		return 1
	}
	dump(stdout, tlv.NewScanner(data, opts...), 0, *reveal)
	return 0
}

// sensitive tags: PAN, track 1/2 data and equivalents, cardholder name.
var sensitive = map[tlv.Tag]bool{
	emv.TagPAN: true, emv.TagTrack2EquivalentData: true, emv.TagTrack1Data: true,
	emv.TagCardholderName: true, emv.TagCardholderNameExtended: true,
	emv.TagTrack1DiscretionaryData: true, emv.TagTrack2DiscretionaryData: true,
	emv.TagMastercardTrack2Data: true,
}

func dump(w io.Writer, s tlv.Scanner, depth int, reveal bool) {
	indent := strings.Repeat("  ", depth)
	for s.Next() {
		if s.Constructed() {
			fmt.Fprintf(w, "%s%s (%d bytes)\n", indent, s.Tag(), s.Len())
			dump(w, s.Descend(), depth+1, reveal)
			continue
		}
		fmt.Fprintf(w, "%s%s [%d] %s\n", indent, s.Tag(), s.Len(), value(s.Tag(), s.Value(), reveal))
	}
}

func value(t tlv.Tag, v []byte, reveal bool) string {
	h := strings.ToUpper(hex.EncodeToString(v))
	if sensitive[t] && !reveal {
		return mask(t, h)
	}
	if printable(v) {
		return fmt.Sprintf("%s %q", h, v)
	}
	return h
}

// mask keeps the first 6 and last 4 PAN digits of 5A and hides everything
// else of a sensitive value.
func mask(t tlv.Tag, h string) string {
	if t == 0x5A {
		pan := strings.TrimRight(h, "F")
		if len(pan) > 10 {
			return pan[:6] + strings.Repeat("*", len(pan)-10) + pan[len(pan)-4:] + " (masked)"
		}
	}
	return fmt.Sprintf("<%d bytes masked>", len(h)/2)
}

func printable(v []byte) bool {
	if len(v) < 2 {
		return false
	}
	for _, c := range v {
		if c < 0x20 || c > 0x7E {
			return false
		}
	}
	return true
}

// Command emvdecode prints EMV data (field 55, a card response, a record)
// as an indented tree with tag names from the emv dictionary and the
// meaning of each known value: TVR and TSI bits, AIP, CVM list, CID, IAD,
// terminal capabilities, TTQ/CTQ, DOLs, AFL, dates and codes.
//
//	emvdecode 9F2701809F10120110A040002A0400000000000000000000FF950500802480009C0100
//	echo 70175A0847617390010100105F24032212319F2701809C0100 | emvdecode
//
// PANs show the first 6 and last 4 digits, track data only the masked PAN,
// names and secrets are hidden, unless -reveal is given. -scheme chooses the
// meaning of scheme-specific tags (visa, mastercard, unionpay, amex); by
// default it comes from the AID in the data. Bad input prints an error
// naming the offset and exits with status 1.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/possdk/pos/emv"
	"github.com/possdk/pos/examples/internal/cli"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

var schemes = map[string]emv.Scheme{
	"": emv.SchemeEMV, "emv": emv.SchemeEMV, "visa": emv.SchemeVisa, "mastercard": emv.SchemeMastercard,
	"unionpay": emv.SchemeUnionPay, "cup": emv.SchemeUnionPay, "amex": emv.SchemeAmex,
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("emvdecode", flag.ContinueOnError)
	fs.SetOutput(stderr)
	reveal := fs.Bool("reveal", false, "print sensitive values (PAN, track data, names) in full")
	scheme := fs.String("scheme", "", "meaning of scheme-specific tags: visa, mastercard, unionpay, amex (default: from the AID)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: emvdecode [-reveal] [-scheme name] [hex ...]   (reads hex from stdin when no argument is given)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	s, ok := schemes[strings.ToLower(*scheme)]
	if !ok {
		fmt.Fprintf(stderr, "emvdecode: unknown scheme %q (visa, mastercard, unionpay, amex)\n", *scheme)
		return 2
	}
	data, err := cli.Hex(fs.Args(), stdin)
	if err != nil {
		fmt.Fprintln(stderr, "emvdecode:", err)
		return 1
	}
	if err := emv.Describe(stdout, data, emv.DescribeOptions{ShowSensitive: *reveal, Scheme: s}); err != nil {
		fmt.Fprintln(stderr, "emvdecode:", err)
		return 1
	}
	return 0
}

// Command qr decodes, validates and makes EMVCo payment QR payloads.
//
//	qr decode '00020101021129370016A000000677010111011300668012345675802TH530376463046197'
//	qr decode -profile pix < payload.txt
//	qr decode 'hQVDUFYwMWET...'            (a consumer-presented base64 payload)
//	qr make -from '<static code>' -amount 23.72 -ref INV42
//	qr make -account '26:00=br.gov.bcb.pix,01=shop@example.com' -mcc 5812 \
//	   -currency 986 -country BR -name 'LOJA' -city 'SAO PAULO' -amount 19.90 -png code.png
//
// decode prints every data object with its name, checks the CRC, and
// validates under a profile (guessed from the accounts unless -profile is
// given). make builds a dynamic code for one sale, validates it, prints it
// and draws it on the terminal or writes a PNG. Bad input prints an error
// and exits with status 1; bad usage exits with status 2.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/possdk/pos/examples/internal/cli"
	"github.com/possdk/pos/qr"
	"github.com/possdk/pos/qr/render"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `usage: qr <command> [flags] [payload]

commands:
  decode   decode and validate a payload (merchant-presented text or
           consumer-presented base64); reads stdin when no payload is given
  make     make a dynamic merchant-presented code with an amount

Run "qr <command> -h" for the command's flags.
`

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "decode":
		return runDecode(args[1:], stdin, stdout, stderr)
	case "make":
		return runMake(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "qr: unknown command %q\n%s", args[0], usage)
	return 2
}

// parseFlags parses fs, printing help for -h. It returns the exit code to
// use when the command should stop.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer, synopsis string) (int, bool) {
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, synopsis)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, true
		}
		return 2, true
	}
	return 0, false
}

func runDecode(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("qr decode", flag.ContinueOnError)
	profile := fs.String("profile", "auto", "validation profile: auto, EMVCo, UnionPay, Pix, PromptPay, SGQR, VietQR")
	reveal := fs.Bool("reveal", false, "print PAN and track 2 of a consumer-presented payload in full")
	show := fs.Bool("show", false, "also draw the payload as a QR code on the terminal")
	if code, stop := parseFlags(fs, args, stderr, "usage: qr decode [-profile name] [-reveal] [-show] [payload]"); stop {
		return code
	}
	text, err := cli.Text(fs.Args(), stdin)
	if err != nil {
		fail(stderr, err)
		return 1
	}
	text = strings.TrimSpace(text)
	if text == "" {
		fmt.Fprintln(stderr, "qr: no payload given")
		return 1
	}
	if isCPM(text) {
		err = decodeCPM(stdout, text, *reveal)
	} else {
		err = decodeMPM(stdout, text, *profile)
	}
	if err == nil && *show {
		err = render.Terminal(stdout, text, render.Options{})
	}
	if err != nil {
		fail(stderr, err)
		return 1
	}
	return 0
}

// fail prints err once prefixed with the command name.
func fail(stderr io.Writer, err error) {
	msg := err.Error()
	if !strings.HasPrefix(msg, "qr") {
		msg = "qr: " + msg
	}
	fmt.Fprintln(stderr, msg)
}

// isCPM tells a consumer-presented payload by its first bytes: base64 of
// tag 85 (0x85) begins with "hQ"; a merchant-presented one begins "00".
func isCPM(s string) bool { return strings.HasPrefix(s, "hQ") }

func decodeMPM(w io.Writer, text, profile string) error {
	var p qr.Payload
	derr := p.Decode(text)
	if derr != nil && !errors.Is(derr, qr.ErrCRC) {
		return derr
	}
	fmt.Fprintf(w, "merchant-presented payload, %d characters\n", len([]rune(text)))
	for _, o := range p.Objects {
		printObject(w, o, "")
	}
	if derr != nil {
		return derr // after the dump: a damaged code is still worth reading
	}
	fmt.Fprintln(w, "CRC ok")
	prof := p.Profile()
	if profile != "auto" {
		var err error
		if prof, err = qr.ParseProfile(profile); err != nil {
			return err
		}
	}
	problems := p.Problems(prof)
	for _, pr := range problems {
		fmt.Fprintf(w, "  %v\n", pr)
	}
	var ve *qr.ValidationError
	if err := p.Validate(prof); errors.As(err, &ve) {
		return fmt.Errorf("not valid under the %s profile (%d problem(s) above)", prof, len(ve.Problems))
	}
	fmt.Fprintf(w, "valid under the %s profile\n", prof)
	return nil
}

func printObject(w io.Writer, o qr.Object, indent string) {
	printNamed(w, o, indent, rootName(o.ID), subNames(o))
}

// printNamed prints o under its name and its sub-objects under the names
// their template gives them.
func printNamed(w io.Writer, o qr.Object, indent, label string, names func(qr.ID) string) {
	if len(o.Sub) == 0 {
		fmt.Fprintf(w, "%s%s %-*s %s\n", indent, o.ID, 40-len(indent), label, o.Value)
		return
	}
	fmt.Fprintf(w, "%s%s %s\n", indent, o.ID, label)
	for _, s := range o.Sub {
		printNamed(w, s, indent+"   ", names(s.ID), func(qr.ID) string { return "" })
	}
}

// rootName is the name EMV QRCPS-MPM v1.1 §4 gives a root ID; for the
// primitive merchant account IDs 02-25 it names the network the ID is
// reserved for.
func rootName(id qr.ID) string {
	switch {
	case id == 0:
		return "Payload Format Indicator"
	case id == 1:
		return "Point of Initiation Method"
	case id >= 2 && id <= 25:
		return "Merchant Account Information (" + networks[id] + ")"
	case id.IsAccount():
		return "Merchant Account Information (template)"
	case id >= 80:
		return "Unreserved Template"
	}
	names := map[qr.ID]string{
		52: "Merchant Category Code", 53: "Transaction Currency", 54: "Transaction Amount",
		55: "Tip or Convenience Indicator", 56: "Convenience Fee Fixed", 57: "Convenience Fee Percentage",
		58: "Country Code", 59: "Merchant Name", 60: "Merchant City", 61: "Postal Code",
		62: "Additional Data Field Template", 63: "CRC", 64: "Merchant Information—Language Template",
	}
	if n, ok := names[id]; ok {
		return n
	}
	return "RFU for EMVCo"
}

// networks are the payment networks of the primitive merchant account IDs
// (EMV QRCPS-MPM v1.1 Table 3.3).
var networks = map[qr.ID]string{
	2: "Visa", 3: "Visa", 4: "Mastercard", 5: "Mastercard", 6: "EMVCo", 7: "EMVCo", 8: "EMVCo",
	9: "Discover", 10: "Discover", 11: "Amex", 12: "Amex", 13: "JCB", 14: "JCB",
	15: "UnionPay: acquirer IIN, forwarding IIN, merchant ID", 16: "UnionPay: acquirer IIN, forwarding IIN, merchant ID",
	17: "EMVCo", 18: "EMVCo", 19: "EMVCo", 20: "EMVCo", 21: "EMVCo", 22: "EMVCo", 23: "EMVCo", 24: "EMVCo", 25: "EMVCo",
}

// Sub-object names of the templates: 62 and 64 from EMV QRCPS-MPM v1.1
// (Tables 3.7, 3.8), the merchant account templates from each national
// scheme's specification, chosen by the template's GUI (sub-ID 00).
var (
	additionalNames = map[qr.ID]string{
		1: "Bill Number", 2: "Mobile Number", 3: "Store Label", 4: "Loyalty Number",
		5: "Reference Label", 6: "Customer Label", 7: "Terminal Label", 8: "Purpose of Transaction",
		9: "Additional Consumer Data Request", 10: "Merchant Tax ID", 11: "Merchant Channel",
	}
	languageNames = map[qr.ID]string{
		0: "Language Preference", 1: "Merchant Name—Alternate Language", 2: "Merchant City—Alternate Language",
	}
	schemeNames = map[string]map[qr.ID]string{
		// BR Code (Banco Central do Brasil, Manual do BR Code).
		strings.ToLower(qr.GUIPix): {1: "Pix key (chave)", 2: "Additional information for the payer", 3: "Payment facilitator (fss)",
			25: "Location URL of the dynamic charge"},
		// Thai QR Payment (Bank of Thailand / TBA).
		strings.ToLower(qr.GUIPromptPayTransfer): {1: "PromptPay mobile number", 2: "National ID or tax ID", 3: "E-wallet ID", 4: "Bank account"},
		strings.ToLower(qr.GUIPromptPayBill):     {1: "Biller ID", 2: "Reference 1", 3: "Reference 2"},
		// NAPAS VietQR.
		strings.ToLower(qr.GUIVietQR): {1: "Beneficiary organisation (00 acquirer BIN, 01 account or card)", 2: "Service code (QRIBFTTA account, QRIBFTTC card, QRPUSH)"},
		// Singapore PayNow and SGQR (MAS / IMDA SGQR specification).
		strings.ToLower(qr.GUIPayNow): {1: "Proxy type (0 mobile, 2 UEN)", 2: "Proxy value", 3: "Editable amount (1 yes, 0 no)", 4: "Expiry date (YYYYMMDD)"},
		strings.ToLower(qr.GUISGQR): {1: "SGQR ID number", 2: "SGQR version", 3: "Postal code", 4: "Level", 5: "Unit number",
			6: "Miscellaneous", 7: "Version date"},
	}
)

// subNames names the sub-objects of template o.
func subNames(o qr.Object) func(qr.ID) string {
	return func(id qr.ID) string {
		switch {
		case o.ID == qr.IDAdditionalData:
			if n, ok := additionalNames[id]; ok {
				return n
			}
			if id >= 50 {
				return "Payment System specific template"
			}
			return "RFU for EMVCo"
		case o.ID == qr.IDLanguageTemplate:
			if n, ok := languageNames[id]; ok {
				return n
			}
			return "RFU for EMVCo"
		}
		if id == 0 {
			return "Globally Unique Identifier"
		}
		if n := schemeNames[strings.ToLower(o.GUI())][id]; n != "" {
			return n
		}
		return "(defined by " + o.GUI() + ")"
	}
}

func decodeCPM(w io.Writer, text string, reveal bool) error {
	c, err := qr.ParseCPM(text)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "consumer-presented payload %s, %d application(s)\n", c.PayloadFormat, len(c.Apps))
	for i := range c.Apps {
		pan := c.PAN(i).String()
		if reveal {
			pan = c.PAN(i).Digits()
		}
		fmt.Fprintf(w, "application %d: AID %X label %q PAN %s %v\n", i+1, c.AID(i), c.Label(i), pan, c.Track2(i))
		fmt.Fprintf(w, "  ICC data (field 55): %X\n", c.AppendICCData(nil, i))
	}
	if c.Common != nil {
		fmt.Fprintf(w, "common data: %v\n", c.Common)
	}
	return nil
}

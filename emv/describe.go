package emv

import (
	"bufio"
	"io"
	"strconv"
	"strings"

	"github.com/possdk/pos/tlv"
)

// DescribeOptions tune Describe.
type DescribeOptions struct {
	// ShowSensitive prints PANs, track data, names and other secrets in
	// full. Off by default: they are masked.
	ShowSensitive bool
	// Scheme picks the meaning of scheme-specific tags. SchemeEMV (the
	// zero value) means: take it from the first AID (4F, 84, 9F06) found in
	// the data, else use the EMV meaning.
	Scheme Scheme
	// Indent is one level of indentation; "  " when empty.
	Indent string
}

// Describe writes b (a card response, field 55, a CPM payload ...) as an
// indented tree: one line per object with its tag, name, length and value,
// followed by the decoded meaning of known values. Sensitive values are
// masked unless opt.ShowSensitive. Malformed BER-TLV is reported before
// anything is written, with its offset (tlv errors).
func Describe(w io.Writer, b []byte, opt DescribeOptions) error {
	if err := tlv.Validate(b); err != nil {
		return err
	}
	if opt.Indent == "" {
		opt.Indent = "  "
	}
	if opt.Scheme == SchemeEMV {
		for _, t := range []tlv.Tag{TagApplicationIdentifier, TagDFName, TagAIDTerminal} {
			if v, ok, _ := tlv.Find(b, t); ok {
				opt.Scheme = SchemeOfAID(v)
				break
			}
		}
	}
	bw := bufio.NewWriter(w)
	describeLevel(bw, tlv.NewScanner(b), 0, opt)
	return bw.Flush()
}

// DescribeString is Describe into a string.
func DescribeString(b []byte, opt DescribeOptions) (string, error) {
	var sb strings.Builder
	err := Describe(&sb, b, opt)
	return sb.String(), err
}

func describeLevel(w *bufio.Writer, s tlv.Scanner, depth int, opt DescribeOptions) {
	pad := strings.Repeat(opt.Indent, depth)
	for s.Next() {
		t, v := s.Tag(), s.Value()
		e, known := LookupScheme(t, opt.Scheme)
		name := e.Name
		if !known {
			name = "(unknown tag)"
		}
		w.WriteString(pad + t.String() + " " + name + " [" + strconv.Itoa(len(v)) + "]")
		if s.Constructed() {
			w.WriteString("\n")
			describeLevel(w, s.Descend(), depth+1, opt)
			continue
		}
		w.WriteString(": " + valueText(e, known, v, opt) + "\n")
		if !opt.ShowSensitive && e.Sensitive != SensitivityNone {
			continue
		}
		for _, line := range meaning(e, known, v, opt.Scheme) {
			w.WriteString(pad + opt.Indent + "- " + line + "\n")
		}
	}
}

// valueText is the value as shown on the object's line: masked, as text for
// character formats, in hex otherwise.
func valueText(e Entry, known bool, v []byte, opt DescribeOptions) string {
	if known && !opt.ShowSensitive {
		switch e.Sensitive {
		case SensitivityPAN:
			if p, err := ParsePANBCD(v); err == nil {
				return p.Masked()
			}
			return "[masked]"
		case SensitivityTrack:
			if e.Tag == TagTrack2EquivalentData || e.Tag == TagMastercardTrack2Data {
				if tr, err := ParseTag57(v); err == nil {
					return tr.String()
				}
			}
			if e.Tag == 0x56 {
				if tr, err := ParseTrack1(string(v)); err == nil {
					return tr.String()
				}
			}
			return "[masked]"
		case SensitivityName, SensitivitySecret:
			return "[masked]"
		}
	}
	if known && e.Format == tlv.FormatText && printable(v) {
		return strconv.Quote(string(v))
	}
	return hexString(v)
}

func printable(v []byte) bool {
	for _, c := range v {
		if c < 0x20 || c > 0x7E {
			return false
		}
	}
	return true
}

// meaning decodes the value of a known tag into lines of words.
func meaning(e Entry, known bool, v []byte, s Scheme) []string {
	if !known {
		return nil
	}
	switch e.Tag {
	case TagTVR:
		x, err := ParseTVR(v)
		return wordsOr(x.Describe(), err)
	case TagTSI:
		x, err := ParseTSI(v)
		return wordsOr(x.Describe(), err)
	case TagAIP:
		x, err := ParseAIP(v)
		return wordsOr(x.Describe(), err)
	case TagApplicationUsageControl:
		x, err := ParseAUC(v)
		return wordsOr(x.Describe(), err)
	case TagCVMList:
		x, err := ParseCVMList(v)
		return wordsOr(x.Describe(), err)
	case TagCVMResults:
		x, err := ParseCVMResults(v)
		return wordsOr(x.Describe(), err)
	case TagCryptogramInformationData:
		x, err := ParseCID(v)
		return wordsOr(x.Describe(), err)
	case TagTerminalCapabilities:
		x, err := ParseTerminalCapabilities(v)
		return wordsOr(x.Describe(), err)
	case TagAdditionalTerminalCapabilities:
		x, err := ParseAdditionalCapabilities(v)
		return wordsOr(x.Describe(), err)
	case TagIssuerApplicationData:
		x, err := ParseIAD(v, s)
		return wordsOr(x.Describe(), err)
	case TagTTQ:
		if e.Scheme != SchemeMastercard {
			x, err := ParseTTQ(v)
			return wordsOr(x.Describe(), err)
		}
	case TagCardTransactionQualifiers:
		if e.Scheme == SchemeVisa || e.Scheme == SchemeUnionPay {
			x, err := ParseCTQ(v)
			return wordsOr(x.Describe(), err)
		}
	case TagCDOL1, TagCDOL2, TagPDOL, TagDDOL, TagTDOL, TagMastercardUDOL, TagUnionPayDefaultDDOL:
		return describeDOL(v, s)
	case TagAFL:
		return describeAFL(v)
	case TagTransactionType:
		return oneLine(transactionType(v))
	case TagTerminalType:
		return oneLine(terminalType(v))
	case TagPOSEntryMode:
		return oneLine(posEntryMode(v))
	case TagApplicationExpirationDate, TagApplicationEffectiveDate, TagTransactionDate:
		return oneLine(dateText(v))
	case TagTransactionTime:
		if len(v) == 3 {
			h := hexString(v)
			return oneLine(h[0:2] + ":" + h[2:4] + ":" + h[4:6])
		}
	case TagServiceCode:
		if len(v) == 2 {
			return ServiceCode(hexString(v)[1:]).Describe()
		}
	case TagATC, TagLastOnlineATCRegister:
		if len(v) == 2 {
			return oneLine("counter " + strconv.Itoa(int(v[0])<<8|int(v[1])))
		}
	}
	if e.Format == tlv.FormatNumeric && (e.MaxLen == 6) && len(v) == 6 {
		n := strings.TrimLeft(hexString(v), "0")
		if n == "" {
			n = "0"
		}
		return oneLine("amount " + n + " (minor units)")
	}
	return nil
}

func oneLine(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func wordsOr(words []string, err error) []string {
	if err != nil {
		return []string{"malformed: " + err.Error()}
	}
	return words
}

func describeDOL(v []byte, s Scheme) []string {
	d, err := tlv.ParseDOL(v)
	if err != nil {
		return []string{"malformed: " + err.Error()}
	}
	out := make([]string, 0, len(d))
	for _, x := range d {
		e, _ := LookupScheme(x.Tag, s)
		name := e.Name
		if name == "" {
			name = "(unknown tag)"
		}
		out = append(out, x.Tag.String()+" "+name+", "+strconv.Itoa(x.Len)+" bytes")
	}
	return out
}

// describeAFL lists the Application File Locator entries (EMV Book 3
// §10.2): SFI, first and last record, records signed for offline data
// authentication.
func describeAFL(v []byte) []string {
	if len(v)%4 != 0 {
		return []string{"malformed: AFL length is not a multiple of 4"}
	}
	var out []string
	for i := 0; i+3 < len(v); i += 4 {
		out = append(out, "SFI "+strconv.Itoa(int(v[i]>>3))+" records "+strconv.Itoa(int(v[i+1]))+
			"-"+strconv.Itoa(int(v[i+2]))+", "+strconv.Itoa(int(v[i+3]))+" for offline data authentication")
	}
	return out
}

func dateText(v []byte) string {
	if len(v) != 3 {
		return ""
	}
	h := hexString(v)
	if !allDigits(h) {
		return ""
	}
	return "20" + h[0:2] + "-" + h[2:4] + "-" + h[4:6]
}

// transactionType: ISO 8583:1987 processing code, first two digits (EMV
// Book 3 Annex A, 9C).
func transactionType(v []byte) string {
	if len(v) != 1 {
		return ""
	}
	switch v[0] {
	case 0x00:
		return "Purchase of goods or services"
	case 0x01:
		return "Cash withdrawal"
	case 0x09:
		return "Purchase with cashback"
	case 0x20:
		return "Refund"
	case 0x21:
		return "Deposit"
	case 0x30:
		return "Balance inquiry"
	case 0x31:
		return "Balance inquiry"
	case 0x40:
		return "Transfer"
	case 0x50:
		return "Payment"
	case 0x60:
		return "Load (electronic cash)"
	}
	return ""
}

// terminalType: EMV Book 4 Annex A1.
func terminalType(v []byte) string {
	if len(v) != 1 {
		return ""
	}
	who := map[byte]string{1: "Financial institution", 2: "Merchant", 3: "Cardholder"}[v[0]>>4]
	how := map[byte]string{
		1: "attended, online only", 2: "attended, offline with online capability", 3: "attended, offline only",
		4: "unattended, online only", 5: "unattended, offline with online capability", 6: "unattended, offline only",
	}[v[0]&0x0F]
	if who == "" || how == "" {
		return ""
	}
	return who + " controlled, " + how
}

// posEntryMode: ISO 8583 field 22 positions 1-2 as used in 9F39.
func posEntryMode(v []byte) string {
	if len(v) != 1 {
		return ""
	}
	return map[byte]string{
		0x01: "Manual key entry", 0x02: "Magnetic stripe", 0x05: "Integrated circuit card (contact)",
		0x07: "Contactless chip", 0x80: "Fallback to magnetic stripe", 0x90: "Magnetic stripe, full track",
		0x91: "Contactless magnetic stripe", 0x95: "Integrated circuit card, CVV may be unreliable",
	}[v[0]]
}

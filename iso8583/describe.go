package iso8583

import (
	"fmt"
	"io"
	"strings"
)

// Describe writes a readable dump of m under spec, one line per field:
// number, name from the spec, value. The PAN (fields 2 and 34) is masked
// to its first 6 and last 4 digits; track data (35, 36, 45), the PIN
// block (52), ICC data (55), field 62 (working keys) and batch-upload
// details (48 of a 0320, which list card numbers) show their length only.
//
// Field 39 is named by its meaning in that message: in a reversal (0400,
// 0420) it is the terminal's reason, so 98 is "no response received",
// not the host's "issuer timed out". Under the CUP spec, fields 60, 61
// and 63 are followed by their subfields, one a line, and a field 64
// holding eight hex characters (the CUP ECB MAC) is shown as those
// characters.
func Describe(w io.Writer, spec *Spec, m *Message) error {
	name := "ISO 8583"
	if spec != nil && spec.Name != "" {
		name = spec.Name
	}
	if _, err := fmt.Fprintf(w, "%s message %s\n", name, m.MTI()); err != nil {
		return err
	}
	fmt.Fprintf(w, "  %-4s %-42s %X\n", "BMP", "Bitmap", m.Bitmap())
	for _, id := range m.Fields() {
		desc := ""
		binary := m.v.bin[id] != nil
		if spec != nil {
			if f := spec.Fields[id]; f != nil {
				desc, binary = f.Description, f.Type == FieldBinary
			}
		}
		if _, err := fmt.Fprintf(w, "  %-4s %-42s %s\n", fmt.Sprintf("%03d", id), desc, describeValue(id, m.MTI(), m.Bytes(id), binary)); err != nil {
			return err
		}
		if spec != nil && spec.Name == CUPSpec().Name {
			for _, sub := range cupSubfields(id, m.Field(id)) {
				if _, err := fmt.Fprintf(w, "  %-4s %-42s %s\n", "", "  "+sub[0], sub[1]); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// cupSubfields splits CUP fields 60, 61 and 63 into named subfields
// (empty ones left out); a value that does not parse is reported as such.
func cupSubfields(id int, v string) [][2]string {
	var out [][2]string
	add := func(name, val string) {
		if val != "" {
			out = append(out, [2]string{name, fmt.Sprintf("%q", val)})
		}
	}
	switch id {
	case 60:
		f, err := ParseField60(v)
		if err != nil {
			return [][2]string{{"60.x", "does not split: " + err.Error()}}
		}
		add("60.1 transaction type", f.Type)
		add("60.2 batch number", fmt.Sprintf("%06d", f.Batch))
		add("60.3 network management code", f.NetMgmt)
		add("60.4 terminal read capability", f.Capability)
		add("60.5 IC card condition", f.ICCondition)
		add("60.6 partial approval flag", f.PartialApproval)
		add("60.7 account type", f.AccountType)
		add("60.8+ (untyped)", f.Extra)
	case 61:
		f, err := ParseField61(v)
		if err != nil {
			return [][2]string{{"61.x", "does not split: " + err.Error()}}
		}
		add("61.1 original batch number", fmt.Sprintf("%06d", f.Batch))
		add("61.2 original trace number", fmt.Sprintf("%06d", f.STAN))
		add("61.3 original date (MMDD)", f.Date)
		add("61.4 authorisation method", f.AuthMethod)
		add("61.5 authorising institution", f.AuthInstitution)
		add("61.6+ (untyped)", f.Extra)
	case 63:
		f := ParseField63(v)
		add("63.1 operator / card organisation", f.Code)
		add("63.2 text", f.Text)
	}
	return out
}

// reversalReasons are field 39 of a reversal request: why the terminal
// reverses (CUP POS spec, 冲正原因).
var reversalReasons = map[ResponseCode]string{
	ReasonNoResponse: "no response received",
	ReasonMACError:   "response MAC did not verify",
	ReasonOther:      "other error, e.g. the card declined after the host approved",
}

// isReversalRequest reports an MTI 04x0 or 04x2 (a reversal or its
// repeat or advice, not a response).
func isReversalRequest(mti string) bool {
	return len(mti) == 4 && mti[:2] == "04" && (mti[2]-'0')%2 == 0
}

// isCUPMAC reports 8 upper-case hex characters: a CUP ECB MAC.
func isCUPMAC(raw []byte) bool {
	if len(raw) != MACSize {
		return false
	}
	for _, c := range raw {
		if (c < '0' || c > '9') && (c < 'A' || c > 'F') {
			return false
		}
	}
	return true
}

func describeValue(id int, mti string, raw []byte, binary bool) string {
	switch id {
	case 2, 34:
		return maskPAN(string(raw))
	case 35, 36, 45:
		return Track(raw).String()
	case 52:
		return PINBlock(raw).String()
	case 55, 62:
		return Hidden(raw).String()
	case 48:
		if strings.HasPrefix(mti, "032") {
			return Hidden(raw).String()
		}
	case 39:
		if isReversalRequest(mti) {
			if r, ok := reversalReasons[ResponseCode(raw)]; ok {
				return fmt.Sprintf("%s (reversal reason: %s)", raw, r)
			}
			return fmt.Sprintf("%q (reversal reason)", raw)
		}
		return ResponseCode(raw).String()
	case 64, 128:
		if isCUPMAC(raw) {
			return fmt.Sprintf("%q (CUP ECB MAC: 8 hex characters)", raw)
		}
	}
	if binary {
		return fmt.Sprintf("%X", raw)
	}
	return fmt.Sprintf("%q", raw)
}

// DescribeFrame writes the envelope and a dump of a whole frame (length
// prefix included) without verifying its MAC: a tool for logs and
// captures, never a substitute for Unpack.
func (c *Codec) DescribeFrame(w io.Writer, frame []byte) error {
	env, body, err := c.Unframe(frame)
	if err != nil {
		return err
	}
	var parts []string
	if !c.framing.NoTPDU {
		parts = append(parts, "TPDU "+env.TPDU.String())
	}
	if !c.framing.NoHeader {
		parts = append(parts, "header "+env.Header.String())
	}
	if parts != nil {
		fmt.Fprintln(w, strings.Join(parts, "  "))
	}
	if c.err != nil {
		return c.err
	}
	m := &Message{}
	if err := c.c.unpack(&m.v, body); err != nil {
		return err
	}
	return Describe(w, c.spec, m)
}

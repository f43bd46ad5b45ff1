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
	}
	return nil
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
		return ResponseCode(raw).String()
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

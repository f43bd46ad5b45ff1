package iso8583

import (
	"fmt"
	"io"
	"slices"
	"strings"

	moov "github.com/moov-io/iso8583"
	"github.com/moov-io/iso8583/field"
)

// Describe writes a readable dump of m, one line per field: number, name
// from the spec, value. The PAN (fields 2 and 34) is masked to its first 6
// and last 4 digits; track data (35, 36, 45), the PIN block (52), ICC data
// (55), field 62 (working keys) and batch-upload details (48 of a 0320,
// which list card numbers) show their length only.
func Describe(w io.Writer, m *moov.Message) error {
	mti, _ := m.GetMTI()
	name := "ISO 8583"
	if s := m.GetSpec(); s != nil && s.Name != "" {
		name = s.Name
	}
	if _, err := fmt.Fprintf(w, "%s message %s\n", name, mti); err != nil {
		return err
	}
	fields := m.GetFields()
	ids := make([]int, 0, len(fields))
	for id := range fields {
		if id > 1 {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	if bm := m.Bitmap(); bm != nil {
		b, _ := bm.Bytes()
		fmt.Fprintf(w, "  %-4s %-42s %X\n", "BMP", "Bitmap", b)
	}
	for _, id := range ids {
		f := fields[id]
		desc := f.Spec().Description
		if _, err := fmt.Fprintf(w, "  %-4s %-42s %s\n", fmt.Sprintf("%03d", id), desc, describeValue(id, mti, f)); err != nil {
			return err
		}
	}
	return nil
}

func describeValue(id int, mti string, f field.Field) string {
	raw, _ := f.Bytes()
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
	if _, ok := f.(*field.Binary); ok {
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
	m := moov.NewMessage(c.spec)
	if err := c.unpackInto(m, body); err != nil {
		return err
	}
	return Describe(w, m)
}

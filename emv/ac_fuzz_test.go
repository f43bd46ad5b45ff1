package emv

import (
	"errors"
	"testing"

	"github.com/possdk/pos/internal/testvec"
)

// FuzzACMethodData: every method either refuses an IAD with ErrValue or
// appends exactly the Table 26 elements and the IAD part its CVN takes
// (M/Chip: CVR, plus counters for CVN 17/21; Interac: the whole IAD); no
// panic on any length.
func FuzzACMethodData(f *testing.F) {
	f.Add([]byte{0x01, 0x10, 0xA0, 0, 3, 0x22, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF})
	f.Add(testvec.Hex(f, "1501850440B100000000B00000000000000000000000"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, iad []byte) {
		d := CryptogramData{IAD: iad}
		for _, m := range []ACMethod{MChipCVN16, MChipCVN17, MChipCVN20, MChipCVN21, InteracCVN133} {
			out, err := m.AppendData(nil, &d)
			if err != nil {
				if !errors.Is(err, ErrValue) {
					t.Fatalf("%v: %v does not wrap ErrValue", m, err)
				}
				continue
			}
			want := 33 // Table 26: 9F02 9F03 9F1A 95 5F2A 9A 9C 9F37 82 9F36
			switch m {
			case MChipCVN16, MChipCVN20:
				want += 6
			case MChipCVN17, MChipCVN21:
				want += 14
			default:
				want += len(iad)
			}
			if len(out) != want {
				t.Fatalf("%v: %d bytes of data, want %d", m, len(out), want)
			}
		}
	})
}

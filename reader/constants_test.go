package reader

import (
	"testing"

	"github.com/possdk/pos/emv"
)

// TestTransportConstantsMatchEMV: the bytes the transport acts on are the
// ones package emv names (emv imports nothing of reader's, so this test
// may import emv; the package itself may not, DESIGN.md).
func TestTransportConstantsMatchEMV(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want uint16
	}{
		{"CLA", claInterindustry, uint16(emv.CLAInterindustry)},
		{"INS GET RESPONSE", insGetResponse, uint16(emv.INSGetResponse)},
		{"SW1 61", sw1BytesAvailable, uint16(emv.SW1BytesAvailable)},
		{"SW1 6C", sw1WrongLe, uint16(emv.SW1WrongLe)},
		{"SW1 62", sw1WarningUnchanged, uint16(emv.SWWarning >> 8)},
		{"SW1 63", sw1WarningChanged, uint16(emv.SWVerifyFailed >> 8)},
		{"SW 9000", swOK, uint16(emv.SWOK)},
	} {
		if c.got != c.want {
			t.Errorf("%s: reader %04X, emv %04X", c.name, c.got, c.want)
		}
	}
}

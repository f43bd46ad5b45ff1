package emv

import (
	"fmt"

	"github.com/possdk/pos/keys"
)

// MastercardCVN is a Mastercard M/Chip cryptogram version number: byte 2
// of the M/Chip issuer application data (KDI, CVN, CVR[6], DAC/IDN[2],
// counters[8]). In the CVN byte 0001 0 ss c, ss selects the session key
// (00 Mastercard "SKD", R = ATC || 0000 || UN; 10 EMV common session key)
// and c whether the counters go into the cryptogram. All four use the
// Option A card master key, padding method 2 and ARPC method 1; CVN 16 and
// 17 compute the ARPC under the card's master key, 20 and 21 under the
// session key. Sources: M/Chip 4 Card Application Specifications (the CVN
// bits, as quoted by pyemv's MasterCardCVN16..21); vectors in
// testdata/mchip.txt are pyemv's HSM-generated tests.
type MastercardCVN uint8

// M/Chip cryptogram versions.
const (
	MChipCVN16 MastercardCVN = 0x10 // Mastercard SKD, no counters
	MChipCVN17 MastercardCVN = 0x11 // Mastercard SKD, counters in the AC
	MChipCVN20 MastercardCVN = 0x14 // EMV common session key, no counters
	MChipCVN21 MastercardCVN = 0x15 // EMV common session key, counters in the AC
)

func (c MastercardCVN) String() string {
	switch c {
	case MChipCVN16, MChipCVN17, MChipCVN20, MChipCVN21:
		return fmt.Sprintf("M/Chip CVN %X", uint8(c))
	}
	return fmt.Sprintf("MastercardCVN(%#02x)", uint8(c))
}

// Profile implements ACMethod.
func (c MastercardCVN) Profile() (ACProfile, error) {
	p := ACProfile{MasterKey: OptionA, Padding: keys.Padding2, ARPCMethod: 1}
	switch c {
	case MChipCVN16, MChipCVN17:
		p.SessionKey, p.ARPCKey = SessionCommonUN, ARPCUnderMasterKey
	case MChipCVN20, MChipCVN21:
		p.SessionKey, p.ARPCKey = SessionCommon, ARPCUnderSessionKey
	default:
		return ACProfile{}, fmt.Errorf("%w: %v is not supported", ErrValue, c)
	}
	return p, nil
}

// mchipIADMin is the length of the M/Chip 4 IAD up to the end of the
// counters.
const mchipIADMin = 18

// AppendData implements ACMethod: the Table 26 elements, the 6-byte CVR
// (IAD bytes 3-8) and, for CVN 17 and 21, the 8 counter bytes (IAD bytes
// 11-18: cumulative offline amount, consecutive offline count, FF), which
// must be in the clear.
func (c MastercardCVN) AppendData(dst []byte, d *CryptogramData) ([]byte, error) {
	if _, err := c.Profile(); err != nil {
		return dst, err
	}
	if len(d.IAD) < mchipIADMin || d.IAD[1] != byte(c) {
		return dst, fmt.Errorf("%w: tag 9F10 is not an M/Chip IAD with CVN %02X (KDI, CVN, CVR[6], DAC[2], counters[8])", ErrValue, uint8(c))
	}
	dst = append(d.appendFixed(dst), d.IAD[2:8]...)
	if c&0x01 != 0 {
		dst = append(dst, d.IAD[10:18]...)
	}
	return dst, nil
}

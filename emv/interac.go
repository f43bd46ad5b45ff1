package emv

import (
	"fmt"

	"github.com/possdk/pos/keys"
)

// InteracCVN is an Interac Flash cryptogram version number: byte 3 of an
// IAD laid out like Visa's (length, DKI, CVN, CVR ...).
type InteracCVN uint8

// InteracCVN133 (0x85): Option A card master key, the Mastercard-style
// session key (R = ATC || 0000 || UN), data = Table 26 elements + the
// whole IAD, padding method 2, ARPC method 1 under the session key (as
// described and tested by pyemv's InteracCVN133, HSM-generated vectors; no
// Interac publication was found).
const InteracCVN133 InteracCVN = 0x85

func (c InteracCVN) String() string {
	if c == InteracCVN133 {
		return "Interac CVN 133"
	}
	return fmt.Sprintf("InteracCVN(%#02x)", uint8(c))
}

// Profile implements ACMethod.
func (c InteracCVN) Profile() (ACProfile, error) {
	if c != InteracCVN133 {
		return ACProfile{}, fmt.Errorf("%w: %v is not supported", ErrValue, c)
	}
	return ACProfile{MasterKey: OptionA, SessionKey: SessionCommonUN, Padding: keys.Padding2, ARPCMethod: 1, ARPCKey: ARPCUnderSessionKey}, nil
}

// AppendData implements ACMethod: the Table 26 elements and the whole IAD.
func (c InteracCVN) AppendData(dst []byte, d *CryptogramData) ([]byte, error) {
	if _, err := c.Profile(); err != nil {
		return dst, err
	}
	if len(d.IAD) < 3 || int(d.IAD[0]) != len(d.IAD)-1 || d.IAD[2] != byte(c) {
		return dst, fmt.Errorf("%w: tag 9F10 is not an Interac IAD with CVN %02X (length, DKI, CVN ...)", ErrValue, uint8(c))
	}
	return append(d.appendFixed(dst), d.IAD...), nil
}

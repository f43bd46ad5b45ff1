package pcsc

import "github.com/possdk/pos/reader"

// ShareMode says whether other applications may use the card while we hold
// it (SCardConnect dwShareMode).
type ShareMode uint8

// Share modes. Exclusive keeps other PC/SC clients (a browser, pcsc_scan)
// off the card for the whole connection; Shared with Card.Transaction
// around each multi-APDU exchange is the polite alternative.
const (
	Shared ShareMode = iota
	Exclusive
)

func (m ShareMode) String() string {
	if m == Exclusive {
		return "exclusive"
	}
	return "shared"
}

// Disposition is what happens to the card when we let go of it or reset it
// (SCardDisconnect / SCardReconnect dwDisposition).
type Disposition uint8

// Dispositions. EMV Book 1 §6.1.5: a warm reset keeps power; a cold one
// removes it first.
const (
	Leave   Disposition = iota // leave the card as it is
	Reset                      // warm reset
	Unpower                    // power off: the next connect is a cold reset
)

// Interface checks: both builds (with and without the pcsc tag) must offer
// the same API.
var (
	_ reader.Reader       = (*Context)(nil)
	_ reader.ProtocolCard = (*Card)(nil)
)

package emv

// TTQ is the Terminal Transaction Qualifiers (tag 9F66, EMV Contactless
// Book A Table 5-4 and Book C-3 Annex A): what the reader supports and
// requires for this transaction, sent to the card in the PDOL.
type TTQ [4]byte

// TTQFlag names one bit of the TTQ.
type TTQFlag uint32

// TTQ bits.
const (
	TTQMagStripeMode            TTQFlag = 0x008080
	TTQEMVMode                  TTQFlag = 0x002020
	TTQContactChip              TTQFlag = 0x001010
	TTQOfflineOnly              TTQFlag = 0x000808
	TTQOnlinePIN                TTQFlag = 0x000404
	TTQSignature                TTQFlag = 0x000202
	TTQODAForOnline             TTQFlag = 0x000101
	TTQOnlineCryptogramRequired TTQFlag = 0x018080
	TTQCVMRequired              TTQFlag = 0x014040
	TTQContactOfflinePIN        TTQFlag = 0x012020
	TTQIssuerUpdate             TTQFlag = 0x028080
	TTQConsumerDeviceCVM        TTQFlag = 0x024040
)

var ttqBits = []bitDef{
	{0x008080, "Mag-stripe mode supported"},
	{0x002020, "EMV mode supported"},
	{0x001010, "EMV contact chip supported"},
	{0x000808, "Offline-only reader"},
	{0x000404, "Online PIN supported"},
	{0x000202, "Signature supported"},
	{0x000101, "Offline Data Authentication for Online Authorizations supported"},
	{0x018080, "Online cryptogram required"},
	{0x014040, "CVM required"},
	{0x012020, "(Contact chip) Offline PIN supported"},
	{0x028080, "Issuer Update Processing supported"},
	{0x024040, "Consumer Device CVM supported"},
}

// ParseTTQ copies a 4-byte tag 9F66 value.
func ParseTTQ(b []byte) (TTQ, error) {
	var t TTQ
	if err := fixed("TTQ (9F66)", b, len(t)); err != nil {
		return t, err
	}
	copy(t[:], b)
	return t, nil
}

// Has reports whether the flag is set.
func (t TTQ) Has(f TTQFlag) bool { return hasFlag(t[:], uint32(f)) }

// Set sets the flag.
func (t *TTQ) Set(f TTQFlag) { setFlag(t[:], uint32(f)) }

// Clear clears the flag.
func (t *TTQ) Clear(f TTQFlag) { clearFlag(t[:], uint32(f)) }

// Describe returns the words for every set bit.
func (t TTQ) Describe() []string { return describeFlags(t[:], ttqBits) }

// String returns the value in hex.
func (t TTQ) String() string { return hexString(t[:]) }

// String returns the words for the flag.
func (f TTQFlag) String() string { return flagText(ttqBits, uint32(f)) }

// CTQ is the Card Transaction Qualifiers (tag 9F6C, EMV Contactless Book
// C-3 Annex A; VCPS): what the card asks the reader to do.
type CTQ [2]byte

// CTQFlag names one bit of the CTQ.
type CTQFlag uint32

// CTQ bits.
const (
	CTQOnlinePINRequired          CTQFlag = 0x008080
	CTQSignatureRequired          CTQFlag = 0x004040
	CTQGoOnlineIfODAFails         CTQFlag = 0x002020
	CTQSwitchInterfaceIfODAFails  CTQFlag = 0x001010
	CTQGoOnlineIfExpired          CTQFlag = 0x000808
	CTQSwitchInterfaceForCash     CTQFlag = 0x000404
	CTQSwitchInterfaceForCashback CTQFlag = 0x000202
	CTQConsumerDeviceCVMPerformed CTQFlag = 0x018080
	CTQIssuerUpdateSupported      CTQFlag = 0x014040
)

var ctqBits = []bitDef{
	{0x008080, "Online PIN required"},
	{0x004040, "Signature required"},
	{0x002020, "Go online if Offline Data Authentication fails and reader is online capable"},
	{0x001010, "Switch interface if Offline Data Authentication fails and reader supports contact chip"},
	{0x000808, "Go online if application expired"},
	{0x000404, "Switch interface for cash transactions"},
	{0x000202, "Switch interface for cashback transactions"},
	{0x018080, "Consumer Device CVM performed"},
	{0x014040, "Card supports Issuer Update Processing at the POS"},
}

// ParseCTQ copies a 2-byte tag 9F6C value.
func ParseCTQ(b []byte) (CTQ, error) {
	var c CTQ
	if err := fixed("CTQ (9F6C)", b, len(c)); err != nil {
		return c, err
	}
	copy(c[:], b)
	return c, nil
}

// Has reports whether the flag is set.
func (c CTQ) Has(f CTQFlag) bool { return hasFlag(c[:], uint32(f)) }

// Set sets the flag.
func (c *CTQ) Set(f CTQFlag) { setFlag(c[:], uint32(f)) }

// Describe returns the words for every set bit.
func (c CTQ) Describe() []string { return describeFlags(c[:], ctqBits) }

// String returns the value in hex.
func (c CTQ) String() string { return hexString(c[:]) }

// String returns the words for the flag.
func (f CTQFlag) String() string { return flagText(ctqBits, uint32(f)) }

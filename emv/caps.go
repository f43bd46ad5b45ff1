package emv

// TerminalCapabilities is tag 9F33 (EMV Book 4 Annex A2): card data input,
// CVM and security capabilities of the terminal.
type TerminalCapabilities [3]byte

// CapFlag names one bit of the Terminal Capabilities.
type CapFlag uint32

// Terminal Capabilities bits, EMV 4.4 Book 4 Tables 25-27.
const (
	CapManualKeyEntry      CapFlag = 0x008080
	CapMagneticStripe      CapFlag = 0x004040
	CapICWithContacts      CapFlag = 0x002020
	CapPlaintextPINICC     CapFlag = 0x018080
	CapEncipheredPINOnline CapFlag = 0x014040
	CapSignature           CapFlag = 0x012020
	CapEncipheredPINICC    CapFlag = 0x011010
	CapNoCVM               CapFlag = 0x010808
	CapSDA                 CapFlag = 0x028080
	CapDDA                 CapFlag = 0x024040
	CapCardCapture         CapFlag = 0x022020
	CapCDA                 CapFlag = 0x020808
)

var capBits = []bitDef{
	{0x008080, "Manual key entry"},
	{0x004040, "Magnetic stripe"},
	{0x002020, "IC with contacts"},
	{0x018080, "Plaintext PIN for ICC verification"},
	{0x014040, "Enciphered PIN for online verification"},
	{0x012020, "Signature (paper)"},
	{0x011010, "Enciphered PIN for offline verification"},
	{0x010808, "No CVM required"},
	{0x028080, "SDA"},
	{0x024040, "DDA"},
	{0x022020, "Card capture"},
	{0x020808, "CDA"},
}

// ParseTerminalCapabilities copies a 3-byte tag 9F33 value.
func ParseTerminalCapabilities(b []byte) (TerminalCapabilities, error) {
	var c TerminalCapabilities
	if err := fixed("Terminal Capabilities (9F33)", b, len(c)); err != nil {
		return c, err
	}
	copy(c[:], b)
	return c, nil
}

// Has reports whether the flag is set.
func (c TerminalCapabilities) Has(f CapFlag) bool { return hasFlag(c[:], uint32(f)) }

// Set sets the flag.
func (c *TerminalCapabilities) Set(f CapFlag) { setFlag(c[:], uint32(f)) }

// Describe returns the standard's words for every set bit.
func (c TerminalCapabilities) Describe() []string { return describeFlags(c[:], capBits) }

// String returns the value in hex.
func (c TerminalCapabilities) String() string { return hexString(c[:]) }

// String returns the standard's words for the flag.
func (f CapFlag) String() string { return flagText(capBits, uint32(f)) }

// AdditionalCapabilities is tag 9F40 (EMV Book 4 Annex A3): transaction
// types, data input and output capabilities and code tables.
type AdditionalCapabilities [5]byte

// AddCapFlag names one bit of the Additional Terminal Capabilities.
type AddCapFlag uint32

// Additional Terminal Capabilities bits, EMV 4.4 Book 4 Tables 28-32.
const (
	AddCapCash              AddCapFlag = 0x008080
	AddCapGoods             AddCapFlag = 0x004040
	AddCapServices          AddCapFlag = 0x002020
	AddCapCashback          AddCapFlag = 0x001010
	AddCapInquiry           AddCapFlag = 0x000808
	AddCapTransfer          AddCapFlag = 0x000404
	AddCapPayment           AddCapFlag = 0x000202
	AddCapAdministrative    AddCapFlag = 0x000101
	AddCapCashDeposit       AddCapFlag = 0x018080
	AddCapNumericKeys       AddCapFlag = 0x028080
	AddCapAlphaKeys         AddCapFlag = 0x024040
	AddCapCommandKeys       AddCapFlag = 0x022020
	AddCapFunctionKeys      AddCapFlag = 0x021010
	AddCapPrintAttendant    AddCapFlag = 0x038080
	AddCapPrintCardholder   AddCapFlag = 0x034040
	AddCapDisplayAttendant  AddCapFlag = 0x032020
	AddCapDisplayCardholder AddCapFlag = 0x031010
)

var addCapBits = []bitDef{
	{0x008080, "Cash"},
	{0x004040, "Goods"},
	{0x002020, "Services"},
	{0x001010, "Cashback"},
	{0x000808, "Inquiry"},
	{0x000404, "Transfer"},
	{0x000202, "Payment"},
	{0x000101, "Administrative"},
	{0x018080, "Cash deposit"},
	{0x028080, "Numeric keys"},
	{0x024040, "Alphabetic and special characters keys"},
	{0x022020, "Command keys"},
	{0x021010, "Function keys"},
	{0x038080, "Print, attendant"},
	{0x034040, "Print, cardholder"},
	{0x032020, "Display, attendant"},
	{0x031010, "Display, cardholder"},
	{0x030202, "Code table 10"},
	{0x030101, "Code table 9"},
	{0x048080, "Code table 8"},
	{0x044040, "Code table 7"},
	{0x042020, "Code table 6"},
	{0x041010, "Code table 5"},
	{0x040808, "Code table 4"},
	{0x040404, "Code table 3"},
	{0x040202, "Code table 2"},
	{0x040101, "Code table 1"},
}

// ParseAdditionalCapabilities copies a 5-byte tag 9F40 value.
func ParseAdditionalCapabilities(b []byte) (AdditionalCapabilities, error) {
	var c AdditionalCapabilities
	if err := fixed("Additional Terminal Capabilities (9F40)", b, len(c)); err != nil {
		return c, err
	}
	copy(c[:], b)
	return c, nil
}

// Has reports whether the flag is set.
func (c AdditionalCapabilities) Has(f AddCapFlag) bool { return hasFlag(c[:], uint32(f)) }

// Set sets the flag.
func (c *AdditionalCapabilities) Set(f AddCapFlag) { setFlag(c[:], uint32(f)) }

// CodeTable reports whether ISO/IEC 8859 part n (1..10) is supported.
func (c AdditionalCapabilities) CodeTable(n int) bool {
	if n < 1 || n > 10 {
		return false
	}
	if n <= 8 {
		return c[4]&(1<<uint(n-1)) != 0
	}
	return c[3]&(1<<uint(n-9)) != 0
}

// Describe returns the standard's words for every set bit.
func (c AdditionalCapabilities) Describe() []string { return describeFlags(c[:], addCapBits) }

// String returns the value in hex.
func (c AdditionalCapabilities) String() string { return hexString(c[:]) }

// String returns the standard's words for the flag.
func (f AddCapFlag) String() string { return flagText(addCapBits, uint32(f)) }

package emv

// AIP is the Application Interchange Profile (tag 82, EMV Book 3 Annex C1):
// the functions the card supports in this application.
type AIP [2]byte

// AIPFlag names one bit of the AIP.
type AIPFlag uint32

// AIP bits, EMV 4.4 Book 3 Table 37; byte 2 bits from the contactless
// kernel books (C-2 Table A.7, C-3 Annex A).
const (
	AIPSDASupported             AIPFlag = 0x004040
	AIPDDASupported             AIPFlag = 0x002020
	AIPCVMSupported             AIPFlag = 0x001010
	AIPTerminalRiskMgmt         AIPFlag = 0x000808
	AIPIssuerAuthSupported      AIPFlag = 0x000404
	AIPOnDeviceCVMSupported     AIPFlag = 0x000202
	AIPCDASupported             AIPFlag = 0x000101
	AIPContactlessEMVMode       AIPFlag = 0x018080
	AIPRelayResistanceSupported AIPFlag = 0x010101
)

var aipBits = []bitDef{
	{0x004040, "SDA supported"},
	{0x002020, "DDA supported"},
	{0x001010, "Cardholder verification is supported"},
	{0x000808, "Terminal risk management is to be performed"},
	{0x000404, "Issuer authentication is supported"},
	{0x000202, "On device cardholder verification is supported (contactless)"},
	{0x000101, "CDA supported"},
	{0x018080, "EMV mode is supported (Kernel 2) / MSD supported (Kernel 3)"},
	{0x010101, "Relay resistance protocol is supported (Kernel 2)"},
}

// ParseAIP copies a 2-byte tag 82 value.
func ParseAIP(b []byte) (AIP, error) {
	var a AIP
	if err := fixed("AIP (82)", b, len(a)); err != nil {
		return a, err
	}
	copy(a[:], b)
	return a, nil
}

// Has reports whether the flag is set.
func (a AIP) Has(f AIPFlag) bool { return hasFlag(a[:], uint32(f)) }

// Set sets the flag (for building test cards and simulators).
func (a *AIP) Set(f AIPFlag) { setFlag(a[:], uint32(f)) }

// Describe returns the standard's words for every set bit.
func (a AIP) Describe() []string { return describeFlags(a[:], aipBits) }

// String returns the value in hex.
func (a AIP) String() string { return hexString(a[:]) }

// String returns the standard's words for the flag.
func (f AIPFlag) String() string { return flagText(aipBits, uint32(f)) }

// AUC is the Application Usage Control (tag 9F07, EMV Book 3 Annex C2):
// where and for what the issuer allows the application to be used.
type AUC [2]byte

// AUCFlag names one bit of the AUC.
type AUCFlag uint32

// AUC bits, EMV 4.4 Book 3 Table 38.
const (
	AUCDomesticCash          AUCFlag = 0x008080
	AUCInternationalCash     AUCFlag = 0x004040
	AUCDomesticGoods         AUCFlag = 0x002020
	AUCInternationalGoods    AUCFlag = 0x001010
	AUCDomesticServices      AUCFlag = 0x000808
	AUCInternationalServices AUCFlag = 0x000404
	AUCATMs                  AUCFlag = 0x000202
	AUCNonATMTerminals       AUCFlag = 0x000101
	AUCDomesticCashback      AUCFlag = 0x018080
	AUCInternationalCashback AUCFlag = 0x014040
)

var aucBits = []bitDef{
	{0x008080, "Valid for domestic cash transactions"},
	{0x004040, "Valid for international cash transactions"},
	{0x002020, "Valid for domestic goods"},
	{0x001010, "Valid for international goods"},
	{0x000808, "Valid for domestic services"},
	{0x000404, "Valid for international services"},
	{0x000202, "Valid at ATMs"},
	{0x000101, "Valid at terminals other than ATMs"},
	{0x018080, "Domestic cashback allowed"},
	{0x014040, "International cashback allowed"},
}

// ParseAUC copies a 2-byte tag 9F07 value.
func ParseAUC(b []byte) (AUC, error) {
	var a AUC
	if err := fixed("AUC (9F07)", b, len(a)); err != nil {
		return a, err
	}
	copy(a[:], b)
	return a, nil
}

// Has reports whether the flag is set.
func (a AUC) Has(f AUCFlag) bool { return hasFlag(a[:], uint32(f)) }

// Set sets the flag.
func (a *AUC) Set(f AUCFlag) { setFlag(a[:], uint32(f)) }

// Describe returns the standard's words for every set bit.
func (a AUC) Describe() []string { return describeFlags(a[:], aucBits) }

// String returns the value in hex.
func (a AUC) String() string { return hexString(a[:]) }

// String returns the standard's words for the flag.
func (f AUCFlag) String() string { return flagText(aucBits, uint32(f)) }

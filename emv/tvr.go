package emv

// TVR is the Terminal Verification Results (tag 95, EMV Book 3 Annex C5):
// five bytes the terminal sets while it processes a transaction. The kernel
// sets bits by name:
//
//	var tvr emv.TVR
//	tvr.Set(emv.TVRICCDataMissing)
//	if tvr.Has(emv.TVRExpiredApplication) { ... }
type TVR [5]byte

// TVRFlag names one bit (or field value) of the TVR.
type TVRFlag uint32

// TVR bits, EMV 4.4 Book 3 Table 46.
const (
	// Byte 1: offline data authentication.
	TVROfflineDataAuthNotPerformed TVRFlag = 0x008080
	TVRSDAFailed                   TVRFlag = 0x004040
	TVRICCDataMissing              TVRFlag = 0x002020
	TVRCardOnExceptionFile         TVRFlag = 0x001010
	TVRDDAFailed                   TVRFlag = 0x000808
	TVRCDAFailed                   TVRFlag = 0x000404
	TVRSDASelected                 TVRFlag = 0x000202 // EMV 4.2 and earlier; RFU since 4.3

	// Byte 2: processing restrictions.
	TVRDifferentAppVersions TVRFlag = 0x018080
	TVRExpiredApplication   TVRFlag = 0x014040
	TVRAppNotYetEffective   TVRFlag = 0x012020
	TVRServiceNotAllowed    TVRFlag = 0x011010
	TVRNewCard              TVRFlag = 0x010808

	// Byte 3: cardholder verification.
	TVRCVMNotSuccessful    TVRFlag = 0x028080
	TVRUnrecognisedCVM     TVRFlag = 0x024040
	TVRPINTryLimitExceeded TVRFlag = 0x022020
	TVRPINPadNotPresent    TVRFlag = 0x021010
	TVRPINNotEntered       TVRFlag = 0x020808
	TVROnlinePINEntered    TVRFlag = 0x020404

	// Byte 4: terminal risk management.
	TVRFloorLimitExceeded        TVRFlag = 0x038080
	TVRLowerOfflineLimitExceeded TVRFlag = 0x034040
	TVRUpperOfflineLimitExceeded TVRFlag = 0x032020
	TVRRandomlySelectedOnline    TVRFlag = 0x031010
	TVRMerchantForcedOnline      TVRFlag = 0x030808

	// Byte 5: issuer authentication, scripts, relay resistance.
	TVRDefaultTDOLUsed           TVRFlag = 0x048080
	TVRIssuerAuthFailed          TVRFlag = 0x044040
	TVRScriptFailedBeforeFinalAC TVRFlag = 0x042020
	TVRScriptFailedAfterFinalAC  TVRFlag = 0x041010
	TVRRelayThresholdExceeded    TVRFlag = 0x040808
	TVRRelayTimeLimitsExceeded   TVRFlag = 0x040404
	TVRRelayNotPerformed         TVRFlag = 0x040301 // b2-b1 = 01
	TVRRelayPerformed            TVRFlag = 0x040302 // b2-b1 = 10
)

var tvrBits = []bitDef{
	{0x008080, "Offline data authentication was not performed"},
	{0x004040, "SDA failed"},
	{0x002020, "ICC data missing"},
	{0x001010, "Card appears on terminal exception file"},
	{0x000808, "DDA failed"},
	{0x000404, "CDA failed"},
	{0x000202, "SDA selected"},
	{0x018080, "ICC and terminal have different application versions"},
	{0x014040, "Expired application"},
	{0x012020, "Application not yet effective"},
	{0x011010, "Requested service not allowed for card product"},
	{0x010808, "New card"},
	{0x028080, "Cardholder verification was not successful"},
	{0x024040, "Unrecognised CVM"},
	{0x022020, "PIN Try Limit exceeded"},
	{0x021010, "PIN entry required and PIN pad not present or not working"},
	{0x020808, "PIN entry required, PIN pad present, but PIN was not entered"},
	{0x020404, "Online PIN entered"},
	{0x038080, "Transaction exceeds floor limit"},
	{0x034040, "Lower consecutive offline limit exceeded"},
	{0x032020, "Upper consecutive offline limit exceeded"},
	{0x031010, "Transaction selected randomly for online processing"},
	{0x030808, "Merchant forced transaction online"},
	{0x048080, "Default TDOL used"},
	{0x044040, "Issuer authentication failed"},
	{0x042020, "Script processing failed before final GENERATE AC"},
	{0x041010, "Script processing failed after final GENERATE AC"},
	{0x040808, "Relay resistance threshold exceeded"},
	{0x040404, "Relay resistance time limits exceeded"},
	{0x040301, "Relay resistance protocol not performed"},
	{0x040302, "Relay resistance protocol performed"},
}

// ParseTVR copies a 5-byte tag 95 value.
func ParseTVR(b []byte) (TVR, error) {
	var t TVR
	if err := fixed("TVR (95)", b, len(t)); err != nil {
		return t, err
	}
	copy(t[:], b)
	return t, nil
}

// Set sets the flag's bits.
func (t *TVR) Set(f TVRFlag) { setFlag(t[:], uint32(f)) }

// Clear clears the bits the flag covers.
func (t *TVR) Clear(f TVRFlag) { clearFlag(t[:], uint32(f)) }

// Has reports whether the flag is set.
func (t TVR) Has(f TVRFlag) bool { return hasFlag(t[:], uint32(f)) }

// Flags lists the set flags in the order of the standard's table.
func (t TVR) Flags() []TVRFlag {
	var out []TVRFlag
	for _, f := range setFlags(t[:], tvrBits) {
		out = append(out, TVRFlag(f))
	}
	return out
}

// Describe returns the standard's words for every set bit.
func (t TVR) Describe() []string { return describeFlags(t[:], tvrBits) }

// String returns the value in hex, "0000008000".
func (t TVR) String() string { return hexString(t[:]) }

// String returns the standard's words for the flag.
func (f TVRFlag) String() string { return flagText(tvrBits, uint32(f)) }

// TSI is the Transaction Status Information (tag 9B, EMV Book 3 Annex C6).
type TSI [2]byte

// TSIFlag names one bit of the TSI.
type TSIFlag uint32

// TSI bits, EMV 4.4 Book 3 Table 47.
const (
	TSIOfflineDataAuthPerformed  TSIFlag = 0x008080
	TSICVMPerformed              TSIFlag = 0x004040
	TSICardRiskMgmtPerformed     TSIFlag = 0x002020
	TSIIssuerAuthPerformed       TSIFlag = 0x001010
	TSITerminalRiskMgmtPerformed TSIFlag = 0x000808
	TSIScriptProcessingPerformed TSIFlag = 0x000404
)

var tsiBits = []bitDef{
	{0x008080, "Offline data authentication was performed"},
	{0x004040, "Cardholder verification was performed"},
	{0x002020, "Card risk management was performed"},
	{0x001010, "Issuer authentication was performed"},
	{0x000808, "Terminal risk management was performed"},
	{0x000404, "Script processing was performed"},
}

// ParseTSI copies a 2-byte tag 9B value.
func ParseTSI(b []byte) (TSI, error) {
	var t TSI
	if err := fixed("TSI (9B)", b, len(t)); err != nil {
		return t, err
	}
	copy(t[:], b)
	return t, nil
}

// Set sets the flag.
func (t *TSI) Set(f TSIFlag) { setFlag(t[:], uint32(f)) }

// Clear clears the flag.
func (t *TSI) Clear(f TSIFlag) { clearFlag(t[:], uint32(f)) }

// Has reports whether the flag is set.
func (t TSI) Has(f TSIFlag) bool { return hasFlag(t[:], uint32(f)) }

// Describe returns the standard's words for every set bit.
func (t TSI) Describe() []string { return describeFlags(t[:], tsiBits) }

// String returns the value in hex.
func (t TSI) String() string { return hexString(t[:]) }

// String returns the standard's words for the flag.
func (f TSIFlag) String() string { return flagText(tsiBits, uint32(f)) }

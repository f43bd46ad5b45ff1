package emv

import (
	"fmt"
	"strconv"
)

// IADFormat is the layout of an Issuer Application Data value (tag 9F10).
type IADFormat uint8

// Layouts the decoder knows.
const (
	IADUnknown IADFormat = iota
	// IADVisa is VIS format 0/1/3 (CVN 10, 17, 18; also PBOC 2.0/3.0):
	// length, DKI, CVN, 4-byte CVR starting with its length 03, optional
	// issuer discretionary data.
	IADVisa
	// IADVisa2 is VIS 1.6 format 2 (CVN 22): 1F, CVN, DKI, 5-byte CVR,
	// issuer discretionary data, 32 bytes in all.
	IADVisa2
	// IADMChip is Mastercard M/Chip 4 / M/Chip Advance: DKI, CVN, 6-byte
	// CVR, 2-byte DAC/IDN, counters.
	IADMChip
	// IADCCD is the EMV Common Core Definitions format A (EMV Book 3
	// Annex C9), used by UnionPay ICS and other CCD cards: 0F, CCI, DKI,
	// 5-byte CVR, 8 counter bytes, 0F, 15 bytes issuer discretionary data.
	IADCCD
)

func (f IADFormat) String() string {
	switch f {
	case IADVisa:
		return "Visa format 0/1/3"
	case IADVisa2:
		return "Visa format 2"
	case IADMChip:
		return "Mastercard M/Chip"
	case IADCCD:
		return "EMV CCD format A"
	}
	return "unknown"
}

// IAD is a decoded tag 9F10 value. Slices alias the input.
type IAD struct {
	Format   IADFormat
	DKI      byte   // derivation key index
	CVN      byte   // cryptogram version number (CCD: the CCI's low nibble)
	CCI      byte   // CCD common core identifier
	CVR      []byte // card verification results
	DAC      []byte // M/Chip data authentication code / ICC dynamic number
	Counters []byte // M/Chip and CCD counters
	IDD      []byte // issuer discretionary data
	Raw      []byte
}

// ParseIAD recognises the layout of a 9F10 value. The scheme (from the AID,
// see SchemeOfAID) breaks ties; SchemeEMV lets the shape decide. A value
// that matches no layout is returned with Format IADUnknown and no error:
// issuers may use proprietary formats.
func ParseIAD(b []byte, s Scheme) (IAD, error) {
	if len(b) > 32 {
		return IAD{}, fmt.Errorf("%w: IAD (9F10) is %d bytes, at most 32", ErrValue, len(b))
	}
	iad := IAD{Raw: b}
	n := len(b)
	switch {
	case n == 32 && b[0] == 0x0F && b[1]>>4 == 0x0A && b[16] == 0x0F:
		iad.Format, iad.CCI, iad.CVN, iad.DKI = IADCCD, b[1], b[1]&0x0F, b[2]
		iad.CVR, iad.Counters, iad.IDD = b[3:8], b[8:16], b[17:32]
	case n == 32 && b[0] == 0x1F:
		iad.Format, iad.CVN, iad.DKI = IADVisa2, b[1], b[2]
		iad.CVR, iad.IDD = b[3:8], b[8:]
	case n >= 7 && s != SchemeMastercard && (b[0] == 0x06 || b[0] == 0x07) && b[3] == 0x03:
		iad.Format, iad.DKI, iad.CVN = IADVisa, b[1], b[2]
		iad.CVR = b[3:7]
		if n > 7 {
			iad.IDD = b[7:]
		}
	case (n == 18 || n == 26 || n == 28) && s != SchemeVisa:
		iad.Format, iad.DKI, iad.CVN = IADMChip, b[0], b[1]
		iad.CVR, iad.DAC, iad.Counters = b[2:8], b[8:10], b[10:]
	}
	return iad, nil
}

// visaCVR: VIS 1.5 Appendix A CVR, bytes 2-4 of the 4-byte CVR (byte 1 is
// its length, 03).
var visaCVR = []bitDef{
	{0x01C000, "Second GENERATE AC returned AAC"},
	{0x01C040, "Second GENERATE AC returned TC"},
	{0x01C080, "Second GENERATE AC not requested"},
	{0x013000, "First GENERATE AC returned AAC"},
	{0x013010, "First GENERATE AC returned TC"},
	{0x013020, "First GENERATE AC returned ARQC"},
	{0x010808, "Issuer authentication performed and failed"},
	{0x010404, "Offline PIN verification performed"},
	{0x010202, "Offline PIN verification failed"},
	{0x010101, "Unable to go online"},
	{0x028080, "Last online transaction not completed"},
	{0x024040, "PIN Try Limit exceeded"},
	{0x022020, "Exceeded velocity checking counters"},
	{0x021010, "New card"},
	{0x020808, "Issuer authentication failure on last online transaction"},
	{0x020404, "Issuer authentication not performed after online authorisation"},
	{0x020202, "Application blocked by card because PIN Try Limit exceeded"},
	{0x020101, "Offline static data authentication failed on last transaction and transaction declined offline"},
	{0x030808, "Issuer script processing failed"},
	{0x030404, "Offline dynamic data authentication failed on last transaction and transaction declined offline"},
	{0x030202, "Offline dynamic data authentication performed"},
}

// ccdCVR: EMV Book 3 Annex C7.3 (CCD) CVR; M/Chip Advance uses the same
// first four bytes.
var ccdCVR = []bitDef{
	{0x00C000, "Second GENERATE AC returned AAC"},
	{0x00C040, "Second GENERATE AC returned TC"},
	{0x00C080, "Second GENERATE AC not requested"},
	{0x003000, "First GENERATE AC returned AAC"},
	{0x003010, "First GENERATE AC returned TC"},
	{0x003020, "First GENERATE AC returned ARQC"},
	{0x000808, "CDA performed"},
	{0x000404, "Offline DDA performed"},
	{0x000202, "Issuer authentication not performed"},
	{0x000101, "Issuer authentication failed"},
	{0x010808, "Offline PIN verification performed"},
	{0x010404, "Offline PIN verification performed and PIN not successfully verified"},
	{0x010202, "PIN Try Limit exceeded"},
	{0x010101, "Last online transaction not completed"},
	{0x028080, "Lower offline transaction count limit exceeded"},
	{0x024040, "Upper offline transaction count limit exceeded"},
	{0x022020, "Lower cumulative offline amount limit exceeded"},
	{0x021010, "Upper cumulative offline amount limit exceeded"},
	{0x020808, "Issuer-discretionary bit 1"},
	{0x020404, "Issuer-discretionary bit 2"},
	{0x020202, "Issuer-discretionary bit 3"},
	{0x020101, "Issuer-discretionary bit 4"},
	{0x030808, "Issuer script processing failed on last transaction"},
	{0x030404, "Offline data authentication failed on previous transaction"},
	{0x030202, "Go online on next transaction was set"},
	{0x030101, "Unable to go online"},
}

// describeCVR lists the words of the set CVR bits; multi-bit fields
// (AC types, counters) are reported once each.
func describeCVR(cvr []byte, defs []bitDef, scriptNibbleByte int, ptcNibbleByte int) []string {
	var out []string
	for _, d := range defs {
		// Two-bit fields match with value 00 too: that is "AAC".
		if hasFlag(cvr, d.f) {
			out = append(out, d.text)
		}
	}
	if scriptNibbleByte >= 0 && scriptNibbleByte < len(cvr) {
		if n := cvr[scriptNibbleByte] >> 4; n != 0 {
			out = append(out, strconv.Itoa(int(n))+" issuer script commands processed")
		}
	}
	if ptcNibbleByte >= 0 && ptcNibbleByte < len(cvr) {
		out = append(out, "PIN Try Counter (low nibble) "+strconv.Itoa(int(cvr[ptcNibbleByte]>>4)))
	}
	return out
}

// Describe explains the fields and the CVR bits.
func (i IAD) Describe() []string {
	out := []string{"format: " + i.Format.String()}
	if i.Format == IADUnknown {
		return out
	}
	if i.Format == IADCCD {
		out = append(out, "CCI "+hexString([]byte{i.CCI})+" (cryptogram version "+strconv.Itoa(int(i.CVN))+")")
	} else {
		out = append(out, "CVN "+hexString([]byte{i.CVN})+" ("+strconv.Itoa(int(i.CVN))+")")
	}
	out = append(out, "DKI "+hexString([]byte{i.DKI}), "CVR "+hexString(i.CVR))
	switch i.Format {
	case IADVisa:
		for _, s := range describeCVR(i.CVR, visaCVR, 3, -1) {
			out = append(out, "CVR: "+s)
		}
	case IADCCD, IADMChip:
		for _, s := range describeCVR(i.CVR, ccdCVR, 3, 1) {
			out = append(out, "CVR: "+s)
		}
	}
	if len(i.DAC) > 0 {
		out = append(out, "DAC/IDN "+hexString(i.DAC))
	}
	if len(i.Counters) > 0 {
		out = append(out, "counters "+hexString(i.Counters))
	}
	if len(i.IDD) > 0 {
		out = append(out, "issuer discretionary data "+hexString(i.IDD))
	}
	return out
}

package iso8583

// Data element classes of ISO 8583:1987 §4.
type deClass uint8

const (
	deN  deClass = iota // numeric
	deAN                // alphanumeric / special (an, ans, ns, x+n)
	deB                 // binary
	deZ                 // track 2/3 code set
)

type de struct {
	class  deClass
	length int
	vari   int // 0 fixed, 2 LLVAR, 3 LLLVAR
	name   string
}

// iso87Elements is ISO 8583:1987 Table 1 (data elements 2-128). Element 65
// (the tertiary-bitmap indicator) is not defined: a message that sets it
// is refused.
var iso87Elements = map[int]de{
	2: {deN, 19, 2, "Primary Account Number"}, 3: {deN, 6, 0, "Processing Code"},
	4: {deN, 12, 0, "Amount, Transaction"}, 5: {deN, 12, 0, "Amount, Settlement"},
	6: {deN, 12, 0, "Amount, Cardholder Billing"}, 7: {deN, 10, 0, "Transmission Date & Time"},
	8: {deN, 8, 0, "Amount, Cardholder Billing Fee"}, 9: {deN, 8, 0, "Conversion Rate, Settlement"},
	10: {deN, 8, 0, "Conversion Rate, Cardholder Billing"}, 11: {deN, 6, 0, "System Trace Audit Number"},
	12: {deN, 6, 0, "Time, Local Transaction"}, 13: {deN, 4, 0, "Date, Local Transaction"},
	14: {deN, 4, 0, "Date, Expiration"}, 15: {deN, 4, 0, "Date, Settlement"},
	16: {deN, 4, 0, "Date, Conversion"}, 17: {deN, 4, 0, "Date, Capture"},
	18: {deN, 4, 0, "Merchant Type"}, 19: {deN, 3, 0, "Acquiring Institution Country Code"},
	20: {deN, 3, 0, "PAN Extended Country Code"}, 21: {deN, 3, 0, "Forwarding Institution Country Code"},
	22: {deN, 3, 0, "Point of Service Entry Mode"}, 23: {deN, 3, 0, "Card Sequence Number"},
	24: {deN, 3, 0, "Network International Identifier"}, 25: {deN, 2, 0, "Point of Service Condition Code"},
	26: {deN, 2, 0, "Point of Service PIN Capture Code"}, 27: {deN, 1, 0, "Authorization Identification Response Length"},
	28: {deAN, 9, 0, "Amount, Transaction Fee"}, 29: {deAN, 9, 0, "Amount, Settlement Fee"},
	30: {deAN, 9, 0, "Amount, Transaction Processing Fee"}, 31: {deAN, 9, 0, "Amount, Settlement Processing Fee"},
	32: {deN, 11, 2, "Acquiring Institution Identification Code"}, 33: {deN, 11, 2, "Forwarding Institution Identification Code"},
	34: {deAN, 28, 2, "Primary Account Number, Extended"}, 35: {deZ, 37, 2, "Track 2 Data"},
	36: {deZ, 104, 3, "Track 3 Data"}, 37: {deAN, 12, 0, "Retrieval Reference Number"},
	38: {deAN, 6, 0, "Authorization Identification Response"}, 39: {deAN, 2, 0, "Response Code"},
	40: {deAN, 3, 0, "Service Restriction Code"}, 41: {deAN, 8, 0, "Card Acceptor Terminal Identification"},
	42: {deAN, 15, 0, "Card Acceptor Identification Code"}, 43: {deAN, 40, 0, "Card Acceptor Name/Location"},
	44: {deAN, 25, 2, "Additional Response Data"}, 45: {deAN, 76, 2, "Track 1 Data"},
	46: {deAN, 999, 3, "Additional Data - ISO"}, 47: {deAN, 999, 3, "Additional Data - National"},
	48: {deAN, 999, 3, "Additional Data - Private"}, 49: {deAN, 3, 0, "Currency Code, Transaction"},
	50: {deAN, 3, 0, "Currency Code, Settlement"}, 51: {deAN, 3, 0, "Currency Code, Cardholder Billing"},
	52: {deB, 8, 0, "PIN Data"}, 53: {deN, 16, 0, "Security Related Control Information"},
	54: {deAN, 120, 3, "Additional Amounts"}, 55: {deB, 255, 3, "ICC System Related Data"},
	56: {deAN, 999, 3, "Reserved ISO"}, 57: {deAN, 999, 3, "Reserved National"},
	58: {deAN, 999, 3, "Reserved National"}, 59: {deAN, 999, 3, "Reserved National"},
	60: {deAN, 999, 3, "Reserved National"}, 61: {deAN, 999, 3, "Reserved Private"},
	62: {deAN, 999, 3, "Reserved Private"}, 63: {deAN, 999, 3, "Reserved Private"},
	64: {deB, 8, 0, "Message Authentication Code"},
	66: {deN, 1, 0, "Settlement Code"}, 67: {deN, 2, 0, "Extended Payment Code"},
	68: {deN, 3, 0, "Receiving Institution Country Code"}, 69: {deN, 3, 0, "Settlement Institution Country Code"},
	70: {deN, 3, 0, "Network Management Information Code"}, 71: {deN, 4, 0, "Message Number"},
	72: {deN, 4, 0, "Message Number, Last"}, 73: {deN, 6, 0, "Date, Action"},
	74: {deN, 10, 0, "Credits, Number"}, 75: {deN, 10, 0, "Credits Reversal, Number"},
	76: {deN, 10, 0, "Debits, Number"}, 77: {deN, 10, 0, "Debits Reversal, Number"},
	78: {deN, 10, 0, "Transfer, Number"}, 79: {deN, 10, 0, "Transfer Reversal, Number"},
	80: {deN, 10, 0, "Inquiries, Number"}, 81: {deN, 10, 0, "Authorizations, Number"},
	82: {deN, 12, 0, "Credits, Processing Fee Amount"}, 83: {deN, 12, 0, "Credits, Transaction Fee Amount"},
	84: {deN, 12, 0, "Debits, Processing Fee Amount"}, 85: {deN, 12, 0, "Debits, Transaction Fee Amount"},
	86: {deN, 16, 0, "Credits, Amount"}, 87: {deN, 16, 0, "Credits Reversal, Amount"},
	88: {deN, 16, 0, "Debits, Amount"}, 89: {deN, 16, 0, "Debits Reversal, Amount"},
	90: {deN, 42, 0, "Original Data Elements"}, 91: {deAN, 1, 0, "File Update Code"},
	92: {deAN, 2, 0, "File Security Code"}, 93: {deAN, 5, 0, "Response Indicator"},
	94: {deAN, 7, 0, "Service Indicator"}, 95: {deAN, 42, 0, "Replacement Amounts"},
	96: {deB, 8, 0, "Message Security Code"}, 97: {deAN, 17, 0, "Amount, Net Settlement"},
	98: {deAN, 25, 0, "Payee"}, 99: {deN, 11, 2, "Settlement Institution Identification Code"},
	100: {deN, 11, 2, "Receiving Institution Identification Code"}, 101: {deAN, 17, 2, "File Name"},
	102: {deAN, 28, 2, "Account Identification 1"}, 103: {deAN, 28, 2, "Account Identification 2"},
	104: {deAN, 100, 3, "Transaction Description"},
	105: {deAN, 999, 3, "Reserved ISO"}, 106: {deAN, 999, 3, "Reserved ISO"}, 107: {deAN, 999, 3, "Reserved ISO"},
	108: {deAN, 999, 3, "Reserved ISO"}, 109: {deAN, 999, 3, "Reserved ISO"}, 110: {deAN, 999, 3, "Reserved ISO"},
	111: {deAN, 999, 3, "Reserved ISO"}, 112: {deAN, 999, 3, "Reserved National"}, 113: {deAN, 999, 3, "Reserved National"},
	114: {deAN, 999, 3, "Reserved National"}, 115: {deAN, 999, 3, "Reserved National"}, 116: {deAN, 999, 3, "Reserved National"},
	117: {deAN, 999, 3, "Reserved National"}, 118: {deAN, 999, 3, "Reserved National"}, 119: {deAN, 999, 3, "Reserved National"},
	120: {deAN, 999, 3, "Reserved Private"}, 121: {deAN, 999, 3, "Reserved Private"}, 122: {deAN, 999, 3, "Reserved Private"},
	123: {deAN, 999, 3, "Reserved Private"}, 124: {deAN, 999, 3, "Reserved Private"}, 125: {deAN, 999, 3, "Reserved Private"},
	126: {deAN, 999, 3, "Reserved Private"}, 127: {deAN, 999, 3, "Reserved Private"},
	128: {deB, 8, 0, "Message Authentication Code"},
}

// ISO87ASCIISpec returns a new ISO 8583:1987 spec for host-to-host links
// that carry every element as ASCII characters (numerics as digits, lengths
// as ASCII "LL"/"LLL") behind a binary primary and secondary bitmap.
func ISO87ASCIISpec() *Spec { return iso87Spec(false) }

// ISO87BCDSpec returns a new ISO 8583:1987 spec with packed numerics: BCD
// MTI, BCD numeric elements (variable ones left-aligned), BCD length
// prefixes, packed track data, ASCII text and a binary bitmap.
func ISO87BCDSpec() *Spec { return iso87Spec(true) }

func iso87Spec(packed bool) *Spec {
	pf := ASCIIPrefixers()
	ascii := ASCIIEncoder()
	mti := str(4, "Message Type Indicator", ascii, pf.Fixed)
	name := "ISO 8583:1987 ASCII"
	bcd, lbcd := BCDEncoder(), LBCDEncoder()
	if packed {
		pf = BCDPrefixers()
		mti = str(4, "Message Type Indicator", bcd, pf.Fixed)
		name = "ISO 8583:1987 BCD"
	}
	fields := map[int]*FieldSpec{0: mti}
	for id, d := range iso87Elements {
		pref := pf.Fixed
		switch d.vari {
		case 2:
			pref = pf.LL
		case 3:
			pref = pf.LLL
		}
		var f *FieldSpec
		switch {
		case d.class == deB && d.vari == 0:
			f = bin(d.length, d.name, BinaryFixed())
		case d.class == deB:
			f = bin(d.length, d.name, pref)
		case !packed:
			f = str(d.length, d.name, ascii, pref)
		case d.class == deN && d.vari == 0:
			f = str(d.length, d.name, bcd, pref)
		case d.class == deN && id == 2:
			f = str(d.length, d.name, PANEncoder(0xF), pref)
		case d.class == deN:
			f = str(d.length, d.name, lbcd, pref)
		case d.class == deZ:
			f = str(d.length, d.name, TrackEncoder(0xF), pref)
		default:
			f = str(d.length, d.name, ascii, pref)
		}
		if d.class == deN && d.vari == 0 && d.length <= 18 {
			f.Type = FieldNumeric // fits moov's int64 Numeric
		}
		fields[id] = f
	}
	return &Spec{Name: name, SecondaryBitmap: true, Fields: fields}
}

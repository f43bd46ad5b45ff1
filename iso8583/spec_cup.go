package iso8583

// Spec helpers: one line per field keeps the tables readable next to the
// specification they transcribe.

func str(n int, desc string, enc Encoder, pref Prefixer) *FieldSpec {
	return &FieldSpec{Type: FieldString, Length: n, Description: desc, Enc: enc, Pref: pref}
}

// num is a fixed-length numeric field.
func num(n int, desc string, enc Encoder, pref Prefixer) *FieldSpec {
	return &FieldSpec{Type: FieldNumeric, Length: n, Description: desc, Enc: enc, Pref: pref}
}

func bin(n int, desc string, pref Prefixer) *FieldSpec {
	return &FieldSpec{Type: FieldBinary, Length: n, Description: desc, Enc: binaryEncoder{}, Pref: pref}
}

func gbkField(n int, desc string, pref Prefixer, fixed bool) *FieldSpec {
	return &FieldSpec{Type: FieldString, Length: n, Description: desc, Enc: asciiEncoder{}, Pref: pref, Packer: gbk{fixed: fixed}}
}

// CUPField60Max is the longest field 60 CUPSpec accepts, in digits. The
// subfields public terminal code defines (60.1-60.7, see Field60) take
// 17; newer CUP terminal specifications let field 60 grow beyond that
// (the issue reporting it saw 19-digit fields from real terminals), and
// an LLLVAR n field may hold up to 999 digits, so the table allows 99:
// anything after 60.7 is kept as Field60.Extra and re-packed unchanged.
const CUPField60Max = 99

// CUPSpec returns a new Spec for the China UnionPay POS
// terminal dialect (银联POS终端规范): BCD numerics, left-aligned BCD for
// fields 22, 32, 48, 60 and 61, packed PAN and track data padded with F,
// GBK text in fields 43, 44 and 63. The field table is transcribed from the
// CUP POS specification as collected in the package's reference notes; the
// public 0800/0810 sign-in messages unpack and re-pack byte for byte.
//
// Each call returns a fresh spec, so a caller may adjust fields for its
// acquirer (for example a 0-padded PAN) without affecting anyone else.
//
// The packed numerics and length prefixes (BCDEncoder, LBCDEncoder,
// BCDPrefixers) pack exactly as moov's encoding.BCD, encoding.LBCD and
// prefix.BCD do (package iso8583/moovx checks it).
func CUPSpec() *Spec {
	bcd, lbcd, ascii, pf := BCDEncoder(), LBCDEncoder(), ASCIIEncoder(), BCDPrefixers()
	fixed, ll, lll := pf.Fixed, pf.LL, pf.LLL
	afixed := ASCIIPrefixers().Fixed
	return &Spec{
		Name: "CUP POS",
		Fields: map[int]*FieldSpec{
			0:  str(4, "Message Type Indicator", bcd, fixed),
			2:  str(19, "Primary Account Number", PANEncoder(0xF), ll),
			3:  num(6, "Processing Code", bcd, fixed),
			4:  num(12, "Amount, Transaction", bcd, fixed),
			11: num(6, "System Trace Audit Number", bcd, fixed),
			12: num(6, "Time, Local Transaction", bcd, fixed),
			13: num(4, "Date, Local Transaction", bcd, fixed),
			14: num(4, "Date, Expiration", bcd, fixed),
			15: num(4, "Date, Settlement", bcd, fixed),
			22: num(3, "Point of Service Entry Mode", lbcd, fixed),
			23: num(3, "Card Sequence Number", bcd, fixed),
			25: num(2, "Point of Service Condition Code", bcd, fixed),
			26: num(2, "Point of Service PIN Capture Code", bcd, fixed),
			32: str(11, "Acquiring Institution Identification Code", lbcd, ll),
			35: str(37, "Track 2 Data", TrackEncoder(0xF), ll),
			36: str(104, "Track 3 Data", TrackEncoder(0xF), lll),
			37: str(12, "Retrieval Reference Number", ascii, afixed),
			38: str(6, "Authorization Identification Response", ascii, afixed),
			39: str(2, "Response Code", ascii, afixed),
			41: str(8, "Card Acceptor Terminal Identification", ascii, afixed),
			42: str(15, "Card Acceptor Identification Code", ascii, afixed),
			43: gbkField(40, "Card Acceptor Name/Location", afixed, true),
			44: gbkField(25, "Additional Response Data", ll, false),
			48: str(322, "Additional Data - Private", lbcd, lll),
			49: str(3, "Currency Code, Transaction", ascii, afixed),
			52: bin(8, "PIN Data", BinaryFixed()),
			53: num(16, "Security Related Control Information", bcd, fixed),
			54: str(20, "Additional Amounts", ascii, lll),
			55: bin(255, "ICC System Related Data", lll),
			58: str(100, "PBOC Electronic Data", ascii, lll),
			59: str(600, "Terminal Information", ascii, lll),
			60: str(CUPField60Max, "Reserved Private (CUP 60)", lbcd, lll),
			61: str(29, "Original Message Data (CUP 61)", lbcd, lll),
			62: bin(512, "Reserved Private (CUP 62)", lll),
			63: gbkField(163, "Reserved Private (CUP 63)", lll, false),
			64: bin(8, "Message Authentication Code", BinaryFixed()),
		},
	}
}

// WithNibblePad sets the pad nibble of spec's packed PAN and track fields
// (PANEncoder, TrackEncoder) to pad, 0xF or 0x0: CUP dialects differ
// (reference notes §3.3: "odd length padded with 0 or F"). Unpacking
// accepts either; packing writes the dialect's. Call it before the spec
// is used; it returns spec.
func WithNibblePad(spec *Spec, pad byte) *Spec {
	for _, f := range spec.Fields {
		if e, ok := f.Enc.(nibbleEncoder); ok {
			e.pad = pad & 0xF
			f.Enc = e
		}
	}
	return spec
}

package iso8583

import (
	moov "github.com/moov-io/iso8583"
	"github.com/moov-io/iso8583/encoding"
	"github.com/moov-io/iso8583/field"
	"github.com/moov-io/iso8583/prefix"
)

// Spec helpers: one line per field keeps the tables readable next to the
// specification they transcribe.

func str(n int, desc string, enc encoding.Encoder, pref prefix.Prefixer) field.Field {
	return field.NewString(&field.Spec{Length: n, Description: desc, Enc: enc, Pref: pref})
}

func bin(n int, desc string, pref prefix.Prefixer) field.Field {
	return field.NewBinary(&field.Spec{Length: n, Description: desc, Enc: encoding.Binary, Pref: pref})
}

func gbkField(n int, desc string, pref prefix.Prefixer, fixed bool) field.Field {
	p := gbk{fixed: fixed}
	return field.NewString(&field.Spec{Length: n, Description: desc, Enc: p, Pref: pref, Packer: p, Unpacker: p})
}

func bitmap64() *field.Bitmap {
	// POS messages carry one 64-bit bitmap; DisableAutoExpand keeps a set
	// bit 1 from pulling in a secondary bitmap (Unpack rejects it).
	return field.NewBitmap(&field.Spec{Length: 8, Description: "Bitmap", Enc: encoding.Binary, Pref: prefix.Binary.Fixed, DisableAutoExpand: true})
}

// CUPSpec returns a new moov-io MessageSpec for the China UnionPay POS
// terminal dialect (银联POS终端规范): BCD numerics, left-aligned BCD for
// fields 22, 32, 48, 60 and 61, packed PAN and track data padded with F,
// GBK text in fields 43, 44 and 63. The field table is transcribed from the
// CUP POS specification as collected in the package's reference notes; the
// public 0800/0810 sign-in messages unpack and re-pack byte for byte.
//
// Each call returns a fresh spec, so a caller may adjust fields for its
// acquirer (for example a 0-padded PAN) without affecting anyone else.
//
// The packed numerics and length prefixes use this package's BCDEncoder,
// LBCDEncoder and BCDPrefixers, which pack exactly as moov's encoding.BCD,
// encoding.LBCD and prefix.BCD do but without building lookup tables for
// every field.
func CUPSpec() *moov.MessageSpec {
	bcd, lbcd, ascii, pf := BCDEncoder(), LBCDEncoder(), encoding.ASCII, BCDPrefixers()
	fixed, ll, lll := pf.Fixed, pf.LL, pf.LLL
	return &moov.MessageSpec{
		Name: "CUP POS",
		Fields: map[int]field.Field{
			0:  str(4, "Message Type Indicator", bcd, fixed),
			1:  bitmap64(),
			2:  str(19, "Primary Account Number", PANEncoder(0xF), ll),
			3:  str(6, "Processing Code", bcd, fixed),
			4:  str(12, "Amount, Transaction", bcd, fixed),
			11: str(6, "System Trace Audit Number", bcd, fixed),
			12: str(6, "Time, Local Transaction", bcd, fixed),
			13: str(4, "Date, Local Transaction", bcd, fixed),
			14: str(4, "Date, Expiration", bcd, fixed),
			15: str(4, "Date, Settlement", bcd, fixed),
			22: str(3, "Point of Service Entry Mode", lbcd, fixed),
			23: str(3, "Card Sequence Number", bcd, fixed),
			25: str(2, "Point of Service Condition Code", bcd, fixed),
			26: str(2, "Point of Service PIN Capture Code", bcd, fixed),
			32: str(11, "Acquiring Institution Identification Code", lbcd, ll),
			35: str(37, "Track 2 Data", TrackEncoder(0xF), ll),
			36: str(104, "Track 3 Data", TrackEncoder(0xF), lll),
			37: str(12, "Retrieval Reference Number", ascii, prefix.ASCII.Fixed),
			38: str(6, "Authorization Identification Response", ascii, prefix.ASCII.Fixed),
			39: str(2, "Response Code", ascii, prefix.ASCII.Fixed),
			41: str(8, "Card Acceptor Terminal Identification", ascii, prefix.ASCII.Fixed),
			42: str(15, "Card Acceptor Identification Code", ascii, prefix.ASCII.Fixed),
			43: gbkField(40, "Card Acceptor Name/Location", prefix.ASCII.Fixed, true),
			44: gbkField(25, "Additional Response Data", ll, false),
			48: str(322, "Additional Data - Private", lbcd, lll),
			49: str(3, "Currency Code, Transaction", ascii, prefix.ASCII.Fixed),
			52: bin(8, "PIN Data", prefix.Binary.Fixed),
			53: str(16, "Security Related Control Information", bcd, fixed),
			54: str(20, "Additional Amounts", ascii, lll),
			55: bin(255, "ICC System Related Data", lll),
			58: str(100, "PBOC Electronic Data", ascii, lll),
			59: str(600, "Terminal Information", ascii, lll),
			60: str(17, "Reserved Private (CUP 60)", lbcd, lll),
			61: str(29, "Original Message Data (CUP 61)", lbcd, lll),
			62: bin(512, "Reserved Private (CUP 62)", lll),
			63: gbkField(163, "Reserved Private (CUP 63)", lll, false),
			64: bin(8, "Message Authentication Code", prefix.Binary.Fixed),
		},
	}
}

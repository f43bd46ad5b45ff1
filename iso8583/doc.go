// Package iso8583 speaks ISO 8583 the way payment terminals do, with the
// China UnionPay (CUP) POS dialect first: 2-byte length, 5-byte TPDU,
// 6-byte header, BCD fields, CUP fields 60-63 and a MAC in field 64.
//
// It is built on github.com/moov-io/iso8583 and adds what that packer
// lacks: packed track data and F-padded PANs (PANEncoder, TrackEncoder),
// GBK text (GBKPacker), the TPDU and header (Framing, Envelope), and the
// field-64 MAC over MTI through field 63 (Codec, MAC). CUPSpec,
// ISO87ASCIISpec and ISO87BCDSpec are plain moov MessageSpec tables, so
// everything moov offers still works on them; their packed numerics use
// this package's BCDEncoder, LBCDEncoder and BCDPrefixers, which pack as
// moov's own do without building lookup tables per field. For a CUP-style
// spec (one 64-bit bitmap, string and binary fields) the Codec packs and
// unpacks a Transaction without a moov Message, with the same bytes.
//
// Start with a Codec (NewCodec, then WithMAC once sign-in has delivered
// the MAK) and a Transaction: typed fields, a Kind (sale, void, refund,
// pre-authorisation, reversal, settlement ...) whose required fields are
// checked before packing, builders that derive a reversal, void, refund or
// completion from its original, and Response for the host side.
// Codec.Pack returns a whole frame; ReadFrame and Codec.Unpack take one
// apart and verify its MAC in constant time (errors.Is(err, ErrMAC));
// a host with a MAK per terminal uses UnpackTransactionFor.
// A PIN block from a DUKPT PIN pad travels with its key serial number
// (Transaction.KSN, SetPINBlock) in a field the acquirer names with
// WithKSNField: the CUP dialect has no element for it.
// Describe dumps any message with the PAN masked and track data, PIN
// block and keys hidden. A Transaction prints, logs and marshals (json,
// xml) the same way; a store that must keep the PAN asks for it with
// Transaction.MarshalStorage.
//
// Not here: sockets, retries and the reversal journal (package
// iso8583/link), key management and MAC algorithms (package keys), PIN
// blocks (package pinblock), and EMV data inside field 55 (package emv).
//
// First calls: a codec for the CUP spec with a MAC, a sale packed, an
// answer unpacked (its MAC verified).
//
//	mac, err := iso8583.NewMAC(iso8583.MACX919, mak)
//	codec := iso8583.NewCodec(iso8583.CUPSpec(), iso8583.Framing{}).WithMAC(mac)
//	t := &iso8583.Transaction{Kind: iso8583.KindSale, PAN: "6225880123456780", Amount: 1234, STAN: 1,
//		TerminalID: "12345678", MerchantID: "898100012340001", EntryMode: "051", Field60: &iso8583.Field60{Batch: 1}}
//	frame, err := codec.Pack(iso8583.Envelope{}, t)
//	_, resp, err := codec.Unpack(answer)                  // errors.Is(err, iso8583.ErrMAC)
//	resp.ResponseCode.Approved()
package iso8583

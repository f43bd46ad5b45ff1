// Package tlv reads and writes BER-TLV, the encoding of EMV card data,
// ISO 8583 field 55 and consumer-presented QR codes (EMV Book 3 Annex B).
//
// Start with Scanner: it walks a buffer one object at a time without
// allocating, hands out values as sub-slices, and rejects malformed input
// (truncated tags, lengths and values, indefinite length, lengths of more
// than 4 bytes, tags of more than 4 bytes, nesting deeper than MaxDepth) with
// an *Error that wraps a sentinel (errors.Is(err, tlv.ErrTruncated)) and names
// the offset. It never panics on any input.
//
// Builder appends objects to a caller's buffer, back-patching the minimal
// length of constructed objects. Find and FindPath look values up on the raw
// bytes without building a tree. DOL parses a data object list (PDOL, CDOL,
// DDOL) and fills it per EMV Book 3 §5.4.
//
// Decode and Encode convert to and from github.com/moov-io/bertlv's TLV tree,
// so code written for bertlv can switch decoders without rewriting; bytes are
// validated here first, so bertlv never sees input that makes it panic.
//
// This package knows the encoding, not the meaning: tag names, formats and
// masking of sensitive values live in package emv.
//
// First calls: walk field 55, look one tag up, build TLV.
//
//	s := tlv.NewScanner(field55)
//	for s.Next() {
//		fmt.Printf("%v %X\n", s.Tag(), s.Value())
//	}
//	if err := s.Err(); err != nil { ... }                 // *tlv.Error: sentinel and offset
//	amount, ok, err := tlv.Find(field55, 0x9F02)          // Amount, Authorised
//	b := tlv.NewBuilder(nil)
//	b.Add(0x9F02, []byte{0, 0, 0, 0, 0x12, 0x34})
//	out, err := b.Bytes()
package tlv

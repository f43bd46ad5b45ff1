// Package moovx connects package iso8583 to github.com/moov-io/iso8583
// and github.com/moov-io/iso8583-connection, for teams already on moov:
//
//   - Spec converts an iso8583.Spec (CUPSpec, ISO87ASCIISpec,
//     ISO87BCDSpec or your own) into a moov MessageSpec that packs the same
//     bytes; fixed-length numeric fields become moov Numeric fields with
//     zero padding, so tagged structs with int64 amounts Marshal and
//     Unmarshal.
//   - ToMoov/FromMoov and TransactionToMoov/TransactionFromMoov convert
//     messages both ways.
//   - ExportJSON writes a spec in moov's JSON spec format (moov's
//     specs.ImportJSON and CLI read it); ImportJSON reads it back exactly.
//   - Framer is an iso8583-connection MessageReader and MessageWriter for
//     the 2-byte length, TPDU and header framing with the codec's MAC, and
//     RequestID matches responses by terminal ID, STAN and request MTI.
//
// moov-io/iso8583 v0.26.1 does not compile for 32-bit platforms, so this
// package is empty there (its files are built on 64-bit GOARCHes only);
// package iso8583 itself builds and behaves the same everywhere. Start
// with Spec:
//
//	spec, err := moovx.Spec(iso8583.CUPSpec())
//	msg, err := moovx.TransactionToMoov(sale, spec) // a *moov.Message
//	raw, err := msg.Pack()                          // the bytes iso8583.Codec packs
package moovx

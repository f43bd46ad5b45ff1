// Package leaktest holds the module-wide test that no exported type prints,
// logs or marshals a secret (issue 23): PANs, track data, card data (tags
// 57, 5A, 9F6B…), PINs, PIN blocks, keys and key components.
//
// The test (leak_test.go) formats every secret-bearing type of the module
// with every fmt verb, fmt.Errorf, encoding/json, encoding/xml and both
// slog handlers — by value, by pointer and inside a caller's struct — and
// searches the output for each secret in clear, hex, base64, BCD and as a
// decimal byte list. A second test scans the module's source with go/parser
// and fails when an exported type that holds a secret (by its name, a field
// name, or a field of a secret-bearing type) is neither in the table nor in
// the list of types judged not secret, so a new type cannot slip past.
//
// There is nothing to import here; start at leak_test.go.
package leaktest

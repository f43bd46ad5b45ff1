// Package testvec reads the known-answer vector files of possdk's tests:
// one file format, one parser and one runner for every package.
//
// # The format
//
// A vector file lives in a package's testdata directory. It is a list of
// blocks separated by blank lines; a block is "field: value" lines. Lines
// starting with '#' are comments (the file's header says what the fields
// mean and where the values come from). Every block has a name and a
// source:
//
//	# Key check values.
//
//	name: TDES KCV (encrypt 8 zero bytes, leftmost bytes)
//	source: github.com/knovichikhin/pyemv tests/test_kd_hsm.py
//	alg: TDES2
//	key: 0123456789ABCDEFFEDCBA9876543210
//	kcv: 08D7B4
//
// Field names are the test's business (inputs and expected outputs alike;
// a dotted name such as "expect.41" groups related fields); a field appears
// once in a block. Values are text with trailing blanks trimmed (write text
// that ends in a space as hex). Bytes reads hex (spaces allowed) or, after
// the prefix "ascii:", the text itself; Str returns the text as written,
// Text without an "ascii:" prefix.
//
// # Where to start
//
// Load reads testdata/<file> (LoadFile another package's testdata) and
// fails the test on any malformed line, a block without a name or a
// source, a repeated field or an empty file. Run
// runs a function per vector as a subtest named after the vector and
// returns how many it ran. Parse is the parser itself, for fuzzing and for
// files that are not in testdata.
//
// Set TESTVEC_COUNT=1 in the environment to have Load and Run log how many
// vectors they read and ran (with go test -v), to compare a conversion's
// counts with the code it replaced.
package testvec

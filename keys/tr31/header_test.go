package tr31

import (
	"errors"
	"strings"
	"testing"

	"github.com/possdk/pos/keys"
)

// Header layouts from github.com/knovichikhin/psec tests/test_tr31.py
// (test_header_load_*): extended optional block lengths, empty blocks,
// padding blocks.
func TestParseHeader(t *testing.T) {
	for _, c := range []struct {
		in     string
		blocks []OptionalBlock
	}{
		{"B0000P0TE00N0000xxxxxxxx", nil},
		{"B0000P0TE00N0100KS1800604B120F9292800000xxxxxxxx", []OptionalBlock{{"KS", "00604B120F9292800000"}}},
		{"B0000P0TE00N0200KS1200604B120F9292PB0600", []OptionalBlock{{"KS", "00604B120F9292"}, {"PB", "00"}}},
		{"B0000P0TE00N0200KS0002010A" + strings.Repeat("P", 256) + "PB0600", []OptionalBlock{{"KS", strings.Repeat("P", 256)}, {"PB", "00"}}},
		{"B0000P0TE00N0200KS00011600604B120F9292PB0A000000", []OptionalBlock{{"KS", "00604B120F9292"}, {"PB", "000000"}}},
		{"B0000P0TE00N0400KS1800604B120F9292800000T104T20600PB0600", []OptionalBlock{{"KS", "00604B120F9292800000"}, {"T1", ""}, {"T2", "00"}, {"PB", "00"}}},
	} {
		h, err := ParseHeader(c.in)
		if err != nil {
			t.Errorf("%.40s: %v", c.in, err)
			continue
		}
		if h.Version != VersionB || h.Usage != "P0" || h.Algorithm != 'T' || h.ModeOfUse != 'E' || h.KeyVersion != "00" || h.Exportability != 'N' {
			t.Errorf("%.40s: header %s", c.in, h)
		}
		if len(h.Blocks) != len(c.blocks) {
			t.Errorf("%.40s: %d blocks, want %d", c.in, len(h.Blocks), len(c.blocks))
			continue
		}
		for i := range c.blocks {
			if h.Blocks[i] != c.blocks[i] {
				t.Errorf("%.40s: block %d = %v, want %v", c.in, i, h.Blocks[i], c.blocks[i])
			}
		}
	}
	// The encoder writes the psec form of a >255-byte block.
	h := Header{Version: VersionB, Usage: "P0", Algorithm: 'T', ModeOfUse: 'E', KeyVersion: "00", Exportability: 'N',
		KeyContext: '0', Reserved: '0', Blocks: []OptionalBlock{{"KS", strings.Repeat("P", 256)}}}
	blocks, n, err := h.layout()
	if err != nil {
		t.Fatal(err)
	}
	if got := string(h.appendHeader(nil, 0, blocks)); got[4:] != "0P0TE00N0200KS0002010A"+strings.Repeat("P", 256)+"PB0600" || n != len(got) {
		t.Errorf("extended block encodes as %.60s... (%d bytes, layout %d)", got, len(got), n)
	}
}

// Malformed headers, after psec test_header_block_load_exceptions and
// test_header_load_exceptions.
func TestParseHeaderErrors(t *testing.T) {
	for _, in := range []string{
		"", "B0000", "_0000P0TE00N0000", "B0000P0TE00N0X00",
		"B0000P0TE00N0100", "B0000P0TE00N0100K", "B0000P0TE00N0100KS", "B0000P0TE00N0100KS1",
		"B0000P0TE00N0100KS1Y", "B0000P0TE00N0100KS02", "B0000P0TE00N0100KS071", "B0000P0TE00N0100KS00",
		"B0000P0TE00N0100KS001", "B0000P0TE00N0100KS001S", "B0000P0TE00N0100KS0000", "B0000P0TE00N0100KS0001",
		"B0000P0TE00N0100KS00010", "B0000P0TE00N0100KS00010H", "B0000P0TE00N0100KS000101", "B0000P0TE00N0100KS0001FF",
		"B0000P0TE00N0200KS07000T", "B0000P0TE00N0200KS04TT05", "B0000P0TE00N0100**04",
		"B0000P0TE00N0100KS05\x03", "B0000P0TE00N0200KS04TT05\xFF",
	} {
		if _, err := ParseHeader(in); err == nil {
			t.Errorf("%q parsed", in)
		} else if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrLength) && !errors.Is(err, ErrVersion) {
			t.Errorf("%q: %v is none of the sentinels", in, err)
		}
	}
}

// Blocks under KBPK "EEEE..." (0x45 bytes) whose MAC verifies but whose
// key length field is wrong, and MAC mismatches: psec
// test_kb_unwrap_exceptions.
func TestUnwrapPsecErrors(t *testing.T) {
	kbpk, err := keys.New(keys.TDES2, []byte("EEEEEEEEEEEEEEEE"), keys.Legacy())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		block string
		want  error
	}{
		{"A0056M3TC00E0000ABE3EB7813FD4031BCBAEC1FCAB750BB920E4863", ErrKey}, // 0-bit key
		{"B0064M3TC00E000013F1B06566ECAE897A6DF8C7AA651FCEF9480447EEEC9933", ErrKey},
		{"C0056M3TC00E0000629D73329F5F42D868B2EB1E4C52D1E191BC1D3C", ErrKey},
		{"A0056M3TC00E0000EF14FD71CFCDCE0630AD5C1CDE0041DCF95CF1D0", ErrKey}, // 128 bits in a 64-bit field
		{"B0064M3TC00E00000398DC96A5DDB0EF61E26F8935173BD478DF9484050A672A", ErrKey},
		{"C0056M3TC00E000001235EC22408B6CE866746FF992B8707FD7A26D2", ErrKey},
		{"A0056M3TC00E0000BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB9AA5BBA6", ErrMAC},
		{"B0064M3TC00E0000BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBFFFFFFFF9AA5BBA6", ErrMAC},
		{"C0056M3TC00E0000BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB9AA5BBA6", ErrMAC},
		{"A0024M3TC00E00009AA5BBA6", ErrLength},
		{"B0032M3TC00E0000FFFFFFFF9AA5BBA6", ErrLength},
		{"B0040P0TE00N0000", ErrLength},
		{"A0087M3TC00E000062C2C14D8785A01A9E8283525CA96F490D0CC6346FC7C2AC1E6FF354468910379AA5BBA", ErrLength},
		{"A0088M3TC00E000062C2C14D8785A01A9E8283525CA96F490D0CC6346FC7C2AC1E6FF354468910379AA5BBAX", ErrFormat},
		{"B0088M3TC00E000062C2C14D8785A01A9E8283525CA96F490D0CC6346FC7C2AC1E6FF35X468910379AA5BBA6", ErrLength}, // 28 key bytes: not whole TDES blocks
	} {
		if _, _, err := UnwrapBytes(kbpk, c.block); !errors.Is(err, c.want) {
			t.Errorf("%.24s...: %v, want %v", c.block, err, c.want)
		}
	}
}

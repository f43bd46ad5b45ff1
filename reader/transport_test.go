package reader

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/possdk/pos/internal/testvec"
)

var atrT0 = unhex("3B021450") // no TD1: T=0 (ISO 7816-3 §8.2.3)
var atrT1 = unhex("3BE900008131FE454A434F503431563232A7")

type t0Case struct {
	name  string
	apdu  []byte
	steps []step
	want  []byte
}

// loadT0 reads testdata/t0_emvpt.txt (format in its header).
func loadT0(t testing.TB) []t0Case {
	t.Helper()
	var cases []t0Case
	for _, v := range testvec.Load(t, "t0_emvpt.txt") {
		c := t0Case{name: v.Name, apdu: v.Bytes(t, "apdu"), want: v.Bytes(t, "want")}
		for i := 1; v.Has(fmt.Sprintf("tpdu.%d", i)); i++ {
			cmd, resp, ok := strings.Cut(v.Field(fmt.Sprintf("tpdu.%d", i)), "->")
			if !ok {
				t.Fatalf("%v: tpdu.%d is not \"command -> answer\"", v, i)
			}
			c.steps = append(c.steps, step{unhex(cmd), unhex(resp)})
		}
		cases = append(cases, c)
	}
	if len(cases) < 9 {
		t.Fatalf("only %d cases in testdata/t0_emvpt.txt", len(cases))
	}
	return cases
}

func TestTransportT0EMVPT(t *testing.T) {
	for _, tc := range loadT0(t) {
		card := &scriptCard{atr: atrT0, steps: tc.steps}
		tr := NewTransport(card, TransportOptions{})
		if tr.Protocol() != ProtocolT0 {
			t.Fatalf("protocol %v from ATR 3B021450", tr.Protocol())
		}
		got, err := tr.Transmit(context.Background(), tc.apdu)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !bytes.Equal(got, tc.want) {
			t.Errorf("%s:\n got % X\nwant % X", tc.name, got, tc.want)
		}
		if err := card.done(); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestTransportRules(t *testing.T) {
	data := func(n int, b byte) []byte { return bytes.Repeat([]byte{b}, n) }
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	tests := []struct {
		name  string
		atr   []byte
		apdu  []byte
		steps []step
		want  []byte
	}{{
		// ISO 7816-4 §5.1.3: 6100 means 256 bytes remain; chains join.
		name: "61xx chained twice, 6100 is 256",
		atr:  atrT0,
		apdu: unhex("00A4040002A00000"),
		steps: []step{
			{unhex("00A4040002A000"), unhex("6100")},
			{unhex("00C0000000"), cat(data(256, 0xAA), unhex("6110"))},
			{unhex("00C0000010"), cat(data(16, 0xBB), unhex("9000"))},
		},
		want: cat(data(256, 0xAA), data(16, 0xBB), unhex("9000")),
	}, {
		// EMV Book 1 §9.3.1.3 / Annex A: warning to a case-4 command; the
		// data comes back with the warning status, not 9000.
		name: "case 4 warning 6283 then GET RESPONSE, 6Cxx on it",
		atr:  atrT0,
		apdu: unhex("00A4040002A00000"),
		steps: []step{
			{unhex("00A4040002A000"), unhex("6283")},
			{unhex("00C0000000"), unhex("6C04")},
			{unhex("00C0000004"), unhex("6F0284009000")},
		},
		want: unhex("6F0284006283"),
	}, {
		name: "case 4 warning with nothing to fetch",
		atr:  atrT0,
		apdu: unhex("00A4040002A00000"),
		steps: []step{
			{unhex("00A4040002A000"), unhex("6310")},
			{unhex("00C0000000"), unhex("6A86")},
		},
		want: unhex("6310"),
	}, {
		name:  "case 4 in T=0 answered 9000 without data",
		atr:   atrT0,
		apdu:  unhex("0082000002112200"),
		steps: []step{{unhex("00820000021122"), unhex("9000")}},
		want:  unhex("9000"),
	}, {
		name:  "case 4 in T=1 keeps Le",
		atr:   atrT1,
		apdu:  unhex("80A8000002830000"),
		steps: []step{{unhex("80A8000002830000"), unhex("8002112233449000")}},
		want:  unhex("8002112233449000"),
	}, {
		name: "case 4 in T=1 with a stray 6Cxx resends with the new Le",
		atr:  atrT1,
		apdu: unhex("80A8000002830000"),
		steps: []step{
			{unhex("80A8000002830000"), unhex("6C06")},
			{unhex("80A8000002830006"), unhex("8004112233449000")},
		},
		want: unhex("8004112233449000"),
	}, {
		name: "case 1 answered 6Cxx gains an Le",
		atr:  atrT0,
		apdu: unhex("80CA9F17"),
		steps: []step{
			{unhex("80CA9F17"), unhex("6C04")},
			{unhex("80CA9F1704"), unhex("9F1701039000")},
		},
		want: unhex("9F1701039000"),
	}, {
		name:  "case 3 answered 6Cxx is passed through",
		atr:   atrT0,
		apdu:  unhex("0020008008241234FFFFFFFFFF"),
		steps: []step{{unhex("0020008008241234FFFFFFFFFF"), unhex("6C00")}},
		want:  unhex("6C00"),
	}, {
		name:  "error status passes through",
		atr:   atrT0,
		apdu:  unhex("00B2010C00"),
		steps: []step{{unhex("00B2010C00"), unhex("6A82")}},
		want:  unhex("6A82"),
	}}
	for _, tt := range tests {
		card := &scriptCard{atr: tt.atr, steps: tt.steps}
		got, err := NewTransport(card, TransportOptions{}).Transmit(context.Background(), tt.apdu)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !bytes.Equal(got, tt.want) {
			t.Errorf("%s:\n got % X\nwant % X", tt.name, got, tt.want)
		}
		if err := card.done(); err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

// loopCard answers every command with the same status: a broken card.
type loopCard struct {
	resp []byte
	n    int
}

func (c *loopCard) ATR() []byte  { return atrT0 }
func (c *loopCard) Close() error { return nil }
func (c *loopCard) Transmit(context.Context, []byte) ([]byte, error) {
	c.n++
	return c.resp, nil
}

func TestTransportErrors(t *testing.T) {
	ctx := context.Background()
	for _, sw := range []string{"6110", "6C10"} {
		c := &loopCard{resp: unhex(sw)}
		_, err := NewTransport(c, TransportOptions{MaxChain: 5}).Transmit(ctx, unhex("00B2010C00"))
		if !errors.Is(err, ErrBadResponse) {
			t.Errorf("endless %s: got %v, want ErrBadResponse", sw, err)
		}
		if c.n > 7 {
			t.Errorf("endless %s: %d exchanges with MaxChain 5", sw, c.n)
		}
	}
	short := &loopCard{resp: []byte{0x90}}
	if _, err := NewTransport(short, TransportOptions{}).Transmit(ctx, unhex("00B2010C00")); !errors.Is(err, ErrBadResponse) {
		t.Errorf("1-byte response: got %v", err)
	}
	ok := &loopCard{resp: unhex("9000")}
	ext := unhex("00B00000000100")
	if _, err := NewTransport(ok, TransportOptions{}).Transmit(ctx, ext); !errors.Is(err, ErrExtendedAPDU) {
		t.Errorf("extended APDU in EMV mode: got %v", err)
	}
	if _, err := NewTransport(ok, TransportOptions{AllowExtended: true, Protocol: ProtocolT1}).Transmit(ctx, ext); err != nil {
		t.Errorf("extended APDU allowed: %v", err)
	}
	if _, err := NewTransport(ok, TransportOptions{}).Transmit(ctx, unhex("00A4")); !errors.Is(err, ErrBadAPDU) {
		t.Errorf("2-byte APDU: got %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := NewTransport(ok, TransportOptions{}).Transmit(cctx, unhex("00B2010C00")); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: got %v", err)
	}
}

// protoCard reports its protocol like pcsc.Card does.
type protoCard struct {
	loopCard
	p Protocol
}

func (c *protoCard) Protocol() Protocol { return c.p }

func TestTransportProtocolChoice(t *testing.T) {
	if p := NewTransport(&protoCard{p: ProtocolT1}, TransportOptions{}).Protocol(); p != ProtocolT1 {
		t.Errorf("ProtocolCard T=1 gave %v", p)
	}
	if p := NewTransport(&scriptCard{atr: atrT1}, TransportOptions{}).Protocol(); p != ProtocolT1 {
		t.Errorf("T=1 ATR gave %v", p)
	}
	if p := NewTransport(&scriptCard{atr: []byte{1}}, TransportOptions{}).Protocol(); p != ProtocolT0 {
		t.Errorf("bad ATR gave %v, want T=0 default", p)
	}
	if p := NewTransport(&scriptCard{atr: atrT1}, TransportOptions{Protocol: ProtocolT0}).Protocol(); p != ProtocolT0 {
		t.Errorf("override gave %v", p)
	}
}

// fuzzCard plays back fuzzer-chosen responses and records the commands.
type fuzzCard struct {
	resps [][]byte
	sent  [][]byte
}

func (c *fuzzCard) ATR() []byte  { return atrT0 }
func (c *fuzzCard) Close() error { return nil }
func (c *fuzzCard) Transmit(_ context.Context, apdu []byte) ([]byte, error) {
	c.sent = append(c.sent, bytes.Clone(apdu))
	if len(c.resps) == 0 {
		return []byte{0x90, 0x00}, nil
	}
	r := c.resps[0]
	c.resps = c.resps[1:]
	return r, nil
}

// FuzzTransport drives the T=0 procedures (ISO/IEC 7816-3 §10.3.3, EMV
// Book 1 §9.3.1) with fuzzer-chosen card answers and checks the exchange:
// a refusal wraps ErrBadAPDU, ErrExtendedAPDU or ErrBadResponse; the first
// command is the APDU (without Le for a case 4 command under T=0); every
// further command answers the previous status — GET RESPONSE 00 C0 00 00
// with Le = SW2 after 61xx or 6Cxx (Le 00 after a case 4 warning), or the
// command again with Le = SW2 after 6Cxx; at most MaxChain+1 exchanges;
// the answer ends with the last status the card gave, or, for a case 4
// warning (62xx/63xx), with that warning.
func FuzzTransport(f *testing.F) {
	f.Add(unhex("00A4040002A00000"), unhex("6110"), unhex("61FF"), unhex("9000"))
	f.Add(unhex("00B2010C00"), unhex("6C32"), unhex("6283"), unhex("6A82"))
	f.Add(unhex("00A4040002A00000"), unhex("6283"), unhex("6C04"), unhex("009000"))
	f.Fuzz(func(t *testing.T, apdu, r1, r2, r3 []byte) {
		card := &fuzzCard{resps: [][]byte{r1, r2, r3}}
		tr := NewTransport(card, TransportOptions{})
		resp, err := tr.Transmit(context.Background(), apdu)
		if err != nil {
			if !errors.Is(err, ErrBadAPDU) && !errors.Is(err, ErrExtendedAPDU) && !errors.Is(err, ErrBadResponse) {
				t.Fatalf("error wraps no sentinel: %v", err)
			}
			return
		}
		if len(resp) < 2 {
			t.Fatalf("accepted a %d-byte response", len(resp))
		}
		cmd, _ := ParseCommand(apdu)
		first := apdu
		if cmd.Case == Case4 && tr.Protocol() == ProtocolT0 {
			first = apdu[:len(apdu)-1]
		}
		if len(card.sent) == 0 || !bytes.Equal(card.sent[0], first) {
			t.Fatalf("first command %X, want %X", card.sent[0], first)
		}
		if len(card.sent) > 32+1 {
			t.Fatalf("%d exchanges", len(card.sent))
		}
		answers := append([][]byte{r1, r2, r3}, make([][]byte, len(card.sent))...)
		for i := range answers[3:] {
			answers[3+i] = []byte{0x90, 0x00}
		}
		lastCmd := 0
		for i := 1; i < len(card.sent); i++ {
			prev, c := answers[i-1], card.sent[i]
			sw1, sw2 := prev[len(prev)-2], prev[len(prev)-1]
			get := []byte{0x00, 0xC0, 0x00, 0x00, sw2}
			again := append(bytes.Clone(card.sent[lastCmd][:len(card.sent[lastCmd])-1]), sw2)
			if cmd.Case == Case1 {
				again = append(bytes.Clone(card.sent[lastCmd]), sw2)
			}
			switch {
			case (sw1 == 0x61 || sw1 == 0x6C) && bytes.Equal(c, get):
			case sw1 == 0x6C && bytes.Equal(c, again):
				lastCmd = i
			case (sw1 == 0x62 || sw1 == 0x63) && bytes.Equal(c, []byte{0x00, 0xC0, 0x00, 0x00, 0x00}):
			default:
				t.Fatalf("command %d %X does not answer status %02X%02X", i, c, sw1, sw2)
			}
			if cmd.Case == Case1 && sw1 == 0x6C && lastCmd == i {
				// a case 1 command repeated with Le becomes case 2
				cmd.Case = Case2
			}
		}
		last := answers[len(card.sent)-1]
		gotSW := resp[len(resp)-2:]
		warn := answers[lastCmd][len(answers[lastCmd])-2:]
		if !bytes.Equal(gotSW, last[len(last)-2:]) && !((warn[0] == 0x62 || warn[0] == 0x63) && bytes.Equal(gotSW, warn)) {
			t.Fatalf("answer ends %X; the card's last status was %X", gotSW, last[len(last)-2:])
		}
	})
}

func BenchmarkTransportGetResponse(b *testing.B) {
	cases := loadT0(b)
	tc := cases[0] // SELECT with 61xx, GET RESPONSE
	card := &scriptCard{atr: atrT0}
	tr := NewTransport(card, TransportOptions{})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		card.steps, card.pos = tc.steps, 0
		if _, err := tr.Transmit(ctx, tc.apdu); err != nil {
			b.Fatal(err)
		}
	}
}

package iso8583

import (
	"bytes"
	"testing"
)

// FuzzUnpack feeds arbitrary bodies to the CUP codec: it must return a
// transaction or an error wrapping a package sentinel, never panic; a
// body it accepts as a Message re-packs to the same bytes, and a
// transaction it accepts re-packs to bytes that unpack to the same
// thing. (Package iso8583/moovx also compares it with moov's unpacker.)
func FuzzUnpack(f *testing.F) {
	s := loadSamples(f)
	for _, fr := range s {
		f.Add(fr[2+TPDULen+HeaderLen:])
	}
	c := NewCodec(nil, Framing{}).WithMAC(testMAC("k"))
	sale, err := c.PackTransaction(testSale())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sale)
	f.Add(mustHex("0200 4000000000000000 99 1234"))
	f.Add(mustHex("0800 0000000000000002 0001 81"))
	f.Fuzz(func(t *testing.T, body []byte) {
		if m, err := c.UnpackUnverified(body); err == nil {
			again, err := c.WithMAC(nil).PackMessage(withoutMAC(m))
			if err != nil || !samePadded(again, stripMAC(body, m)) {
				t.Fatalf("message does not re-pack to its bytes: %v\n got %X\nwant %X", err, again, body)
			}
		} else if !isOurs(err) {
			t.Fatalf("error without sentinel: %v", err)
		}
		tx, err := c.UnpackTransaction(body)
		if err != nil {
			if !isOurs(err) {
				t.Fatalf("error without sentinel: %v", err)
			}
			return
		}
		again, err := c.PackTransaction(tx)
		if err != nil {
			return // e.g. an accepted message lacking a kind's required field
		}
		tx2, err := c.UnpackTransaction(again)
		if err != nil {
			t.Fatalf("re-packed message does not unpack: %v", err)
		}
		if tx2.String() != tx.String() || tx2.Kind != tx.Kind {
			t.Fatalf("round trip changed %v into %v", tx, tx2)
		}
	})
}

// withoutMAC returns a copy of m without its MAC field, and stripMAC
// the body of such a message: the MAC bit cleared and the last 8 bytes
// dropped.
func withoutMAC(m *Message) *Message {
	c := *m
	c.Unset(m.MACField())
	return &c
}

func stripMAC(body []byte, m *Message) []byte {
	if !m.Has(m.MACField()) {
		return body
	}
	out := bytes.Clone(body[:len(body)-MACSize])
	out[2+7] &^= 0x01 // CUP: 2-byte BCD MTI, bit 64 is the last of the primary bitmap
	return out
}

// FuzzFrame checks the frame splitter and the framing round trip.
func FuzzFrame(f *testing.F) {
	for _, fr := range loadSamples(f) {
		f.Add(fr)
	}
	f.Add([]byte{0, 0})
	f.Fuzz(func(t *testing.T, frame []byte) {
		var fr Framing
		env, body, err := fr.Split(frame)
		if err != nil {
			if !isOurs(err) {
				t.Fatalf("error without sentinel: %v", err)
			}
			return
		}
		out, err := fr.Append(nil, env, body)
		if err != nil || !bytes.Equal(out, frame) {
			t.Fatalf("frame does not round-trip: %v", err)
		}
	})
}

// FuzzSubfields checks the field 60/61/53/48 parsers.
func FuzzSubfields(f *testing.F) {
	for _, s := range []string{"00000172003", "2200017200050", "000172000173", "0001720001730510", "2600000000000000",
		"00000001234500100000000000000000000000000000000000000000000000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if v, err := ParseField60(s); err == nil {
			if got, err := v.encode(); err != nil || got != s {
				t.Fatalf("60 %q -> %q %v", s, got, err)
			}
		}
		if v, err := ParseField61(s); err == nil {
			if got, err := v.encode(); err != nil || got != s {
				t.Fatalf("61 %q -> %q %v", s, got, err)
			}
		}
		if v, err := ParseSecurityControl(s); err == nil {
			if got, err := v.encode(); err != nil || got != s {
				t.Fatalf("53 %q -> %q %v", s, got, err)
			}
		}
		if v, err := ParseSettlementTotals(s); err == nil {
			got, err := v.encode()
			if err != nil || (len(s) == 62 && got != s) || got[:31] != s[:31] {
				t.Fatalf("48 %q -> %q %v", s, got, err)
			}
		}
		_, _ = ParseBalance(s)
	})
}

// samePadded compares a re-packed message with the original, allowing
// only pad nibbles to differ: the codec, like moov, accepts any digit in
// the pad nibble of an odd count (the first nibble right-aligned, the last
// left-aligned; F or 0 in PAN and track fields) and writes its own pad.
// A differing byte may differ in one nibble only; the transaction-level
// round trip below checks the values themselves.
func samePadded(got, want []byte) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if d := got[i] ^ want[i]; d&0xF0 != 0 && d&0x0F != 0 {
			return false
		}
	}
	return true
}

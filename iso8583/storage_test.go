package iso8583

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestMarshalStorage: the storage form keeps every field (the journal
// needs the PAN for a reversal); json.Marshal keeps none of the card data
// (issue 23).
func TestMarshalStorage(t *testing.T) {
	const pan = "6231987654321098762"
	in := &Transaction{Kind: KindSale, PAN: pan, Amount: 100, STAN: 9, Track2: Track(pan + "=2512201135"),
		PINBlock: PINBlock{0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6, 7, 8}, ICC: Hidden{0x5A, 1, 0x62}, Field62: Hidden{1, 2, 3}}
	b, err := in.MarshalStorage()
	if err != nil {
		t.Fatal(err)
	}
	var out Transaction
	if err := out.UnmarshalStorage(b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, &out) {
		t.Errorf("storage round trip:\n got %#v\nwant %#v", out, in)
	}
	if !bytes.Contains(b, []byte(pan)) {
		t.Errorf("storage form lost the PAN: %s", b)
	}
	masked, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{pan, "2512201135", "obLD1OX2", "WgFi"} {
		if strings.Contains(string(masked), s) {
			t.Errorf("json.Marshal shows %q: %s", s, masked)
		}
	}
}

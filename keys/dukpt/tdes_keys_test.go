package dukpt

import (
	"bytes"
	"testing"
)

// checkTDESWorkingKeys compares the Table A-1 working keys and the PIN
// block with the vector's fields that are present.
func checkTDESWorkingKeys(t *testing.T, v vector, key *TDESKey) {
	t.Helper()
	for _, c := range []struct {
		field   string
		variant uint64
		data    bool
	}{
		{"pin_key", variantPIN, false},
		{"mac_request_key", variantMACRequest, false},
		{"mac_response_key", variantMACResponse, false},
		{"data_request_key", variantDataRequest, true},
		{"data_response_key", variantDataResponse, true},
	} {
		if !v.has(c.field) {
			continue
		}
		got := key.variant(c.variant)
		if c.data {
			var err error
			if got, err = key.dataVariant(c.variant); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(got[:], v.hex(t, c.field)) {
			t.Errorf("%s %X, want %X", c.field, got, v.hex(t, c.field))
		}
	}
	pk := key.variant(variantPIN)
	b, err := tdesBlock(pk[:])
	if err != nil {
		t.Fatal(err)
	}
	var got [8]byte
	b.Encrypt(got[:], mustHex(t, "041274EDCBA9876F"))
	if !bytes.Equal(got[:], v.hex(t, "encrypted_pin_block")) {
		t.Errorf("encrypted PIN block %X, want %X", got, v.hex(t, "encrypted_pin_block"))
	}
}

package oda_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/possdk/pos/emv/oda"
	"github.com/possdk/pos/emv/oda/odatest"
)

func TestLoadCAStoreRoundTrip(t *testing.T) {
	s := odatest.CAStore([]byte{0xA0, 0, 0, 0, 0x03}, []byte{0xA0, 0, 0, 0x03, 0x33})
	raw, err := json.Marshal(s.Keys())
	if err != nil {
		t.Fatal(err)
	}
	back, err := oda.LoadCAStore(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Keys()) != 2 {
		t.Fatalf("loaded %d keys", len(back.Keys()))
	}
	if _, err := back.Lookup([]byte{0xA0, 0, 0, 0x03, 0x33, 0x01, 0x01}, odatest.CAIndex, time.Now()); err != nil {
		t.Fatal(err)
	}
	// A single flipped checksum digit fails the whole load.
	var list []map[string]string
	_ = json.Unmarshal(raw, &list)
	list[1]["checksum"] = "00" + list[1]["checksum"][2:]
	raw2, _ := json.Marshal(list)
	if _, err := oda.LoadCAStore(bytes.NewReader(raw2)); !errors.Is(err, oda.ErrCAKey) {
		t.Fatalf("tampered key: %v", err)
	}
	for _, bad := range []string{`{}`, `[{"rid":"A0"}]`, `[{"rid":"A000000003","index":"F1","modulus":"zz"}]`, `[{"bogus":1}]`} {
		if _, err := oda.LoadCAStore(strings.NewReader(bad)); !errors.Is(err, oda.ErrCAKey) {
			t.Errorf("LoadCAStore(%s) err = %v", bad, err)
		}
	}
}

package link

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/tlv"
)

// TestNoSecretsPrinted (issue 23, for link's types): a Card (PAN, track 2,
// ICC data with tag 57), a Request (translated PIN block) and a journal
// Entry (payload with a PAN), by value, by pointer and inside a struct,
// through every verb, fmt.Errorf, json and slog (text and JSON): neither
// the PAN nor the PIN block nor the track appears in clear or in hex.
func TestNoSecretsPrinted(t *testing.T) {
	const pan = "6222021234567890123"
	pinBlock := []byte{0x06, 0x12, 0x34, 0x5F, 0xFF, 0xFF, 0xFF, 0xFF}
	icc := tlv.AppendTLV(nil, 0x57, []byte{0x62, 0x22, 0x02, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x3D})
	card := Card{PAN: pan, Track2: iso8583.Track(pan + "=25121010000000000"), ICC: icc, EntryMode: "051"}
	req := Request{Txn: &iso8583.Transaction{Kind: iso8583.KindSale, PAN: pan, Amount: 100, STAN: 1}, PIN: pinBlock}
	entry := Entry{ID: 7, Payload: []byte(`{"PAN":"` + pan + `"}`)}
	secrets := []string{pan, hex.EncodeToString([]byte(pan)), strings.ToUpper(hex.EncodeToString(pinBlock)), hex.EncodeToString(pinBlock), "25121010000000000"}
	values := []any{card, &card, req, &req, entry, &entry,
		struct{ C Card }{card}, struct{ R Request }{req}, struct{ E Entry }{entry}}
	var out bytes.Buffer
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"} {
			fmt.Fprintf(&out, verb+"\n", v)
		}
		fmt.Fprintln(&out, fmt.Errorf("wrapped: %v", v))
		if b, err := json.Marshal(v); err == nil {
			out.Write(b)
		}
		slog.New(slog.NewTextHandler(&out, nil)).Info("x", "v", v)
		slog.New(slog.NewJSONHandler(&out, nil)).Info("x", "v", v)
	}
	s := out.String()
	for _, sec := range secrets {
		if strings.Contains(s, sec) {
			t.Errorf("output holds %q…", sec[:6])
		}
	}
	if !strings.Contains(s, "622202") {
		t.Error("the masked PAN is not shown at all")
	}
}

package link

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// The store's answer holds field 62 (working keys under the TMK) and field
// 55 of the response: neither prints from a record under any verb or slog
// (issue 23).
func TestHostTxnPrintsNoKeyBytes(t *testing.T) {
	r := HostTxn{Key: TxnKey{TID: "T1"}, Answer: Answer{RC: "00",
		Keys: []byte{0xDE, 0xAD, 0xBE, 0xEF, 0x11}, IssuerData: []byte{0x91, 0x0A, 0xCA, 0xFE, 0x22}}}
	var b bytes.Buffer
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%d", "%q"} {
		fmt.Fprintf(&b, verb+"\n", r)
		fmt.Fprintf(&b, verb+"\n", &r)
	}
	slog.New(slog.NewTextHandler(&b, nil)).Info("x", "rec", r)
	slog.New(slog.NewJSONHandler(&b, nil)).Info("x", "rec", r)
	out := strings.ToLower(b.String())
	for _, secret := range []string{"deadbeef", "de ad be ef", "cafe22", "[222 173", "3q2+7"} {
		if strings.Contains(out, secret) {
			t.Fatalf("record printed key or ICC bytes (%q) in:\n%s", secret, b.String())
		}
	}
}

package iso8583

import (
	"errors"
	"testing"

	"github.com/possdk/pos/keys"
)

// TestUnpackTransactionFor: one host codec, two terminals with their own
// MACs; the MAC is chosen from field 41 of the message itself.
func TestUnpackTransactionFor(t *testing.T) {
	macs := map[string]MAC{"50080001": testMAC("a"), "50080002": testMAC("b")}
	errLookup := errors.New("no such terminal")
	var asked []string
	lookup := func(tid string) (MAC, error) {
		asked = append(asked, tid)
		m, ok := macs[tid]
		if !ok {
			return nil, errLookup
		}
		return m, nil
	}
	host := NewCodec(nil, Framing{})
	pack := func(tid string, mac MAC) []byte {
		t.Helper()
		s := testSale()
		s.TerminalID = tid
		body, err := host.WithMAC(mac).PackTransaction(s)
		if err != nil {
			t.Fatal(err)
		}
		return body
	}
	for tid, mac := range macs {
		asked = nil
		got, err := host.UnpackTransactionFor(pack(tid, mac), lookup)
		if err != nil || got.TerminalID != tid || len(asked) != 1 || asked[0] != tid {
			t.Errorf("%s: %v %v, asked %q", tid, got, err, asked)
		}
	}
	// Terminal 2's message under terminal 1's MAK.
	if _, err := host.UnpackTransactionFor(pack("50080002", macs["50080001"]), lookup); !errors.Is(err, ErrMAC) {
		t.Errorf("wrong MAK: %v", err)
	}
	// Unknown terminal: the lookup's error, wrapped in ErrMAC.
	_, err := host.UnpackTransactionFor(pack("50089999", testMAC("c")), lookup)
	if !errors.Is(err, ErrMAC) || !errors.Is(err, errLookup) {
		t.Errorf("unknown terminal: %v", err)
	}
	// A terminal without keys yet: a MACed message fails, a sign-in passes.
	none := func(string) (MAC, error) { return nil, nil }
	if _, err := host.UnpackTransactionFor(pack("50080001", macs["50080001"]), none); !errors.Is(err, ErrMAC) {
		t.Errorf("nil MAC: %v", err)
	}
	signIn, err := host.PackTransaction(testTerm.SignIn(9, 172, keys.ModeTDES))
	if err != nil {
		t.Fatal(err)
	}
	asked = nil
	if got, err := host.UnpackTransactionFor(signIn, lookup); err != nil || got.Kind != KindSignIn || len(asked) != 1 {
		t.Errorf("sign-in: %v %v, asked %q", got, err, asked)
	}
	// Malformed input never reaches the lookup.
	asked = nil
	if _, err := host.UnpackTransactionFor(signIn[:len(signIn)-3], lookup); !errors.Is(err, ErrUnpack) || len(asked) != 0 {
		t.Errorf("truncated: %v, asked %q", err, asked)
	}
	if _, err := host.UnpackTransactionFor(signIn, nil); !errors.Is(err, ErrMAC) {
		t.Errorf("nil lookup: %v", err)
	}
}

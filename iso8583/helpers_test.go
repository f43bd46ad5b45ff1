package iso8583

import (
	"crypto/sha256"
	"errors"
	"strings"
)

// testMAC stands in for a keys MAC in structural tests (bit placement,
// MAB boundaries, tamper detection); the algorithms themselves are tested
// in package keys and in mac_test.go.
func testMAC(key string) MAC {
	return MACFunc(func(mab []byte) ([MACSize]byte, error) {
		h := sha256.Sum256(append([]byte(key), mab...))
		var out [MACSize]byte
		copy(out[:], h[:])
		return out, nil
	})
}

var testTerm = Terminal{TerminalID: "50080001", MerchantID: "309310083985008", Operator: "001"}

// testSale is a chip sale with a 250-byte field 55, the benchmark message.
func testSale() *Transaction {
	return &Transaction{
		Kind: KindSale, PAN: "6222021234567890123", Amount: 12345, STAN: 173,
		Expiry: "2612", EntryMode: "051", CardSequence: "001", PINCaptureCode: "12",
		Track2:     "6222021234567890123=26122201234567",
		TerminalID: testTerm.TerminalID, MerchantID: testTerm.MerchantID,
		PINBlock: PINBlock{1, 2, 3, 4, 5, 6, 7, 8},
		Security: &SecurityControl{PINFormat: 2, Algorithm: 6},
		ICC:      Hidden(strings.Repeat("\x9f\x26\x08ABCDEFGH", 22) + "\x9f\x36\x02\x00\x01\x95\x01\x00"), // 250 bytes
		Field60:  &Field60{Batch: 172, Capability: "5", ICCondition: "0"},
	}
}

func isOurs(err error) bool {
	for _, s := range []error{ErrMAC, ErrFrame, ErrUnpack, ErrPack, ErrMissingField, ErrInvalidField} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

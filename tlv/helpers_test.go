package tlv

import (
	"testing"

	"github.com/possdk/pos/internal/testvec"
)

// readHex returns the object with the given id in testdata/objects.txt.
func readHex(t testing.TB, id string) []byte {
	t.Helper()
	for _, v := range testvec.Load(t, "objects.txt") {
		if v.Field("id") == id {
			return v.Bytes(t, "tlv")
		}
	}
	t.Fatalf("testdata/objects.txt has no object %q", id)
	return nil
}

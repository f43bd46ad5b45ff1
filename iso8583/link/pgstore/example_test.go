package pgstore_test

import (
	"context"
	"fmt"
	"os"

	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/iso8583/link/pgstore"
	"github.com/possdk/pos/keys"
)

// Two hosts (here in one process; normally two machines) on one database:
// each opens the store and the sealed key store with the same key
// encryption key and card key, and serves the same terminals.
func Example() {
	url := os.Getenv("POSSDK_PG_URL") // e.g. postgres://possdk@127.0.0.1:5432/possdk
	if url == "" {
		return
	}
	ctx := context.Background()
	kek := []byte("32-byte key encryption key......") // from an HSM or a secrets manager
	cardKey := []byte("shared card-hash key")
	var hosts []*link.Host
	for _, id := range []string{"host-a", "host-b"} {
		st, err := pgstore.Open(ctx, url)
		if err != nil {
			fmt.Println(err)
			return
		}
		defer st.Close()
		ks, err := pgstore.NewKeyStore(st, kek)
		if err != nil {
			fmt.Println(err)
			return
		}
		tmk, _ := keys.FromHex(keys.TDES2, "0123456789ABCDEFFEDCBA9876543210")
		if _, err := ks.EnsureTerminal(ctx, "12345678", tmk); err != nil {
			fmt.Println(err)
			return
		}
		h, err := link.NewHost(link.HostConfig{ID: id, Store: st, Keys: ks, CardKey: cardKey})
		if err != nil {
			fmt.Println(err)
			return
		}
		hosts = append(hosts, h)
	}
	_ = hosts // serve each with a link.Server on its own address
}

package link_test

import (
	"context"
	"fmt"
	"time"

	"github.com/possdk/pos/iso8583/link"
)

// A host keeps its state in a Store: the in-memory one by default, or
// link/pgstore for several hosts on one PostgreSQL. Prune from time to
// time what settlement and duplicate detection no longer need.
func ExampleMemoryStore() {
	st := link.NewMemoryStore()
	host, err := link.NewHost(link.HostConfig{Store: st, Keys: link.NewMemoryKeyStore()})
	if err != nil {
		fmt.Println(err)
		return
	}
	n, _ := host.Prune(context.Background(), 48*time.Hour)
	fmt.Println(n, "records pruned,", st.Len(), "kept")
	// Output: 0 records pruned, 0 kept
}

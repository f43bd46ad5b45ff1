package hostmetrics_test

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/iso8583/link/hostmetrics"
)

// A host with its metrics registered; serve reg with promhttp.
func Example() {
	reg := prometheus.NewRegistry()
	m, err := hostmetrics.New(reg)
	if err != nil {
		panic(err)
	}
	host, err := link.NewHost(link.HostConfig{Keys: link.NewMemoryKeyStore(), Metrics: m})
	if err != nil {
		panic(err)
	}
	host.ServeFrame(context.Background(), []byte{0x00, 0x02, 0xFF, 0xFF}) // junk
	fams, _ := reg.Gather()
	for _, f := range fams {
		for _, s := range f.GetMetric() {
			if s.Counter != nil && s.Counter.GetValue() > 0 {
				fmt.Println(f.GetName(), s.Counter.GetValue())
			}
		}
	}
	// Output: possdk_host_junk_frames_total 1
}

package hostmetrics_test

import (
	"errors"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/iso8583/link"
	"github.com/possdk/pos/iso8583/link/hostmetrics"
)

// A host counts a junk frame; every method lands in its metric.
func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := hostmetrics.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	h, err := link.NewHost(link.HostConfig{Keys: link.NewMemoryKeyStore(), Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	h.ServeFrame(t.Context(), []byte{0x00, 0x01, 0x00})
	m.Request(iso8583.KindSale, "00", 3*time.Millisecond)
	m.Request(iso8583.KindSale, "55", time.Millisecond)
	m.MACFailure()
	m.Duplicate()
	m.Issuer("authorize", time.Millisecond, nil)
	m.Issuer("reverse", time.Millisecond, errors.New("down"))
	m.StoreError("commit")
	m.ReversalWait(1)
	m.ReversalWait(1)
	m.ReversalWait(-1)
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			name := f.GetName()
			for _, l := range m.GetLabel() {
				name += "," + l.GetName() + "=" + l.GetValue()
			}
			switch {
			case m.Counter != nil:
				got[name] = m.Counter.GetValue()
			case m.Gauge != nil:
				got[name] = m.Gauge.GetValue()
			case m.Histogram != nil:
				got[name] = float64(m.Histogram.GetSampleCount())
			}
		}
	}
	want := map[string]float64{
		"possdk_host_junk_frames_total":              1,
		"possdk_host_mac_failures_total":             1,
		"possdk_host_duplicates_total":               1,
		"possdk_host_requests_total,kind=sale,rc=00": 1,
		"possdk_host_requests_total,kind=sale,rc=55": 1,
		"possdk_host_request_seconds,kind=sale":      2,
		"possdk_host_issuer_seconds,op=authorize":    1,
		"possdk_host_issuer_seconds,op=reverse":      1,
		"possdk_host_issuer_errors_total,op=reverse": 1,
		"possdk_host_store_errors_total,op=commit":   1,
		"possdk_host_reversal_backlog":               1,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("series %v, want exactly %v", got, want)
	}
}

// Package hostmetrics exports a link.Host's measurements to Prometheus
// (github.com/prometheus/client_golang): requests by message kind and
// response code, request and issuer latency histograms, MAC failures,
// duplicates answered from the store, junk frames, store errors and the
// reversal backlog. Give New's result to link.HostConfig.Metrics and serve the
// registry with promhttp (examples/host -metrics does both):
//
//	reg := prometheus.NewRegistry()
//	m, err := hostmetrics.New(reg)
//	host, err := link.NewHost(link.HostConfig{Metrics: m, ...})
//	http.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
package hostmetrics

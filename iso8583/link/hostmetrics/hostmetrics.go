package hostmetrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/possdk/pos/iso8583"
	"github.com/possdk/pos/iso8583/link"
)

// Metrics implements link.HostMetrics.
type Metrics struct {
	requests     *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	macFailures  prometheus.Counter
	duplicates   prometheus.Counter
	junk         prometheus.Counter
	issuer       *prometheus.HistogramVec
	issuerErrors *prometheus.CounterVec
	storeErrors  *prometheus.CounterVec
	backlog      prometheus.Gauge
}

var _ link.HostMetrics = (*Metrics)(nil)

// New registers the host metrics (namespace "possdk_host") with reg.
func New(reg prometheus.Registerer) (*Metrics, error) {
	const ns = "possdk_host"
	buckets := []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "requests_total",
			Help: "Requests answered, by message kind and response code (39); rc \"--\" is a request left unanswered."}, []string{"kind", "rc"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "request_seconds",
			Help: "Time from a request's arrival to its answer, by message kind.", Buckets: buckets}, []string{"kind"}),
		macFailures: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "mac_failures_total",
			Help: "Requests whose MAC (field 64) did not verify under the terminal's working key."}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "duplicates_total",
			Help: "Retransmissions answered from the store (same answer, or 94/12 for a conflict or a late original)."}),
		junk: prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: "junk_frames_total",
			Help: "Frames that could not be read far enough to answer."}),
		issuer: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "issuer_seconds",
			Help: "Issuer call latency, by operation (authorize, reverse).", Buckets: buckets}, []string{"op"}),
		issuerErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "issuer_errors_total",
			Help: "Issuer calls that failed, by operation."}, []string{"op"}),
		storeErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "store_errors_total",
			Help: "Store operations that failed, by operation."}, []string{"op"}),
		backlog: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: "reversal_backlog",
			Help: "Reversals waiting for their original to be answered (by this or another host)."}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.latency, m.macFailures, m.duplicates, m.junk, m.issuer, m.issuerErrors, m.storeErrors, m.backlog} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Request implements link.HostMetrics.
func (m *Metrics) Request(kind iso8583.Kind, rc iso8583.ResponseCode, took time.Duration) {
	k := kind.String()
	m.requests.WithLabelValues(k, string(rc)).Inc()
	if took > 0 {
		m.latency.WithLabelValues(k).Observe(took.Seconds())
	}
}

// MACFailure implements link.HostMetrics.
func (m *Metrics) MACFailure() { m.macFailures.Inc() }

// Duplicate implements link.HostMetrics.
func (m *Metrics) Duplicate() { m.duplicates.Inc() }

// Junk implements link.HostMetrics.
func (m *Metrics) Junk() { m.junk.Inc() }

// Issuer implements link.HostMetrics.
func (m *Metrics) Issuer(op string, took time.Duration, err error) {
	m.issuer.WithLabelValues(op).Observe(took.Seconds())
	if err != nil {
		m.issuerErrors.WithLabelValues(op).Inc()
	}
}

// StoreError implements link.HostMetrics.
func (m *Metrics) StoreError(op string) { m.storeErrors.WithLabelValues(op).Inc() }

// ReversalWait implements link.HostMetrics.
func (m *Metrics) ReversalWait(delta int) { m.backlog.Add(float64(delta)) }

// Package metrics declares every series the relay exports, with its help
// text, on a private Prometheus registry (client_golang) that also carries the
// Go runtime and process collectors. One file lists them all, so a unit test
// can lint every name the relay serves.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

const ns = "qrsign_relay"

// Buckets are latency buckets in seconds: ledger writes take 0.1–2 s.
var Buckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2.5, 5, 10, 30}

// Registry is the relay's series and the registry that serves them.
type Registry struct {
	reg     *prometheus.Registry
	handler http.Handler
	own     []prometheus.Collector // the relay's series, without go_* and process_*

	HTTPRequests     *prometheus.CounterVec   // route, method, status
	ScanCallbacks    *prometheus.CounterVec   // result
	ScanCommit       prometheus.Histogram     // scan callback to committed transaction
	LedgerWrite      *prometheus.HistogramVec // op
	SignatureGroup   prometheus.Histogram     // signatures per group-commit transaction
	Login            *prometheus.CounterVec   // step, result
	Invalidated      *prometheus.CounterVec   // fn, code
	GatewayFailovers *prometheus.CounterVec   // from, to, reason
	GatewayResumed   *prometheus.CounterVec   // fn, how
}

// New returns a registry holding the relay's series (at zero) and the Go and
// process collectors.
func New() *Registry {
	r := &Registry{reg: prometheus.NewRegistry()}
	r.handler = promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	r.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	r.HTTPRequests = counter(r, "http_requests_total", "HTTP requests by route, method and status.", "route", "method", "status")
	r.ScanCallbacks = counter(r, "scan_callbacks_total", "Scan callbacks by result (ok, replayed, or problem code).", "result")
	r.ScanCommit = register(r, prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Name: "scan_commit_seconds",
		Help: "Scan callback to committed transaction, seconds.", Buckets: Buckets}))
	r.LedgerWrite = register(r, prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: ns, Name: "ledger_write_seconds",
		Help: "Ledger writes, endorsement to commit status, seconds, by chaincode function.", Buckets: Buckets}, []string{"op"}))
	r.SignatureGroup = register(r, prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Name: "signature_group_size",
		Help: "Signatures per transaction submitted by group commit (1 when the relay is idle).", Buckets: []float64{1, 2, 4, 8, 16, 32, 64}}))
	r.Login = counter(r, "login_total", "Sign-in with QR by step (challenge, callback) and result (ok or problem code).", "step", "result")
	r.Invalidated = counter(r, "invalidated_total", "Transactions invalidated at commit, by validation code (read conflicts are retried).", "fn", "code")
	r.GatewayFailovers = counter(r, "gateway_failovers_total", "Changes of the peer gateway in use: reason down (it could not be reached) or back (the more preferred peer answers again).", "from", "to", "reason")
	r.GatewayResumed = counter(r, "gateway_resumed_total", "Transactions carried to another peer after they may have been ordered: how resubmitted (same envelope) or status (commit status read there).", "fn", "how")
	return r
}

// QRCache exports the QR PNG cache's counts.
func (r *Registry) QRCache(stats func() (hits, misses uint64)) {
	counterFunc(r, "qr_cache_hits_total", "QR PNGs served from the cache.", func() uint64 { h, _ := stats(); return h })
	counterFunc(r, "qr_cache_misses_total", "QR PNGs rendered because the cache did not hold them.", func() uint64 { _, m := stats(); return m })
}

// ChaincodeEvents exports the event listener's progress; first reports the
// block of the first event handled since start, if any.
func (r *Registry) ChaincodeEvents(stats func() (events, lastBlock uint64), first func() (uint64, bool)) {
	counterFunc(r, "chaincode_events_total", "Chaincode events handled since start (resumed from the checkpoint).", func() uint64 { n, _ := stats(); return n })
	gaugeFunc(r, "chaincode_event_block", "Block of the last chaincode event handled.", func() float64 { _, b := stats(); return float64(b) })
	if first != nil {
		gaugeFunc(r, "chaincode_event_first_block", "Block of the first chaincode event handled since start (-1 = none).", func() float64 {
			if b, ok := first(); ok {
				return float64(b)
			}
			return -1
		})
	}
}

// Gateway exports which of the configured peer gateways is in use.
func (r *Registry) Gateway(current func() int, endpoints int) {
	gaugeFunc(r, "gateway_endpoint", "Index in gateway.endpoints of the peer gateway in use (0 = preferred).", func() float64 { return float64(current()) })
	gaugeFunc(r, "gateway_endpoints", "Number of peer gateways configured.", func() float64 { return float64(endpoints) })
}

// Handler serves every series in the format the scraper negotiates.
func (r *Registry) Handler() http.Handler { return r.handler }

// Gatherer is the whole registry, for tests and the handler.
func (r *Registry) Gatherer() prometheus.Gatherer { return r.reg }

func register[C prometheus.Collector](r *Registry, c C) C {
	r.reg.MustRegister(c)
	r.own = append(r.own, c)
	return c
}

func counter(r *Registry, name, help string, labels ...string) *prometheus.CounterVec {
	return register(r, prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: name, Help: help}, labels))
}

func counterFunc(r *Registry, name, help string, fn func() uint64) {
	register(r, prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: ns, Name: name, Help: help}, func() float64 { return float64(fn()) }))
}

func gaugeFunc(r *Registry, name, help string, fn func() float64) {
	register(r, prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: ns, Name: name, Help: help}, fn))
}

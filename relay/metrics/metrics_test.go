package metrics

import (
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// full is a registry with every series registered, fed by sources the test moves.
func full(t *testing.T) (*Registry, *atomic.Uint64, *atomic.Int64) {
	t.Helper()
	r := New()
	var n atomic.Uint64
	var cur atomic.Int64
	r.QRCache(func() (uint64, uint64) { return n.Load(), 2 * n.Load() })
	r.ChaincodeEvents(func() (uint64, uint64) { return n.Load(), 10 + n.Load() },
		func() (uint64, bool) { return 7, n.Load() > 0 })
	r.Gateway(func() int { return int(cur.Load()) }, 3)
	return r, &n, &cur
}

func TestEverySeriesLintsClean(t *testing.T) {
	r, _, _ := full(t)
	for _, c := range r.own {
		problems, err := testutil.CollectAndLint(c)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range problems {
			t.Errorf("%s: %s", p.Metric, p.Text)
		}
	}
}

func TestWholeRegistryWithGoAndProcessSeriesLintsClean(t *testing.T) {
	r, _, _ := full(t)
	problems, err := testutil.GatherAndLint(r.Gatherer())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total", "process_resident_memory_bytes"} {
		if n, err := testutil.GatherAndCount(r.Gatherer(), name); err != nil || n != 1 {
			t.Errorf("%s: %d series, %v", name, n, err)
		}
	}
}

func TestValuesMove(t *testing.T) {
	r, n, cur := full(t)
	r.HTTPRequests.WithLabelValues("/readyz", "GET", "503").Inc()
	r.HTTPRequests.WithLabelValues("/readyz", "GET", "503").Inc()
	r.ScanCallbacks.WithLabelValues("ok").Inc()
	r.ScanCommit.Observe((120 * time.Millisecond).Seconds())
	r.SignatureGroup.Observe(1)
	r.SignatureGroup.Observe(13)
	r.LedgerWrite.WithLabelValues("RecordSignature").Observe(0.3)
	r.Login.WithLabelValues("challenge", "ok").Inc()
	r.Invalidated.WithLabelValues("RecordSignature", "MVCC_READ_CONFLICT").Inc()
	r.GatewayFailovers.WithLabelValues("peer0:7051", "peer1:7051", "down").Inc()
	r.GatewayResumed.WithLabelValues("RecordSignature", "status").Inc()
	n.Store(4)
	cur.Store(1)
	want := `# HELP qrsign_relay_http_requests_total HTTP requests by route, method and status.
# TYPE qrsign_relay_http_requests_total counter
qrsign_relay_http_requests_total{method="GET",route="/readyz",status="503"} 2
# HELP qrsign_relay_qr_cache_hits_total QR PNGs served from the cache.
# TYPE qrsign_relay_qr_cache_hits_total counter
qrsign_relay_qr_cache_hits_total 4
# HELP qrsign_relay_qr_cache_misses_total QR PNGs rendered because the cache did not hold them.
# TYPE qrsign_relay_qr_cache_misses_total counter
qrsign_relay_qr_cache_misses_total 8
# HELP qrsign_relay_chaincode_events_total Chaincode events handled since start (resumed from the checkpoint).
# TYPE qrsign_relay_chaincode_events_total counter
qrsign_relay_chaincode_events_total 4
# HELP qrsign_relay_chaincode_event_block Block of the last chaincode event handled.
# TYPE qrsign_relay_chaincode_event_block gauge
qrsign_relay_chaincode_event_block 14
# HELP qrsign_relay_chaincode_event_first_block Block of the first chaincode event handled since start (-1 = none).
# TYPE qrsign_relay_chaincode_event_first_block gauge
qrsign_relay_chaincode_event_first_block 7
# HELP qrsign_relay_gateway_endpoint Index in gateway.endpoints of the peer gateway in use (0 = preferred).
# TYPE qrsign_relay_gateway_endpoint gauge
qrsign_relay_gateway_endpoint 1
`
	names := []string{"qrsign_relay_http_requests_total", "qrsign_relay_qr_cache_hits_total", "qrsign_relay_qr_cache_misses_total",
		"qrsign_relay_chaincode_events_total", "qrsign_relay_chaincode_event_block", "qrsign_relay_chaincode_event_first_block",
		"qrsign_relay_gateway_endpoint"}
	if err := testutil.GatherAndCompare(r.Gatherer(), strings.NewReader(want), names...); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		got  float64
	}{
		{"scan_callbacks", testutil.ToFloat64(r.ScanCallbacks.WithLabelValues("ok"))},
		{"login", testutil.ToFloat64(r.Login.WithLabelValues("challenge", "ok"))},
		{"invalidated", testutil.ToFloat64(r.Invalidated.WithLabelValues("RecordSignature", "MVCC_READ_CONFLICT"))},
		{"failovers", testutil.ToFloat64(r.GatewayFailovers.WithLabelValues("peer0:7051", "peer1:7051", "down"))},
		{"resumed", testutil.ToFloat64(r.GatewayResumed.WithLabelValues("RecordSignature", "status"))},
	} {
		if c.got != 1 {
			t.Errorf("%s = %g, want 1", c.name, c.got)
		}
	}
	if n := testutil.CollectAndCount(r.ScanCommit); n != 1 {
		t.Errorf("scan_commit_seconds: %d series", n)
	}
	for _, line := range []string{`qrsign_relay_scan_commit_seconds_bucket{le="0.1"} 0`, `qrsign_relay_scan_commit_seconds_bucket{le="0.15"} 1`,
		"qrsign_relay_scan_commit_seconds_count 1", `qrsign_relay_ledger_write_seconds_sum{op="RecordSignature"} 0.3`,
		`qrsign_relay_signature_group_size_bucket{le="1"} 1`, `qrsign_relay_signature_group_size_bucket{le="8"} 1`,
		`qrsign_relay_signature_group_size_bucket{le="16"} 2`, "qrsign_relay_signature_group_size_sum 14"} {
		if !strings.Contains(scrape(t, r), line+"\n") {
			t.Errorf("missing %q", line)
		}
	}
}

func TestFirstBlockIsMinusOneBeforeAnyEvent(t *testing.T) {
	r, _, _ := full(t)
	if !strings.Contains(scrape(t, r), "qrsign_relay_chaincode_event_first_block -1\n") {
		t.Fatal(scrape(t, r))
	}
}

func TestHandlerServesTheTextFormat(t *testing.T) {
	r, _, _ := full(t)
	rec := httptest.NewRecorder()
	r.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("%d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
}

func scrape(t *testing.T, r *Registry) string {
	t.Helper()
	rec := httptest.NewRecorder()
	r.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	return rec.Body.String()
}

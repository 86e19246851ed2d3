package httpapi

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
)

// TestMetricsExpositionLintsCleanAndCountsQRCache scrapes /metrics as
// Prometheus would, after real requests, and lints everything it serves.
func TestMetricsExpositionLintsCleanAndCountsQRCache(t *testing.T) {
	h := newHarness(t)
	h.register("doc-1", signer("bob", 1))
	for range 2 { // a miss, then a hit
		if rec := h.do("GET", "/v1/documents/doc-1/qr.png?signer=Org1MSP/bob", nil, "X-API-Key", readKey); rec.Code != 200 {
			t.Fatalf("qr.png: %d %s", rec.Code, rec.Body)
		}
	}
	rec := h.do("GET", "/metrics", nil, "Authorization", "Bearer "+metricsToken)
	if rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	body := rec.Body.String()
	problems, err := promlint.New(strings.NewReader(body)).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
	for _, line := range []string{
		"qrsign_relay_qr_cache_hits_total 1", "qrsign_relay_qr_cache_misses_total 1",
		`qrsign_relay_http_requests_total{method="GET",route="/v1/documents/:id/qr.png",status="200"} 2`,
		"# TYPE go_goroutines gauge", "# TYPE process_cpu_seconds_total counter",
	} {
		if !strings.Contains(body, line+"\n") {
			t.Errorf("missing %q", line)
		}
	}
}

package metrics

import (
	"strings"
	"testing"
	"time"
)

func TestWriteIsPrometheusTextFormat(t *testing.T) {
	r := New()
	r.Help("req_total", "Requests.")
	r.Add("req_total", Labels("route", "/a", "status", "200"), 2)
	r.Add("req_total", Labels("route", `/q"x`, "status", "500"), 1)
	r.Observe("lat_seconds", "", 120*time.Millisecond)
	r.Gauge("up", func() float64 { return 1 })
	var b strings.Builder
	r.Write(&b)
	want := `# HELP req_total Requests.
# TYPE req_total counter
req_total{route="/a",status="200"} 2
req_total{route="/q\"x",status="500"} 1
# TYPE up gauge
up 1
# TYPE lat_seconds histogram
`
	if !strings.HasPrefix(b.String(), want) {
		t.Fatalf("got\n%s", b.String())
	}
	for _, line := range []string{`lat_seconds_bucket{le="0.1"} 0`, `lat_seconds_bucket{le="0.15"} 1`, `lat_seconds_bucket{le="+Inf"} 1`,
		"lat_seconds_sum 0.12", "lat_seconds_count 1"} {
		if !strings.Contains(b.String(), line+"\n") {
			t.Errorf("missing %q", line)
		}
	}
}

package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	_ "embed"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/metrics"
)

//go:embed openapi.json
var openapiJSON []byte

// OpenAPI is the embedded OpenAPI 3.1 description of the API.
func OpenAPI() []byte { return openapiJSON }

func (s *Server) openapi(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/json", openapiJSON)
}

func (s *Server) registerMetrics() {
	s.metrics.Help("qrsign_relay_http_requests_total", "HTTP requests by route, method and status.")
	s.metrics.Help("qrsign_relay_scan_callbacks_total", "Scan callbacks by result (ok, replayed, or problem code).")
	s.metrics.Help("qrsign_relay_scan_commit_seconds", "Scan callback to committed transaction, seconds.")
	s.metrics.Help("qrsign_relay_qr_cache_hits", "QR PNGs served from the cache.")
	if st, ok := s.events.(interface{ Stats() (uint64, uint64) }); ok {
		s.metrics.Help("qrsign_relay_chaincode_events", "Chaincode events handled since start (resumed from the checkpoint).")
		s.metrics.Gauge("qrsign_relay_chaincode_events", func() float64 { n, _ := st.Stats(); return float64(n) })
		s.metrics.Help("qrsign_relay_chaincode_event_block", "Block of the last chaincode event handled.")
		s.metrics.Gauge("qrsign_relay_chaincode_event_block", func() float64 { _, b := st.Stats(); return float64(b) })
	}
	if fb, ok := s.events.(interface{ FirstBlock() (uint64, bool) }); ok {
		s.metrics.Help("qrsign_relay_chaincode_event_first_block", "Block of the first chaincode event handled since start (-1 = none).")
		s.metrics.Gauge("qrsign_relay_chaincode_event_first_block", func() float64 {
			if b, ok := fb.FirstBlock(); ok {
				return float64(b)
			}
			return -1
		})
	}
	s.metrics.Help("qrsign_relay_ledger_write_seconds", "Ledger writes, endorsement to commit status, seconds.")
	if s.svc.Observe == nil {
		s.svc.Observe = func(op string, d time.Duration) {
			s.metrics.Observe("qrsign_relay_ledger_write_seconds", metrics.Labels("op", op), d)
		}
	}
	s.metrics.Gauge("qrsign_relay_qr_cache_hits", func() float64 { h, _ := s.qr.Stats(); return float64(h) })
	s.metrics.Gauge("qrsign_relay_qr_cache_misses", func() float64 { _, m := s.qr.Stats(); return float64(m) })
}

func sha(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }

func (s *Server) metricsHandler(c echo.Context) error {
	if t := s.cfg.MetricsToken; t != "" {
		got := strings.TrimPrefix(c.Request().Header.Get(echo.HeaderAuthorization), "Bearer ")
		if subtle.ConstantTimeCompare(sha(got), sha(t)) != 1 {
			return fault.New(fault.CodeUnauthorized, "GET /metrics needs Authorization: Bearer <metricsToken>")
		}
	}
	c.Response().Header().Set(echo.HeaderContentType, metrics.ContentType)
	c.Response().WriteHeader(http.StatusOK)
	return s.metrics.Write(c.Response())
}

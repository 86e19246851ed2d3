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
)

//go:embed openapi.json
var openapiJSON []byte

// OpenAPI is the embedded OpenAPI 3.1 description of the API (the contract
// relay/internal/apicheck validates every integration-test response against).
func OpenAPI() []byte { return openapiJSON }

func (s *Server) openapi(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/json", openapiJSON)
}

// registerMetrics feeds the registry's function-backed series from this
// server's QR cache and event listener, and times ledger writes.
func (s *Server) registerMetrics() {
	s.metrics.QRCache(s.qr.Stats)
	if st, ok := s.events.(interface{ Stats() (uint64, uint64) }); ok {
		var first func() (uint64, bool)
		if fb, ok := s.events.(interface{ FirstBlock() (uint64, bool) }); ok {
			first = fb.FirstBlock
		}
		s.metrics.ChaincodeEvents(st.Stats, first)
	}
	if s.svc.Observe == nil {
		s.svc.Observe = func(op string, d time.Duration) { s.metrics.LedgerWrite.WithLabelValues(op).Observe(d.Seconds()) }
	}
}

func sha(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }

// metricsHandler serves /metrics only to holders of metricsToken: with
// none configured, nobody (the series name routes, peers and volumes).
func (s *Server) metricsHandler(c echo.Context) error {
	t := s.cfg.MetricsToken
	if t == "" {
		return fault.New(fault.CodeUnauthorized, "GET /metrics needs a metricsToken, and this relay has none configured")
	}
	got := strings.TrimPrefix(c.Request().Header.Get(echo.HeaderAuthorization), "Bearer ")
	if subtle.ConstantTimeCompare(sha(got), sha(t)) != 1 {
		return fault.New(fault.CodeUnauthorized, "GET /metrics needs Authorization: Bearer <metricsToken>")
	}
	s.metrics.Handler().ServeHTTP(c.Response(), c.Request())
	return nil
}

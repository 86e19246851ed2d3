package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/qrsign/qrsign/relay/config"
	"github.com/qrsign/qrsign/relay/service"
)

// lookup serves GET /v1/verify?sha256=|txId=|doc= (and &cursor= for more
// documents with one hash): what the public verification page shows. It is
// ledger data the signing parties chose to anchor, served without a key when
// publicVerify is on (the default), rate-limited like every route and charged
// one more token per further document found.
func (s *Server) lookup(c echo.Context) error {
	res, err := s.svc.Lookup(c.Request().Context(), service.LookupParams{SHA256: c.QueryParam("sha256"),
		TxID: c.QueryParam("txId"), DocumentID: c.QueryParam("doc"), Cursor: c.QueryParam("cursor")})
	if err != nil {
		return err
	}
	// The rate limiter took one token; each further document cost its own evaluations.
	if n := len(res.Matches); n > 1 {
		s.limiter.charge(c.RealIP(), float64(n-1))
	}
	c.Response().Header().Set("Cache-Control", "no-store") // statuses change as people sign
	return c.JSON(http.StatusOK, res)
}

// verifyAccess admits everyone when publicVerify is on, else API keys with documents:read.
func (s *Server) verifyAccess(next echo.HandlerFunc) echo.HandlerFunc {
	if s.cfg.PublicVerify {
		return next
	}
	return s.requireScope(config.ScopeRead)(next)
}

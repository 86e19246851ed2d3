package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/service"
)

// The enrollment endpoint has its own, much stricter bucket per client on
// top of the global one: each request is a guess at a one-time secret. The
// guesses per enrollment id are budgeted apart (service.EnrollRefusals), well
// under Fabric CA's passwordattempts (default 10), which locks the identity.
const (
	enrollPerSecond = 1.0 / 6 // ten a minute once the burst is spent
	enrollBurst     = 5
)

// enroll serves POST /v1/enroll: a browser's CSR, forwarded to this relay's
// org's Fabric CA under the signer's one-time enrollment secret.
func (s *Server) enroll(e *service.Enrollment) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req api.EnrollRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		res, err := e.Enroll(c.Request().Context(), s.callerOf(c), req)
		if err != nil {
			return err
		}
		c.Response().Header().Set("Cache-Control", "no-store")
		return c.JSON(http.StatusOK, res)
	}
}

// strictLimit is a token bucket per client key (clientKey) for one route.
func strictLimit(perSecond float64, burst int, now func() time.Time) echo.MiddlewareFunc {
	l := newLimiter(perSecond, burst, now)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if ok, wait := l.allow(clientKey(c)); !ok {
				p := fault.New(fault.CodeRateLimited, "too many attempts from this client; wait before trying again")
				p.RetryAfter = int(wait/time.Second) + 1
				c.Response().Header().Set("X-RateLimit-Limit", strconv.FormatFloat(perSecond, 'g', -1, 64))
				return p
			}
			return next(c)
		}
	}
}

package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/problem"
)

var errPanic = errors.New("handler panicked")

func newRequestID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// handleError renders every error as application/problem+json: the coded
// error's code and detail, the status from relay/problem's table. The
// internal cause is logged with the request id, never sent.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	f := s.toFault(err)
	p := problem.Of(f, requestID(c))
	if p.Status >= 500 {
		s.log(c).Error("request failed", "code", p.Code, "err", err, "cause", f.Cause())
	} else if f.Cause() != nil {
		s.log(c).Info("request refused", "code", p.Code, "cause", f.Cause())
	}
	if f.RetryAfter > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
	}
	c.Response().Header().Set(echo.HeaderContentType, api.ProblemContentType)
	c.Response().WriteHeader(p.Status)
	if c.Request().Method == http.MethodHead {
		return
	}
	_ = jsonEncode(c.Response(), p)
}

// toFault gives the errors of the HTTP stack (body limits, Echo's router)
// their codes; the domain's pass through.
func (s *Server) toFault(err error) *fault.Error {
	var he *echo.HTTPError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return fault.Newf(fault.CodePayloadTooLarge, "the request body is larger than %d bytes", mbe.Limit)
	case errors.As(err, &he):
		switch he.Code {
		case http.StatusNotFound:
			return fault.New(fault.CodeNotFound, "no such resource")
		case http.StatusMethodNotAllowed:
			return fault.New(fault.CodeMethodNotAllow, "method not allowed on this resource")
		case http.StatusRequestEntityTooLarge:
			return fault.New(fault.CodePayloadTooLarge, "the request body is too large")
		case http.StatusTooManyRequests:
			return fault.New(fault.CodeRateLimited, "too many requests; slow down")
		case http.StatusUnauthorized:
			return fault.New(fault.CodeUnauthorized, "an API key is required")
		}
		if he.Code < 500 {
			return fault.New(model.CodeBadRequest, "bad request").WithCause(err)
		}
	}
	return fault.From(err)
}

package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/problem"
	"github.com/qrsign/qrsign/relay/service"
)

var errPanic = errors.New("handler panicked")

func newRequestID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// handleError renders every error as application/problem+json. The internal
// cause is logged with the request id, never sent.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var body any
	p := s.toProblem(err)
	p.RequestID = requestID(c)
	body = p
	var bp *service.BatchProblem
	if errors.As(err, &bp) {
		body = bp // the problem plus per-document errors or the batch's state
	}
	if p.Status >= 500 {
		s.log(c).Error("request failed", "code", p.Code, "err", err, "cause", p.Cause())
	} else if p.Cause() != nil {
		s.log(c).Info("request refused", "code", p.Code, "cause", p.Cause())
	}
	if p.RetryAfter > 0 {
		c.Response().Header().Set("Retry-After", strconv.Itoa(p.RetryAfter))
	}
	c.Response().Header().Set(echo.HeaderContentType, problem.ContentType)
	c.Response().WriteHeader(p.Status)
	if c.Request().Method == http.MethodHead {
		return
	}
	_ = jsonEncode(c.Response(), body)
}

func (s *Server) toProblem(err error) *problem.Problem {
	var he *echo.HTTPError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return problem.Newf(problem.CodePayloadTooLarge, "the request body is larger than %d bytes", mbe.Limit)
	case errors.As(err, &he):
		switch he.Code {
		case http.StatusNotFound:
			return problem.New(problem.CodeNotFound, "no such resource")
		case http.StatusMethodNotAllowed:
			return problem.New(problem.CodeMethodNotAllow, "method not allowed on this resource")
		case http.StatusRequestEntityTooLarge:
			return problem.New(problem.CodePayloadTooLarge, "the request body is too large")
		case http.StatusTooManyRequests:
			return problem.New(problem.CodeRateLimited, "too many requests; slow down")
		case http.StatusUnauthorized:
			return problem.New(problem.CodeUnauthorized, "an API key is required")
		case http.StatusBadRequest:
			return problem.New(model.CodeBadRequest, "bad request").WithCause(err)
		}
		if he.Code < 500 {
			p := problem.New(model.CodeBadRequest, http.StatusText(he.Code))
			p.Status = he.Code
			return p
		}
	}
	return problem.From(err)
}

package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/jsonbody"
)

func jsonEncode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// decodeJSON reads one strict JSON object from the body (limits apply upstream).
func decodeJSON(c echo.Context, v any) error {
	b, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return fault.New(model.CodeBadRequest, "could not read the request body")
	}
	return jsonbody.Decode(b, v, "request JSON")
}

// limitJSON applies the JSON body limit inside a handler whose route allows
// larger (file) bodies.
func limitJSON(c echo.Context, n int64) error {
	r := c.Request()
	if r.ContentLength > n {
		return fault.Newf(fault.CodePayloadTooLarge, "the request body is larger than %d bytes", n)
	}
	r.Body = http.MaxBytesReader(c.Response(), r.Body, n)
	return nil
}

// bodyLimit refuses bodies over n bytes with 413 PAYLOAD_TOO_LARGE: at once
// when Content-Length says so, else when reading passes the limit.
func bodyLimit(n int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if r.ContentLength > n {
				return fault.Newf(fault.CodePayloadTooLarge, "the request body is larger than %d bytes", n)
			}
			r.Body = http.MaxBytesReader(c.Response(), r.Body, n)
			return next(c)
		}
	}
}

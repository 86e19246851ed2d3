package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/text"
	"github.com/qrsign/qrsign/relay/problem"
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
		return problem.New(model.CodeBadRequest, "could not read the request body")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return problem.Newf(model.CodeBadRequest, "request JSON: %v", err)
	}
	// More() would let a stray '}' or ']' through; only the end may follow.
	if _, err := dec.Token(); err != io.EOF {
		return problem.New(model.CodeBadRequest, "request JSON: trailing data after the object")
	}
	return jsonText(b)
}

// jsonText refuses, with 400 INVALID_FIELD naming the field, what
// encoding/json silently turned into U+FFFD: invalid UTF-8 and lone
// surrogate escapes (package text). Call it after a successful decode.
func jsonText(b []byte) error {
	if err := text.CheckJSON(b); err != nil {
		return problem.New(model.CodeInvalidField, err.Error())
	}
	return nil
}

// limitJSON applies the JSON body limit inside a handler whose route allows
// larger (file) bodies.
func limitJSON(c echo.Context, n int64) error {
	r := c.Request()
	if r.ContentLength > n {
		return problem.Newf(problem.CodePayloadTooLarge, "the request body is larger than %d bytes", n)
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
				return problem.Newf(problem.CodePayloadTooLarge, "the request body is larger than %d bytes", n)
			}
			r.Body = http.MaxBytesReader(c.Response(), r.Body, n)
			return next(c)
		}
	}
}

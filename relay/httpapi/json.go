package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/text"
	"github.com/qrsign/qrsign/relay/fault"
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
	return decodeStrict(b, v, "request JSON")
}

// decodeStrict reads one JSON object from b: unknown fields, a second value
// or trailing data are refused; what names the body or part in the detail.
func decodeStrict(b []byte, v any, what string) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fault.New(model.CodeBadRequest, what+": "+jsonDetail(err)).WithCause(err)
	}
	// More() would let a stray '}' or ']' through; only the end may follow.
	if _, err := dec.Token(); err != io.EOF {
		return fault.New(model.CodeBadRequest, what+": trailing data after the object")
	}
	if key := duplicateKey(b); key != "" {
		return fault.Newf(model.CodeBadRequest, "%s: key %q appears twice in one object", what, clipName(key))
	}
	return jsonText(b)
}

// duplicateKey is the first key repeated within one JSON object of b (which
// decoded already), or "". encoding/json keeps the last of two, so what a
// proxy or a log read as the first would not be what the relay used.
func duplicateKey(b []byte) string {
	dec := json.NewDecoder(bytes.NewReader(b))
	type frame struct {
		keys     map[string]bool
		isObject bool
		wantKey  bool
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		top := len(stack) - 1
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				if top >= 0 && stack[top].isObject {
					stack[top].wantKey = true // this value answers the pending key
				}
				stack = append(stack, frame{keys: map[string]bool{}, isObject: v == '{', wantKey: v == '{'})
			default:
				stack = stack[:top]
			}
			continue
		case string:
			if top >= 0 && stack[top].isObject && stack[top].wantKey {
				if stack[top].keys[v] {
					return v
				}
				stack[top].keys[v] = true
				stack[top].wantKey = false
				continue
			}
		}
		if top >= 0 && stack[top].isObject {
			stack[top].wantKey = true // a scalar value answered the key
		}
	}
}

// jsonText refuses, with 400 INVALID_FIELD naming the field, what
// encoding/json silently turned into U+FFFD: invalid UTF-8 and lone
// surrogate escapes (package text). Call it after a successful decode.
func jsonText(b []byte) error {
	if err := text.CheckJSON(b); err != nil {
		return fault.New(model.CodeInvalidField, err.Error())
	}
	return nil
}

// jsonDetail says what is wrong with a JSON body in the API's terms (the
// field and the JSON type it needs), never in Go's (struct and type names,
// time layouts).
func jsonDetail(err error) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	var pe *time.ParseError
	switch {
	case errors.As(err, &te) && te.Field != "":
		return fmt.Sprintf("field %q must be %s, not %s", te.Field, jsonKind(te.Type), te.Value)
	case errors.As(err, &te):
		return fmt.Sprintf("the body must be %s, not %s", jsonKind(te.Type), te.Value)
	case errors.As(err, &se):
		return fmt.Sprintf("malformed JSON at byte %d", se.Offset)
	case errors.As(err, &pe):
		return fmt.Sprintf("%q is not an RFC 3339 time (like 2026-12-01T09:00:00Z)", pe.Value)
	case errors.Is(err, io.EOF):
		return "the body is empty"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "the JSON ends early"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return err.Error() // names the JSON field only
	}
	return "malformed JSON"
}

// jsonKind names the JSON type a Go type decodes from.
func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8,
		reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "another JSON type"
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

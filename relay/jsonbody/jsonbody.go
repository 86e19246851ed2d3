// Package jsonbody is the one way the relay reads a JSON request body or
// part: exactly one object, no unknown fields, no key twice, text that
// survives decoding unchanged, and errors said in JSON terms, never in Go's.
package jsonbody

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/text"
	"github.com/qrsign/qrsign/relay/fault"
)

// Decode reads one JSON object from b: unknown fields, a second value
// or trailing data are refused; what names the body or part in the detail.
func Decode(b []byte, v any, what string) error {
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
		return fault.Newf(model.CodeBadRequest, "%s: key %q appears twice in one object", what, clip(key))
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
		return strings.TrimPrefix(err.Error(), "json: ") // names the JSON field only
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

// clip shortens a key named in a detail.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

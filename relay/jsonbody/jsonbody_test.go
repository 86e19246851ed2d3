package jsonbody

import (
	"errors"
	"testing"

	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/fault"
)

// A refused body is described in the API's JSON terms: no Go struct, field
// or type names, no time layouts.
func TestDecodeStrictDetailsSpeakJSONNotGo(t *testing.T) {
	for _, tc := range []struct{ body, detail string }{
		{`{"priority":"high"}`, `batch JSON: field "priority" must be a number, not string`},
		{`{"signers":{}}`, `batch JSON: field "signers" must be an array, not object`},
		{`{"expiresAt":"tomorrow"}`, `batch JSON: "tomorrow" is not an RFC 3339 time (like 2026-12-01T09:00:00Z)`},
		{`[1]`, `batch JSON: the body must be an object, not array`},
		{`{"title":`, `batch JSON: the JSON ends early`},
		{`{"title" "x"}`, `batch JSON: malformed JSON at byte 10`},
		{``, `batch JSON: the body is empty`},
		{`{"extra":1}`, `batch JSON: unknown field "extra"`},
		{`{"title":"x"} {}`, `batch JSON: trailing data after the object`},
	} {
		var m api.BatchMeta
		err := Decode([]byte(tc.body), &m, "batch JSON")
		var f *fault.Error
		if !errors.As(err, &f) || f.Code != "BAD_REQUEST" || f.Detail != tc.detail {
			t.Errorf("%s: %v, want BAD_REQUEST %q", tc.body, err, tc.detail)
		}
	}
}

func TestDuplicateKey(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"a":1,"b":2}`, ""},
		{`{"a":1,"a":2}`, "a"},
		{`{"a":{"b":1,"b":2}}`, "b"},
		{`{"a":[{"x":1},{"x":2}],"b":"a"}`, ""},
		{`{"a":[1,"a"],"a":0}`, "a"},
		{`{"t":"x","s":[{"id":"a","id":"b"}]}`, "id"},
		{`{"a":{},"b":[],"c":{"a":1}}`, ""},
		{`{"title":"ok","title":"Loan guarantee"}`, "title"},
	} {
		if got := duplicateKey([]byte(tc.in)); got != tc.want {
			t.Errorf("duplicateKey(%s) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

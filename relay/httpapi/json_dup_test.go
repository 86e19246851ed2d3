package httpapi

import (
	"strings"
	"testing"
)

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

func TestDuplicateKeysAreRefusedAtTheEdge(t *testing.T) {
	h := newHarness(t)
	body := `{"title":"Newsletter","docType":"contract","title":"Loan guarantee"}`
	rec := h.do("POST", "/v1/documents", strings.NewReader(body), "Content-Type", "application/json", "Authorization", "Bearer "+writeKey)
	p := wantProblem(t, rec, 400, "BAD_REQUEST")
	if p.Detail != `request JSON: key "title" appears twice in one object` {
		t.Fatalf("%q", p.Detail)
	}
}

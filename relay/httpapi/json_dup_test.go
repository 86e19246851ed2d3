package httpapi

import (
	"strings"
	"testing"
)

func TestDuplicateKeysAreRefusedAtTheEdge(t *testing.T) {
	h := newHarness(t)
	body := `{"title":"Newsletter","docType":"contract","title":"Loan guarantee"}`
	rec := h.do("POST", "/v1/documents", strings.NewReader(body), "Content-Type", "application/json", "Authorization", "Bearer "+writeKey)
	p := wantProblem(t, rec, 400, "BAD_REQUEST")
	if p.Detail != `request JSON: key "title" appears twice in one object` {
		t.Fatalf("%q", p.Detail)
	}
}

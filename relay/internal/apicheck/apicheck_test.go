package apicheck

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// relay answers canned responses by path, as a relay right or wrong would.
func relay(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/openapi.json", "/not/documented", "/healthz":
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"openapi":"3.1.0"}`)
		case "/v1/documents/doc-1": // a 200 whose body has a field of the wrong type
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"id":"doc-1","status":"LOST"}`)
		case "/v1/documents/doc-2": // a status the operation does not list
			w.WriteHeader(http.StatusTeapot)
		case "/v1/documents/doc-3":
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"type":"about:blank","title":"Not Found","status":404,"detail":"no document doc-3","code":"NOT_FOUND"}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestResponsesAreCheckedAgainstTheDocument(t *testing.T) {
	srv := relay(t)
	c, err := New(http.DefaultTransport)
	if err != nil {
		t.Fatal(err)
	}
	c.Watch(srv.URL)
	hc := &http.Client{Transport: c}
	for _, tc := range []struct {
		path, wantErr string
	}{
		{"/v1/openapi.json", ""},
		{"/healthz", ""}, // operational: outside the document, not checked
		{"/v1/documents/doc-3", ""},
		{"/not/documented", "no documented operation"},
		{"/v1/documents/doc-1", `value must be one of`},
		{"/v1/documents/doc-2", "status is not supported"},
	} {
		resp, err := hc.Get(srv.URL + tc.path)
		if tc.wantErr == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.path, err)
				continue
			}
			if b, _ := io.ReadAll(resp.Body); len(b) == 0 {
				t.Errorf("%s: body not left readable", tc.path)
			}
			resp.Body.Close()
		} else if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%s: err %v, want %q", tc.path, err, tc.wantErr)
		}
	}
	summary, bad := c.Report()
	if len(bad) != 3 || !strings.Contains(summary, "  GET /v1/documents/{id} [404]\n") ||
		!strings.Contains(summary, "  GET /v1/openapi.json [200]\n") || !strings.HasPrefix(summary, "openapi: responses of 2 of ") {
		t.Fatalf("%s%q", summary, bad)
	}
	if c.Finish(0) != 1 {
		t.Fatal("a mismatch must fail the run")
	}
}

func TestUnwatchedOriginsPassThrough(t *testing.T) {
	srv := relay(t)
	c, _ := New(http.DefaultTransport)
	resp, err := (&http.Client{Transport: c}).Get(srv.URL + "/not/documented")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, bad := c.Report(); len(bad) != 0 {
		t.Fatal(bad)
	}
}

func TestWebhookDeliveriesAreCheckedAgainstTheDocument(t *testing.T) {
	c, err := New(http.DefaultTransport)
	if err != nil {
		t.Fatal(err)
	}
	body := `{"id":"d1","type":"document.completed","subscriptionId":"s1","occurredAt":"2026-11-24T10:00:00Z","documentId":"doc-1","txId":"tx1","seq":2}`
	hdr := func(event, sig string) http.Header {
		return http.Header{"Content-Type": {"application/json"}, "Qrsign-Event": {event}, "Qrsign-Delivery": {"d1"},
			"Qrsign-Signature": {sig}}
	}
	good := "t=1764000000,v1=" + strings.Repeat("ab", 32)
	for _, tc := range []struct {
		name, event, sig, body, wantErr string
	}{
		{"document.completed", "document.completed", good, body, ""},
		{"document.declined", "document.declined", good, body, "value must be 'document.declined'"}, // the body says completed
		{"document.completed", "document.completed", "v1=abc", body, "header Qrsign-Signature"},
		{"document.completed", "document.voided", good, body, "header Qrsign-Event"},
		{"document.completed", "document.completed", good, `{"id":"d1"}`, "missing properties 'type'"},
		{"document.signed", "document.signed", good, body, "not documented"},
	} {
		err := c.CheckWebhook(tc.name, hdr(tc.event, tc.sig), []byte(tc.body))
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s (event %s, sig %s, body %s): %v, want %q", tc.name, tc.event, tc.sig, tc.body, err, tc.wantErr)
		}
	}
}

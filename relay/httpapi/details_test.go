package httpapi

import (
	"encoding/json"
	"strings"
	"testing"
)

// goisms are what Go's parsers say about bad input in Go's terms: type and
// struct names, package prefixes, layouts. No problem detail may hold one.
var goisms = []string{"Go struct", "Go value", "strconv.", "parsing time", "json:", "multipart:", "mime:", "invalid syntax",
	"unexpected EOF", "of type ", "api.", "model.", "time.Time"}

// Every endpoint that parses input is probed with input Go's parsers choke
// on: each answer is a 4xx problem whose detail speaks JSON and HTTP, not Go.
func TestProblemDetailsNeverSpeakGo(t *testing.T) {
	h := newHarness(t)
	h.mountWebhooks()
	h.register("doc-1", signer("bob", 1))

	// Bodies no JSON endpoint accepts, then per endpoint ones of the wrong types.
	common := []string{`{"zz":1}`, `[1]`, `"text"`, `{`, `{"a":1}x`, `{"a":"\x"}`, ``, `nul`, `{"a":1,"a":2}`, "\xff"}
	jsonEndpoints := map[string][]string{
		"/v1/documents": {`{"title":1}`, `{"priority":"high"}`, `{"priority":1.5}`, `{"priority":1e400}`,
			`{"signers":[{"routingOrder":"1"}]}`, `{"signers":{}}`, `{"expiresAt":"tomorrow"}`,
			`{"expiresAt":"2026-13-01T00:00:00Z"}`, `{"expiresAt":12}`, `{"size":"big"}`, `{"size":-1.5}`},
		"/v1/callbacks/scan":              {`{"token":1}`, `{"algorithm":[]}`, `{"reason":{}}`},
		"/v1/documents/doc-1/annotations": {`{"nonce":1}`, `{"tags":"a"}`, `{"tags":[1]}`},
		"/v1/callbacks/login":             {`{"token":true}`, `{"mspId":1}`},
		"/v1/webhooks":                    {`{"url":1}`, `{"events":"all"}`, `{"events":[1]}`},
		"/v1/enroll":                      {`{"enrollmentId":1}`, `{"csrPem":["x"]}`},
	}
	type probe struct{ method, path, ctype, body string }
	var probes []probe
	for path, bodies := range jsonEndpoints {
		for _, b := range append(common, bodies...) {
			probes = append(probes, probe{"POST", path, "application/json", b})
		}
	}
	for _, b := range append(common, jsonEndpoints["/v1/documents"]...) {
		probes = append(probes, probe{"POST", "/v1/documents", "multipart/form-data; boundary=B",
			"--B\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n" + b + "\r\n--B\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nx\r\n--B--\r\n"})
		probes = append(probes, probe{"POST", "/v1/batches", "multipart/form-data; boundary=B",
			"--B\r\nContent-Disposition: form-data; name=\"batch\"\r\n\r\n" + b + "\r\n--B--\r\n"})
	}
	for _, b := range []string{`{"documents":[{"order":"1"}]}`, `{"documents":{}}`, `{"expiresAt":"soon"}`} {
		probes = append(probes, probe{"POST", "/v1/batches", "multipart/form-data; boundary=B",
			"--B\r\nContent-Disposition: form-data; name=\"batch\"\r\n\r\n" + b + "\r\n--B--\r\n"})
	}
	for _, path := range []string{"/v1/documents", "/v1/batches"} {
		for _, p := range []probe{
			{"POST", path, "multipart/form-data", "x"},                                       // no boundary
			{"POST", path, "multipart/form-data; boundary=B", "--B\r\nbroken"},               // truncated
			{"POST", path, "multipart/form-data; boundary=B", "no parts at all"},             // no delimiter
			{"POST", path, "multipart/form-data; boundary=B", "--B\r\nContent-Type\r\n\r\n"}, // bad part header
			{"POST", path, "multipart/form-data; boundary=\"", "--B--"},                      // bad media type
			{"POST", path, "text/plain; charset=\"", "x"},
		} {
			probes = append(probes, p)
		}
	}
	for _, path := range []string{
		"/v1/documents/doc-1/qr.png?signer=Org1MSP/bob&size=abc",
		"/v1/documents/doc-1/qr.png?signer=Org1MSP/bob&size=99999999999999999999",
		"/v1/documents/doc-1/qr.png?signer=Org1MSP/bob&size=-1",
		"/v1/documents/doc-1/qr.png?signer=nobody",
		"/v1/owners/alice/records?from=yesterday",
		"/v1/owners/alice/records?to=2026-02-30T00:00:00Z",
		"/v1/owners/alice/records?limit=abc",
		"/v1/owners/alice/records?limit=99999999999999999999",
		"/v1/owners/alice/records?limit=1e3",
		"/v1/owners/alice/records?status=maybe",
		"/v1/owners/alice/records?format=csv&lang=xx",
		"/v1/owners/alice/records?format=csv&bom=perhaps",
		"/v1/owners/alice/records?cursor=%ff%fe",
		"/v1/verify?sha256=zz",
		"/v1/verify?txId=%00",
		"/v1/batches/nope/sheet.pdf?lang=xx",
		"/v1/login/challenges/x/qr.png?size=abc",
		"/v1/sessions/not-a-token",
		"/v1/documents/doc-1?token=not-a-token",
	} {
		probes = append(probes, probe{"GET", path, "", ""})
	}
	for _, p := range probes {
		hdr := []string{"Authorization", "Bearer " + writeKey}
		if strings.Contains(p.path, "token") {
			hdr = nil // a token is read only without a key
		}
		if p.ctype != "" {
			hdr = append(hdr, "Content-Type", p.ctype)
		}
		rec := h.do(p.method, p.path, strings.NewReader(p.body), hdr...)
		var pb problemBody
		if rec.Code < 400 || rec.Code >= 500 || json.Unmarshal(rec.Body.Bytes(), &pb) != nil || pb.Detail == "" {
			t.Errorf("%s %s %q: %d %s, want a 4xx problem", p.method, p.path, p.body, rec.Code, rec.Body)
			continue
		}
		for _, g := range goisms {
			if strings.Contains(pb.Detail, g) {
				t.Errorf("%s %s %q: detail %q holds %q", p.method, p.path, p.body, pb.Detail, g)
			}
		}
	}
	t.Logf("%d probes", len(probes))
}

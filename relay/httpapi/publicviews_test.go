package httpapi

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/config"
)

// The public views of every keyless lookup hold nothing the publicSigners
// level withholds (titles, owners, doc types, tags, notes,
// reasons, signer ids, cert subjects; at none also the orgs).
func TestPublicViewsHoldNothingThePublicSignersLevelWithholds(t *testing.T) {
	for _, level := range []string{"none", "org"} {
		h := newHarness(t, func(c *config.Config) { c.PublicSigners = level })
		reg := h.register("doc-1", signer("bob", 1), signer("carol", 2))
		bob, carol := h.ca.Signer("bob"), h.ca.Signer("carol")
		rec := h.doJSON("POST", "/v1/callbacks/scan", h.callback(reg.Signing[0].Token, bob, "sign", ""))
		if rec.Code != 200 {
			t.Fatalf("sign %d %s", rec.Code, rec.Body)
		}
		signTx := decode[api.CallbackResult](t, rec).TxID
		rec = h.doJSON("POST", "/v1/documents/doc-1/annotations", h.annotation("doc-1", bob, strings.Repeat("4d", 16), []string{"secrettag"}, "secretnote"))
		if rec.Code != 201 {
			t.Fatalf("annotate %d %s", rec.Code, rec.Body)
		}
		annTx := decode[api.Annotated](t, rec).TxID
		rec = h.doJSON("POST", "/v1/callbacks/scan", h.callback(reg.Signing[1].Token, carol, "decline", "secretreason"))
		if rec.Code != 200 {
			t.Fatalf("decline %d %s", rec.Code, rec.Body)
		}
		decTx := decode[api.CallbackResult](t, rec).TxID
		doc := decode[map[string]any](t, h.do("GET", "/v1/documents/doc-1", nil, "X-API-Key", readKey))
		sha, _ := doc["sha256"].(string)
		secrets := []string{"bob", "carol", "Contract", "alice", "contract", "secrettag", "secretnote", "secretreason", "CN=", "Org1 CA"}
		if level == "none" {
			secrets = append(secrets, "Org1MSP")
		}
		check := func(what string, rec *httptest.ResponseRecorder) {
			t.Helper()
			b := rec.Body.String()
			t.Logf("%s %s -> %d %.300s", level, what, rec.Code, b)
			for _, s := range secrets {
				if strings.Contains(b, s) {
					t.Errorf("%s %s: %d leaks %q: %s", level, what, rec.Code, s, b)
				}
			}
		}
		for _, q := range []string{"doc=doc-1", "sha256=" + sha, "txId=" + signTx, "txId=" + annTx, "txId=" + decTx, "doc=doc-404"} {
			check("GET /v1/verify?"+q, h.do("GET", "/v1/verify?"+q, nil))
		}
		check("POST /v1/verify/pdf file", h.do("POST", "/v1/verify/pdf", strings.NewReader("%PDF-1.7 document doc-1"), "Content-Type", "application/pdf"))
		check("POST /v1/verify/pdf prefixes", h.doJSON("POST", "/v1/verify/pdf", map[string]any{"prefixes": []map[string]any{{"end": 23, "sha256": sha}}}))
		check("GET /v1/orgs/Org2MSP/trust", h.do("GET", "/v1/orgs/Org2MSP/trust", nil))
	}
}

package httpapi

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"encoding/pem"
	"net/http"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/chaincode/testpki"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/config"
)

// registerJSON registers a document stored elsewhere with a priority.
func (h *harness) registerJSON(id string, priority int, signers ...model.SignerSpec) {
	h.t.Helper()
	meta := map[string]any{"id": id, "title": "T " + id, "docType": "contract", "owner": "alice", "signers": signers,
		"priority": priority, "sha256": strings.Repeat("ab", 32), "size": 10}
	if rec := h.doJSON("POST", "/v1/documents", meta, "Authorization", "Bearer "+writeKey); rec.Code != 201 {
		h.t.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

func ids(p api.RecordsPage) string {
	var out []string
	for _, r := range p.Records {
		out = append(out, r.ID)
	}
	return strings.Join(out, ",")
}

func TestSignerRecordsArePagedWithTheChaincodeBookmarkAsCursor(t *testing.T) {
	h := newHarness(t)
	for _, id := range []string{"doc-a", "doc-b", "doc-c"} {
		h.registerJSON(id, 0, signer("bob", 1))
		h.advance(1e9)
	}
	h.registerJSON("doc-x", 0, signer("carol", 1))
	auth := []string{"Authorization", "Bearer " + readKey}
	p1 := decode[api.RecordsPage](t, h.do("GET", "/v1/signers/Org1MSP/bob/records?limit=2", nil, auth...))
	if ids(p1) != "doc-a,doc-b" || p1.NextCursor == "" {
		t.Fatalf("%+v", p1)
	}
	p2 := decode[api.RecordsPage](t, h.do("GET", "/v1/signers/Org1MSP/bob/records?limit=2&cursor="+p1.NextCursor, nil, auth...))
	if ids(p2) != "doc-c" || p2.NextCursor != "" {
		t.Fatalf("%+v", p2)
	}
	own := decode[api.RecordsPage](t, h.do("GET", "/v1/owners/alice/records?type=contract", nil, auth...))
	if len(own.Records) != 4 {
		t.Fatalf("%s", ids(own))
	}
}

func TestPendingIsOrderedByPriorityThenRoutingOrder(t *testing.T) {
	h := newHarness(t)
	h.registerJSON("doc-low", 1, signer("bob", 1))
	h.registerJSON("doc-high-late", 9, signer("carol", 1), signer("bob", 2))
	h.registerJSON("doc-high-first", 9, signer("bob", 1))
	p := decode[api.RecordsPage](t, h.do("GET", "/v1/signers/Org1MSP/bob/pending", nil, "Authorization", "Bearer "+readKey))
	if ids(p) != "doc-high-first,doc-high-late,doc-low" {
		t.Fatal(ids(p))
	}
}

func TestRecordsRefusals(t *testing.T) {
	h := newHarness(t)
	auth := []string{"Authorization", "Bearer " + readKey}
	for _, tc := range []struct{ path, code, detail string }{
		{"/v1/signers/Org1MSP/bob/records?status=LOST", "INVALID_FIELD", `status must be one of PENDING, COMPLETED, DECLINED, VOIDED, EXPIRED, not "LOST"`},
		{"/v1/signers/Org1MSP/bob/records?limit=0", "INVALID_FIELD", "limit must be an integer 1..200"},
		{"/v1/signers/Org1MSP/bob/records?limit=201", "INVALID_FIELD", "limit must be an integer 1..200"},
		{"/v1/signers/Org1MSP/bob/records?from=yesterday", "INVALID_FIELD", "from must be an RFC 3339 time, e.g. 2026-11-24T00:00:00Z"},
		{"/v1/owners/alice/records?from=2026-11-25T00:00:00Z&to=2026-11-24T00:00:00Z", "INVALID_FIELD", "from must be before to"},
		{"/v1/owners/alice/records?format=xml", "INVALID_FIELD", `format must be json, csv, txt or pdf, not "xml"`},
		{"/v1/tags/Bad%20Tag/records", "INVALID_FIELD", `tag "Bad Tag" is not a valid tag`},
		{"/v1/owners/alice/records?format=pdf&lang=fr", "INVALID_FIELD", `lang must be en or zh-CN, not "fr"`},
		{"/v1/owners/alice/records?format=csv&bom=yes", "INVALID_FIELD", `bom must be 1 or 0, not "yes"`},
	} {
		p := wantProblem(t, h.do("GET", tc.path, nil, auth...), 400, tc.code)
		if p.Detail != tc.detail {
			t.Errorf("%s: %q", tc.path, p.Detail)
		}
	}
	wantProblem(t, h.do("GET", "/v1/owners/alice/records", nil), 401, "UNAUTHORIZED")
}

func TestRecordsExportCSVFollowsBookmarksAndSaysHowManyInTrailers(t *testing.T) {
	h := newHarness(t)
	for i := 0; i < 5; i++ {
		h.registerJSON("doc-"+string(rune('a'+i)), 0, signer("bob", 1))
	}
	rec := h.do("GET", "/v1/signers/Org1MSP/bob/records?format=csv&limit=2", nil, "Authorization", "Bearer "+readKey)
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("%d %s", rec.Code, rec.Header())
	}
	rows, err := csv.NewReader(bytes.NewReader(rec.Body.Bytes())).ReadAll()
	if err != nil || len(rows) != 6 {
		t.Fatalf("%d rows %v", len(rows), err)
	}
	res := rec.Result()
	if res.Trailer.Get("X-Export-Records") != "5" || res.Trailer.Get("X-Export-Truncated") != "false" {
		t.Fatalf("trailers %v", res.Trailer)
	}
}

func TestRecordsExportPDFIsACertificatePerDocument(t *testing.T) {
	h := newHarness(t)
	h.register("doc-1", signer("bob", 1))
	rec := h.do("GET", "/v1/owners/alice/records?format=pdf", nil, "Authorization", "Bearer "+readKey)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(rec.Body.Bytes(), []byte("%PDF-")) ||
		!bytes.Contains(rec.Body.Bytes(), []byte("%%EOF")) {
		t.Fatalf("%d %s %.40q", rec.Code, rec.Header(), rec.Body.Bytes())
	}
}

// A CSV starts with a UTF-8 BOM when asked, and by default when the request
// is Chinese (by ?lang= or Accept-Language); ?bom=0 turns it off.
func TestRecordsExportCSVByteOrderMark(t *testing.T) {
	h := newHarness(t)
	h.registerJSON("doc-a", 0, signer("bob", 1))
	for _, tc := range []struct {
		query, accept string
		bom           bool
	}{
		{"", "", false},
		{"&bom=1", "", true},
		{"&lang=zh-CN", "", true},
		{"", "zh-CN,zh;q=0.9", true},
		{"&lang=en", "zh-CN", false},
		{"&lang=zh-CN&bom=0", "", false},
	} {
		rec := h.do("GET", "/v1/signers/Org1MSP/bob/records?format=csv"+tc.query, nil, "Authorization", "Bearer "+readKey, "Accept-Language", tc.accept)
		if rec.Code != 200 || bytes.HasPrefix(rec.Body.Bytes(), []byte("\ufeff")) != tc.bom {
			t.Errorf("%q %q: %d, starts % x", tc.query, tc.accept, rec.Code, rec.Body.Bytes()[:3])
		}
	}
}

// annotation builds a signed annotation body.
func (h *harness) annotation(docID string, s *testpki.Signer, nonce string, tags []string, note string) api.AnnotationRequest {
	h.t.Helper()
	v, err := h.ledger.GetDocument(nil, docID)
	if err != nil {
		h.t.Fatal(err)
	}
	msg, err := payload.Build(payload.Fields{Purpose: payload.PurposeAnnotate, Channel: "qrsign", DocumentID: docID,
		DocumentSHA256: v.SHA256, Nonce: nonce, SignerFingerprint: payload.Fingerprint(s.Cert.Raw), Tags: tags, Note: note})
	if err != nil {
		h.t.Fatal(err)
	}
	sig, _ := sigalg.Sign(model.AlgECDSAP256DER, s.Key, msg)
	return api.AnnotationRequest{Nonce: nonce, CertChainPEM: s.CertPEM, Signature: base64.StdEncoding.EncodeToString(sig),
		Algorithm: model.AlgECDSAP256DER, Tags: tags, Note: note}
}

func TestAnnotationBySignerCommitsAndItsTagIsSearchable(t *testing.T) {
	h := newHarness(t)
	h.register("doc-1", signer("bob", 1))
	bob := h.ca.Signer("bob")
	nonce := strings.Repeat("1f", 16)
	rec := h.doJSON("POST", "/v1/documents/doc-1/annotations", h.annotation("doc-1", bob, nonce, []string{"hr"}, "filed"))
	if rec.Code != http.StatusCreated {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	res := decode[api.Annotated](t, rec)
	if res.TxID == "" || res.BlockNumber == 0 || res.ValidationCode != "VALID" || strings.Join(res.Tags, ",") != "hr" {
		t.Fatalf("%+v", res)
	}
	p := decode[api.RecordsPage](t, h.do("GET", "/v1/tags/hr/records", nil, "Authorization", "Bearer "+readKey))
	if ids(p) != "doc-1" {
		t.Fatal(ids(p))
	}
	// The same annotation retried (lost answer): the first result, replayed.
	rec = h.doJSON("POST", "/v1/documents/doc-1/annotations", h.annotation("doc-1", bob, nonce, []string{"hr"}, "filed"))
	if again := decode[api.Annotated](t, rec); rec.Code != 200 || !again.Replayed || again.TxID != res.TxID || again.BlockNumber != res.BlockNumber {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	h.register("doc-2", signer("bob", 1))
	wantProblem(t, h.doJSON("POST", "/v1/documents/doc-2/annotations", h.annotation("doc-2", bob, nonce, []string{"x"}, "")), 409, "NONCE_REUSED")
}

func TestAnnotationRefusals(t *testing.T) {
	h := newHarness(t)
	h.register("doc-1", signer("bob", 1))
	nonce := strings.Repeat("2e", 16)
	carol := h.ca.Signer("carol")
	p := wantProblem(t, h.doJSON("POST", "/v1/documents/doc-1/annotations", h.annotation("doc-1", carol, nonce, []string{"hr"}, "")), 403, "NOT_A_SIGNER")
	if p.Detail != `"carol" is not a signer of document doc-1` {
		t.Fatal(p.Detail)
	}
	impostor := testpki.NewCA("Other CA", h.ca.Cert.NotBefore, h.ca.Cert.NotAfter).Signer("bob")
	p = wantProblem(t, h.doJSON("POST", "/v1/documents/doc-1/annotations", h.annotation("doc-1", impostor, nonce, []string{"hr"}, "")), 422, "UNTRUSTED_CHAIN")
	if p.Detail != untrustedAnnotator {
		t.Fatal(p.Detail)
	}
	bad := h.annotation("doc-1", h.ca.Signer("bob"), nonce, []string{"hr"}, "")
	bad.Note = "changed after signing"
	wantProblem(t, h.doJSON("POST", "/v1/documents/doc-1/annotations", bad), 422, "BAD_SIGNATURE")
	wantProblem(t, h.doJSON("POST", "/v1/documents/doc-1/annotations", h.annotation("doc-1", h.ca.Signer("bob"), "short", []string{"hr"}, "")), 400, "INVALID_FIELD")
	wantProblem(t, h.doJSON("POST", "/v1/documents/doc-404/annotations", bad), 404, "DOCUMENT_NOT_FOUND")
	if h.ledger.EventCount("doc-1") != 1 {
		t.Fatal("a refused annotation reached the ledger")
	}
}

// untrustedAnnotator is the one answer to an annotation whose certificate no
// org of the document issued: it names neither the CN nor an org.
const untrustedAnnotator = "the certificate is not issued by a signer CA of this document's organisations"

// The annotation endpoint needs no key, so with publicSigners: none a
// self-made certificate must not tell who signs a document or their org:
// the chain is checked before the signer slot, and refused alike.
func TestAnnotationTellsAnOutsiderNeitherSignersNorOrgs(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.PublicSigners = "none" })
	h.register("doc-1", signer("bob", 1))
	other := testpki.NewCA("Attacker CA", h.ca.Cert.NotBefore, h.ca.Cert.NotAfter)
	nonce := strings.Repeat("3c", 16)
	for _, who := range []string{"bob", "carol"} {
		for _, msp := range []string{"", "Org1MSP", "Org9MSP"} {
			req := h.annotation("doc-1", other.Signer(who), nonce, nil, "x")
			req.MSPID = msp
			rec := h.doJSON("POST", "/v1/documents/doc-1/annotations", req)
			if p := wantProblem(t, rec, 422, "UNTRUSTED_CHAIN"); p.Detail != untrustedAnnotator {
				t.Fatalf("%s %q: %q", who, msp, p.Detail)
			}
			if contains(rec.Body.String(), "Org1MSP") || contains(rec.Body.String(), who) {
				t.Fatalf("%s %q: %s", who, msp, rec.Body)
			}
		}
		// A bad signature is refused before the chain, alike too.
		bad := h.annotation("doc-1", other.Signer(who), nonce, nil, "x")
		bad.Note = "y"
		if p := wantProblem(t, h.doJSON("POST", "/v1/documents/doc-1/annotations", bad), 422, "BAD_SIGNATURE"); contains(p.Detail, who) {
			t.Fatal(p.Detail)
		}
	}
	// A certificate the document's org issued learns whether it holds a slot.
	p := wantProblem(t, h.doJSON("POST", "/v1/documents/doc-1/annotations", h.annotation("doc-1", h.ca.Signer("carol"), nonce, nil, "x")), 403, "NOT_A_SIGNER")
	if p.Detail != `"carol" is not a signer of document doc-1` {
		t.Fatal(p.Detail)
	}
	if h.ledger.EventCount("doc-1") != 1 {
		t.Fatal("a refused annotation reached the ledger")
	}
}

// Without mspId the org is the one of the document's signer orgs whose CA
// issued the certificate: the same CN in two orgs is no ambiguity.
func TestAnnotationFindsTheOrgByTheIssuingCA(t *testing.T) {
	h := newHarness(t)
	ca2 := testpki.NewCA("Org2 CA", h.ca.Cert.NotBefore, h.ca.Cert.NotAfter)
	h.ledger.Trust["Org2MSP"] = &model.OrgTrust{MSPID: "Org2MSP", CAs: []model.SignerCA{{Subject: "CN=Org2 CA",
		CertPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca2.Cert.Raw}))}}}
	bob2 := signer("bob", 2)
	bob2.MSPID = "Org2MSP"
	h.register("doc-1", signer("bob", 1), bob2)
	for i, bob := range []*testpki.Signer{ca2.Signer("bob"), h.ca.Signer("bob")} {
		rec := h.doJSON("POST", "/v1/documents/doc-1/annotations", h.annotation("doc-1", bob, strings.Repeat(string(rune('a'+i)), 32), []string{"hr"}, ""))
		if rec.Code != 201 {
			t.Fatalf("%d: %d %s", i, rec.Code, rec.Body)
		}
	}
}

func TestRecordsExportStopsAtTheCapAndSaysSo(t *testing.T) {
	h := newHarness(t)
	for i := 0; i < 5; i++ {
		h.registerJSON("doc-"+string(rune('a'+i)), 0, signer("bob", 1))
	}
	h.srv.exportCap = 3
	rec := h.do("GET", "/v1/signers/Org1MSP/bob/records?format=csv&limit=2", nil, "Authorization", "Bearer "+readKey)
	rows, _ := csv.NewReader(bytes.NewReader(rec.Body.Bytes())).ReadAll()
	res := rec.Result()
	if rec.Code != 200 || len(rows) != 4 || res.Trailer.Get("X-Export-Records") != "3" || res.Trailer.Get("X-Export-Truncated") != "true" ||
		rec.Header().Get("X-Export-Limit") != "3" {
		t.Fatalf("%d rows %d trailers %v", rec.Code, len(rows), res.Trailer)
	}
}

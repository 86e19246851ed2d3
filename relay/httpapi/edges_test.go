package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/pades/padestest"
	"github.com/qrsign/qrsign/relay/tsa"
)

// expectProblem asserts rec is an RFC 9457 problem with status and code.
func expectProblem(t *testing.T, rec *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	res := rec.Result()
	var p api.Problem
	if err := json.NewDecoder(res.Body).Decode(&p); err != nil || res.StatusCode != status ||
		res.Header.Get("Content-Type") != api.ProblemContentType || string(p.Code) != code {
		t.Fatalf("HTTP %d %q code %q (%v), want %d problem %s", res.StatusCode, res.Header.Get("Content-Type"), p.Code, err, status, code)
	}
}

// A sign callback carrying both a PDF signature and a .p7s is refused before
// anything is stored: no revision file is left behind.
func TestPDFAndP7STogetherStoreNothing(t *testing.T) {
	h := pdfHarness(t)
	reg := h.registerPDF("pdf-1", signer("alice", 1))
	tok := reg.Signing[0].Token
	req := h.pdfCallback(tok, h.ca.Signer("alice"), h.preparePDF(tok))
	req.P7S = &api.P7SSignature{Time: h.clock(), Signature: "AA=="}
	blobs := func() int {
		files, _ := filepath.Glob(filepath.Join(h.cfg.DataDir, "blobs", "??", "*"))
		return len(files)
	}
	before := blobs()
	expectProblem(t, h.doJSON("POST", "/v1/callbacks/scan", req), http.StatusBadRequest, "INVALID_FIELD")
	if got := blobs() - before; got != 0 {
		t.Fatalf("%d files stored for a refused callback", got)
	}
	if doc, _ := h.ledger.GetDocument(t.Context(), "pdf-1"); doc.Revisions != 0 || doc.Signers[0].Status != model.SignerPending {
		t.Fatalf("ledger: %d revisions, signer %s", doc.Revisions, doc.Signers[0].Status)
	}
}

// A used session prepares no further increment (409 NONCE_REUSED, as its
// session read); before, it answered an increment over the DSS revision.
func TestUsedSessionPreparesNoIncrement(t *testing.T) {
	h := pdfHarness(t)
	reg := h.registerPDF("pdf-1", signer("alice", 1))
	tok := reg.Signing[0].Token
	if rec := h.doJSON("POST", "/v1/callbacks/scan", h.pdfCallback(tok, h.ca.Signer("alice"), h.preparePDF(tok))); rec.Code != http.StatusOK {
		t.Fatalf("callback: %d %s", rec.Code, rec.Body)
	}
	expectProblem(t, h.do("GET", "/v1/sessions/"+tok+"/pdf", nil), http.StatusConflict, "NONCE_REUSED")
}

// The file path of POST /v1/verify/pdf computes its own revision ends: a
// recorded PDF with more "%%EOF" markers than a JSON client may send
// prefixes is still recognised.
func TestVerifyPDFWithManyEOFMarkers(t *testing.T) {
	h := pdfHarness(t)
	file := append(padestest.SimplePDF(), bytes.Repeat([]byte("%%EOF\n"), 1200)...)
	meta := map[string]any{"id": "pdf-many", "title": "Many", "docType": "contract", "owner": "alice",
		"signers": []model.SignerSpec{signer("alice", 1)}, "priority": 1, "mediaType": model.PDFMediaType}
	body, ct := multipartBody(t, meta, file)
	if rec := h.do("POST", "/v1/documents", body, "Content-Type", ct, "Authorization", "Bearer "+writeKey); rec.Code != http.StatusCreated {
		t.Fatalf("register: %d %s", rec.Code, rec.Body)
	}
	rec := h.do("POST", "/v1/verify/pdf", bytes.NewReader(file), "Content-Type", "application/pdf", "Authorization", "Bearer "+readKey)
	if rec.Code != http.StatusOK {
		t.Fatalf("verify the registered file: %d %s", rec.Code, rec.Body)
	}
	var got struct {
		Matches []struct {
			DocumentID string `json:"documentId"`
		} `json:"matches"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || len(got.Matches) != 1 || got.Matches[0].DocumentID != "pdf-many" {
		t.Fatalf("matches %+v (%v): %s", got.Matches, err, rec.Body)
	}
}

// A Range a stored file cannot serve is a problem like every other refusal,
// not net/http's text; a servable one is 206.
func TestUnservableRangeIsAProblem(t *testing.T) {
	h := pdfHarness(t)
	h.registerPDF("pdf-1", signer("alice", 1))
	for _, path := range []string{"/v1/documents/pdf-1/signed.pdf?revision=0", "/v1/documents/pdf-1/content"} {
		rec := h.do("GET", path, nil, "Authorization", "Bearer "+readKey, "Range", "bytes=999999999-")
		expectProblem(t, rec, http.StatusRequestedRangeNotSatisfiable, "RANGE_NOT_SATISFIABLE")
		if rec := h.do("GET", path, nil, "Authorization", "Bearer "+readKey, "Range", "bytes=0-9"); rec.Code != http.StatusPartialContent || rec.Body.Len() != 10 {
			t.Fatalf("%s bytes=0-9: %d, %d bytes", path, rec.Code, rec.Body.Len())
		}
	}
}

// POST /v1/tsa refuses a body that is not a time-stamp query, or is over its
// 4 KiB, as problems; a malformed query of the right type is an RFC 3161
// rejection (200, timestamp-reply).
func TestTSARefusalsAreProblems(t *testing.T) {
	h := newHarness(t)
	h.srv = New(h.cfg, h.svc, Options{Logger: quiet, TSA: h.tsaAuthority()})
	post := func(ct string, body []byte) *httptest.ResponseRecorder {
		return h.do("POST", "/v1/tsa", bytes.NewReader(body), "Content-Type", ct)
	}
	expectProblem(t, post(tsa.MediaQuery, bytes.Repeat([]byte{0x30}, tsa.MaxQuery+1)), http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE")
	expectProblem(t, post("application/json", []byte("{}")), http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE")
	expectProblem(t, post("", []byte("x")), http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE")
	if rec := post(tsa.MediaQuery, []byte("garbage")); rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != tsa.MediaReply {
		t.Fatalf("a malformed query: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
}

package httpapi

// What an upload's and a batch's bytes must agree with before anything is
// stored or registered, and what a refused one leaves behind.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http/httptest"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/api"
)

// blobStored says whether the blob store holds content.
func blobStored(h *harness, content []byte) bool {
	sum := sha256.Sum256(content)
	sha := hex.EncodeToString(sum[:])
	_, err := os.Stat(filepath.Join(h.cfg.DataDir, "blobs", sha[:2], sha))
	return err == nil
}

// breakBlobStore replaces the blob store's tmp directory by a file, so
// every Put fails on the relay's side.
func breakBlobStore(t *testing.T, h *harness) {
	tmp := filepath.Join(h.cfg.DataDir, "blobs", "tmp")
	if err := os.RemoveAll(tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tmp, nil, 0o600); err != nil {
		t.Fatal(err)
	}
}

func uploadMeta(id string) map[string]any {
	return map[string]any{"id": id, "title": "T", "docType": "note", "owner": "alice", "signers": []model.SignerSpec{signer("bob", 1)}}
}

func (h *harness) upload(meta map[string]any, content []byte, hdr ...string) *httptest.ResponseRecorder {
	body, ct := multipartBody(h.t, meta, content)
	return h.do("POST", "/v1/documents", body, append([]string{"Content-Type", ct, "Authorization", "Bearer " + writeKey}, hdr...)...)
}

// An upload the ledger refuses for good deletes the blob it stored; bytes
// the store held before (another document's) stay.
func TestUploadRefusedByTheLedgerLeavesNoBlob(t *testing.T) {
	h := newHarness(t)
	h.register("dup", signer("bob", 1))
	content := []byte("%PDF-1.7 never registered")
	p := wantProblem(t, h.upload(uploadMeta("dup"), content), 409, "DOCUMENT_EXISTS")
	if p.Detail != "document dup exists" {
		t.Fatalf("detail %q", p.Detail)
	}
	if blobStored(h, content) {
		t.Fatal("the refused upload's blob stays in the store")
	}
	registered := []byte("%PDF-1.7 document dup") // the bytes h.register stored for dup
	wantProblem(t, h.upload(uploadMeta("dup"), registered), 409, "DOCUMENT_EXISTS")
	if !blobStored(h, registered) {
		t.Fatal("a refused upload deleted the blob of the registered document")
	}
}

// Metadata's size that the bytes contradict is 422 HASH_MISMATCH, like a
// contradicting sha256; nothing is stored or registered.
func TestUploadSizeContradictingTheBytesIs422(t *testing.T) {
	h := newHarness(t)
	content := []byte("%PDF-1.7 four")
	meta := uploadMeta("d-size")
	meta["size"] = 999999
	p := wantProblem(t, h.upload(meta, content), 422, "HASH_MISMATCH")
	if p.Detail != "the file is 13 bytes, metadata says size 999999" {
		t.Fatalf("detail %q", p.Detail)
	}
	if blobStored(h, content) || h.ledger.Submits != 0 {
		t.Fatalf("stored %v, submits %d", blobStored(h, content), h.ledger.Submits)
	}
	meta["size"] = len(content)
	if rec := h.upload(meta, content); rec.Code != 201 || decode[api.Registered](t, rec).Document.Size != 13 {
		t.Fatalf("the right size: %d %s", rec.Code, rec.Body)
	}
}

// A file declared application/pdf (by metadata or by its part's
// Content-Type) needs "%PDF-" within its first 1024 bytes: else 422
// PDF_UNREADABLE, nothing stored or registered.
func TestUploadOfPDFMediaTypeNeedsThePDFHeader(t *testing.T) {
	h := newHarness(t)
	notPDF := []byte("MZ\x90\x00 not a pdf at all")
	meta := uploadMeta("d-notpdf")
	meta["mediaType"] = "application/pdf"
	const detail = "the file is not a PDF (no %PDF- header in its first 1024 bytes), though its media type is application/pdf"
	if p := wantProblem(t, h.upload(meta, notPDF), 422, "PDF_UNREADABLE"); p.Detail != detail {
		t.Fatalf("detail %q", p.Detail)
	}
	late := append(bytes.Repeat([]byte(" "), 1020), "%PDF-1.7"...) // the header starts past byte 1024
	if p := wantProblem(t, h.upload(meta, late), 422, "PDF_UNREADABLE"); p.Detail != detail {
		t.Fatalf("detail %q", p.Detail)
	}
	// The part's Content-Type names the media type when the metadata does not.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mj, _ := json.Marshal(uploadMeta("d-notpdf"))
	mw.WriteField("metadata", string(mj))
	fw, _ := mw.CreatePart(textproto.MIMEHeader{"Content-Disposition": {`form-data; name="file"; filename="x.pdf"`}, "Content-Type": {"application/pdf"}})
	fw.Write(notPDF)
	mw.Close()
	if p := wantProblem(t, h.do("POST", "/v1/documents", &buf, "Content-Type", mw.FormDataContentType(), "Authorization", "Bearer "+writeKey),
		422, "PDF_UNREADABLE"); p.Detail != detail {
		t.Fatalf("detail %q", p.Detail)
	}
	if blobStored(h, notPDF) || blobStored(h, late) || h.ledger.Submits != 0 {
		t.Fatal("a refused upload stored or registered something")
	}
	// Other media types take any bytes; a PDF header after some junk, within 1024 bytes, is a PDF's.
	if rec := h.upload(uploadMeta("d-other"), notPDF); rec.Code != 201 {
		t.Fatalf("octet-stream: %d %s", rec.Code, rec.Body)
	}
	meta["id"] = "d-junk"
	if rec := h.upload(meta, append(bytes.Repeat([]byte("\n"), 1000), "%PDF-1.7 x"...)); rec.Code != 201 {
		t.Fatalf("header at byte 1000: %d %s", rec.Code, rec.Body)
	}
}

// The same Idempotency-Key with any other metadata is 409 DOCUMENT_EXISTS,
// never a replay of the document the ledger holds.
func TestUploadRetriedWithTheKeyButOtherMetadataIs409(t *testing.T) {
	base := func() map[string]any {
		return map[string]any{"title": "Lease", "docType": "contract", "owner": "alice", "signers": []model.SignerSpec{signer("bob", 1)}}
	}
	for _, tc := range []struct {
		name string
		set  func(m map[string]any, h *harness)
	}{
		{"docType", func(m map[string]any, _ *harness) { m["docType"] = "invoice" }},
		{"mediaType", func(m map[string]any, _ *harness) { m["mediaType"] = "text/plain" }},
		{"priority", func(m map[string]any, _ *harness) { m["priority"] = 9 }},
		{"batchId", func(m map[string]any, _ *harness) { m["batchId"], m["batchOrder"] = "b7", 1 }},
		{"expiresAt", func(m map[string]any, h *harness) {
			m["expiresAt"] = h.clock().Add(48 * time.Hour).UTC().Format(time.RFC3339)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			first := h.upload(base(), []byte("%PDF-1.7 lease"), "Idempotency-Key", "k-1")
			if first.Code != 201 {
				t.Fatalf("%d %s", first.Code, first.Body)
			}
			id := decode[api.Registered](t, first).Document.ID
			if rec := h.upload(base(), []byte("%PDF-1.7 lease"), "Idempotency-Key", "k-1"); rec.Code != 200 {
				t.Fatalf("the same request: %d %s", rec.Code, rec.Body)
			}
			m := base()
			tc.set(m, h)
			p := wantProblem(t, h.upload(m, []byte("%PDF-1.7 lease"), "Idempotency-Key", "k-1"), 409, "DOCUMENT_EXISTS")
			if want := "document " + id + " was registered by an earlier request with this Idempotency-Key but different content or metadata"; p.Detail != want {
				t.Fatalf("detail %q", p.Detail)
			}
		})
	}
}

// The relay failing to store an upload's file is its own fault: 500
// INTERNAL, not a malformed request.
func TestUploadBlobStoreFailureIs500(t *testing.T) {
	h := newHarness(t)
	breakBlobStore(t, h)
	p := wantProblem(t, h.upload(uploadMeta("d-broken"), []byte("%PDF-1.7 x")), 500, "INTERNAL")
	if p.Detail != "internal error" || h.ledger.Submits != 0 {
		t.Fatalf("detail %q, submits %d", p.Detail, h.ledger.Submits)
	}
}

// A blob store failure while a batch's file streams in is 500 INTERNAL, not
// 400 "malformed multipart body".
func TestBatchBlobStoreFailureIs500(t *testing.T) {
	h := newHarness(t)
	breakBlobStore(t, h)
	p := wantProblem(t, h.postBatch(batchMeta("b1"), 1), 500, "INTERNAL")
	if p.Detail != "the relay could not store the file; nothing was registered" || h.ledger.Submits != 0 {
		t.Fatalf("detail %q, submits %d", p.Detail, h.ledger.Submits)
	}
}

// A batch document of media type application/pdf without a PDF header is a
// BATCH_INVALID error (code PDF_UNREADABLE): nothing is registered.
func TestBatchPDFDocumentWithoutThePDFHeaderIsInvalid(t *testing.T) {
	h := newHarness(t)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	meta := batchMeta("b1")
	meta["documents"] = []map[string]any{
		{"file": "f1", "title": "ok", "docType": "contract", "order": 1, "mediaType": "application/pdf"},
		{"file": "f2", "title": "not a pdf", "docType": "contract", "order": 2, "mediaType": "application/pdf"},
	}
	mj, _ := json.Marshal(meta)
	mw.WriteField("batch", string(mj))
	for name, content := range map[string]string{"f1": "%PDF-1.7 one", "f2": "GIF89a two"} {
		fw, _ := mw.CreateFormFile(name, name+".pdf")
		fmt.Fprint(fw, content)
	}
	mw.Close()
	rec := h.do("POST", "/v1/batches", &buf, "Content-Type", mw.FormDataContentType(), "Authorization", "Bearer "+writeKey)
	wantProblem(t, rec, 400, "BATCH_INVALID")
	var p struct{ Errors []api.DocError }
	json.Unmarshal(rec.Body.Bytes(), &p)
	want := `documents[1]: file "f2" is not a PDF (no %PDF- header in its first 1024 bytes), though its media type is application/pdf`
	if len(p.Errors) != 1 || p.Errors[0].Index != 1 || p.Errors[0].Code != "PDF_UNREADABLE" || p.Errors[0].Detail != want {
		t.Fatalf("%+v", p.Errors)
	}
	if h.ledger.Submits != 0 {
		t.Fatal("reached the ledger")
	}
}

// A batch the ledger refuses for good (a document's id is another
// document's) is answered with that refusal, not 503 "retry": with nothing
// registered its manifest goes, so a corrected request can take the id.
func TestBatchRefusedForGoodAnswersTheRefusalAndKeepsNoManifest(t *testing.T) {
	h := newHarness(t)
	h.register("b9.0001", signer("bob", 1)) // other bytes under the batch's first document id
	for attempt := 1; attempt <= 2; attempt++ {
		rec := h.postBatch(batchMeta("b9"), 1)
		p := wantProblem(t, rec, 409, "DOCUMENT_EXISTS")
		want := "0 of 1 documents are registered; the ledger refused the others for good (documents[0] f1: document b9.0001 exists), so retrying the same request will not help"
		if p.Detail != want || rec.Header().Get("Retry-After") != "" {
			t.Fatalf("attempt %d: detail %q, Retry-After %q", attempt, p.Detail, rec.Header().Get("Retry-After"))
		}
		var body struct{ Batch api.Batch }
		json.Unmarshal(rec.Body.Bytes(), &body)
		if d := body.Batch.Documents; body.Batch.Registered != 0 || len(d) != 1 || d[0].Error == nil || d[0].Error.Code != "DOCUMENT_EXISTS" {
			t.Fatalf("attempt %d: batch %+v", attempt, body.Batch)
		}
		if _, err := os.Stat(filepath.Join(h.svc.BatchDir, "b9.json")); !os.IsNotExist(err) {
			t.Fatalf("attempt %d: the manifest stays (%v)", attempt, err)
		}
	}
	wantProblem(t, h.do("GET", "/v1/batches/b9", nil, "Authorization", "Bearer "+readKey), 404, "NOT_FOUND")
	// Corrected (positions clear of the taken id), the same batch id registers.
	meta := batchMeta("b9")
	meta["documents"] = []map[string]any{{"file": "f1", "title": "Doc 1", "docType": "contract", "order": 2}}
	if rec := h.postBatch(meta, 1); rec.Code != 201 {
		t.Fatalf("corrected: %d %s", rec.Code, rec.Body)
	}
}

// With some documents registered, a permanent refusal of another keeps the
// manifest (the registered ones are the batch's) and answers the refusal.
func TestBatchPartlyRefusedForGoodKeepsItsManifest(t *testing.T) {
	h := newHarness(t)
	h.register("b9.0002", signer("bob", 1))
	rec := h.postBatch(batchMeta("b9"), 2)
	p := wantProblem(t, rec, 409, "DOCUMENT_EXISTS")
	if !strings.HasPrefix(p.Detail, "1 of 2 documents are registered; the ledger refused the others for good (documents[1] f2: ") {
		t.Fatalf("detail %q", p.Detail)
	}
	var body struct{ Batch api.Batch }
	json.Unmarshal(rec.Body.Bytes(), &body)
	if b := body.Batch; b.Registered != 1 || !b.Documents[0].Registered || b.Documents[1].Registered || b.Documents[1].Error == nil {
		t.Fatalf("%+v", b)
	}
	if _, err := os.Stat(filepath.Join(h.svc.BatchDir, "b9.json")); err != nil {
		t.Fatalf("the manifest of a batch with a registered document is gone: %v", err)
	}
}

// The same batch (by Idempotency-Key or id) asked with any other metadata is
// 409 DOCUMENT_EXISTS, never 201 with what the ledger does not hold.
func TestBatchRetriedWithOtherMetadataIs409(t *testing.T) {
	docs := func() []map[string]any {
		return []map[string]any{{"file": "f1", "title": "Doc 1", "docType": "contract", "order": 1},
			{"file": "f2", "title": "Doc 2", "docType": "contract", "order": 2}}
	}
	for _, tc := range []struct {
		name string
		set  func(m map[string]any, h *harness)
	}{
		{"signers", func(m map[string]any, _ *harness) { m["signers"] = []model.SignerSpec{signer("mallory", 1)} }},
		{"title", func(m map[string]any, _ *harness) { m["title"] = "Offboarding" }},
		{"priority", func(m map[string]any, _ *harness) { m["priority"] = 7 }},
		{"expiresAt", func(m map[string]any, h *harness) {
			m["expiresAt"] = h.clock().Add(48 * time.Hour).UTC().Format(time.RFC3339)
		}},
		{"a document's title", func(m map[string]any, _ *harness) { d := docs(); d[1]["title"] = "Other"; m["documents"] = d }},
		{"a document's docType", func(m map[string]any, _ *harness) { d := docs(); d[0]["docType"] = "invoice"; m["documents"] = d }},
		{"a document's mediaType", func(m map[string]any, _ *harness) { d := docs(); d[0]["mediaType"] = "text/plain"; m["documents"] = d }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			meta := func() map[string]any {
				m := batchMeta("")
				delete(m, "id")
				m["documents"] = docs()
				return m
			}
			first := h.postBatch(meta(), 2, "Idempotency-Key", "k1")
			if first.Code != 201 {
				t.Fatalf("%d %s", first.Code, first.Body)
			}
			id := decode[api.Batch](t, first).ID
			if rec := h.postBatch(meta(), 2, "Idempotency-Key", "k1"); rec.Code != 201 {
				t.Fatalf("the same request: %d %s", rec.Code, rec.Body)
			}
			m := meta()
			tc.set(m, h)
			p := wantProblem(t, h.postBatch(m, 2, "Idempotency-Key", "k1"), 409, "DOCUMENT_EXISTS")
			if p.Detail != "batch "+id+" exists with other documents or metadata" {
				t.Fatalf("detail %q", p.Detail)
			}
		})
	}
}

// A batch id reused for other documents is 409 DOCUMENT_EXISTS, and the
// OpenAPI lists every status the fixes above answer on these routes.
func TestBatchIdReusedIs409AndTheOpenAPIListsIt(t *testing.T) {
	h := newHarness(t)
	if rec := h.postBatch(batchMeta("b1"), 2); rec.Code != 201 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if p := wantProblem(t, h.postBatch(batchMeta("b1"), 3), 409, "DOCUMENT_EXISTS"); p.Detail != "batch b1 exists with other documents or metadata" {
		t.Fatalf("detail %q", p.Detail)
	}
	raw, err := os.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Paths map[string]map[string]struct{ Responses map[string]any }
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		t.Fatal(err)
	}
	for path, statuses := range map[string][]string{"/v1/batches": {"400", "409", "500", "502", "503"}, "/v1/documents": {"409", "422", "500"}} {
		for _, st := range statuses {
			if _, ok := spec.Paths[path]["post"].Responses[st]; !ok {
				t.Errorf("POST %s: openapi.json lists no %s", path, st)
			}
		}
	}
}

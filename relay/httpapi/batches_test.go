package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/merkle"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/chaincode/testpki"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/config"
	"github.com/qrsign/qrsign/relay/token"
)

// batchBody builds a POST /v1/batches body of n documents; files after the batch part.
func batchBody(t testing.TB, meta map[string]any, n int) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if _, ok := meta["documents"]; !ok {
		var docs []map[string]any
		for i := 1; i <= n; i++ {
			docs = append(docs, map[string]any{"file": fmt.Sprintf("f%d", i), "title": fmt.Sprintf("Doc %d", i), "docType": "contract", "order": i})
		}
		meta["documents"] = docs
	}
	mj, _ := json.Marshal(meta)
	mw.WriteField("batch", string(mj))
	for i := 1; i <= n; i++ {
		fw, _ := mw.CreateFormFile(fmt.Sprintf("f%d", i), fmt.Sprintf("f%d.pdf", i))
		fmt.Fprintf(fw, "%%PDF-1.7 batch document %d", i)
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

func (h *harness) postBatch(meta map[string]any, n int, hdr ...string) *httptest.ResponseRecorder {
	body, ct := batchBody(h.t, meta, n)
	return h.do("POST", "/v1/batches", body, append([]string{"Content-Type", ct, "Authorization", "Bearer " + writeKey}, hdr...)...)
}

func batchMeta(id string) map[string]any {
	return map[string]any{"id": id, "title": "Onboarding", "owner": "alice", "priority": 2,
		"signers": []model.SignerSpec{signer("bob", 1), signer("carol", 2)}}
}

func TestBatchRegistersEveryDocumentInOrderAndGetShowsThem(t *testing.T) {
	h := newHarness(t)
	rec := h.postBatch(batchMeta("b1"), 20)
	if rec.Code != 201 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	b := decode[api.Batch](t, rec)
	if !b.Complete || b.Total != 20 || len(b.Root) != 64 || b.Registered != 20 || b.Documents[0].ID != "b1.0001" || b.Documents[19].ID != "b1.0020" ||
		b.Documents[4].TxID == "" || b.Documents[4].BlockNumber == 0 {
		t.Fatalf("%+v", b)
	}
	v, _ := h.ledger.GetDocument(nil, "b1.0007")
	if v.BatchID != "b1" || v.BatchOrder != 6 || v.Priority != 2 || v.Title != "Doc 7" {
		t.Fatalf("%+v", v)
	}
	got := decode[api.Batch](t, h.do("GET", "/v1/batches/b1", nil, "Authorization", "Bearer "+readKey))
	if !got.Complete || len(got.Documents) != 20 || got.Documents[2].Status != model.StatusPending || !got.Documents[2].Registered {
		t.Fatalf("%+v", got)
	}
}

func TestBatchWithAnInvalidDocumentWritesNothingAndListsEveryError(t *testing.T) {
	h := newHarness(t)
	meta := batchMeta("b1")
	meta["documents"] = []map[string]any{
		{"file": "f1", "title": "ok", "docType": "contract", "order": 1},
		{"file": "f9", "title": "missing file", "docType": "contract", "order": 2},
		{"file": "f2", "title": "", "docType": "contract", "order": 1},
	}
	rec := h.postBatch(meta, 2)
	var p struct {
		Code   string
		Detail string
		Errors []api.DocError
	}
	wantProblem(t, rec, 400, "BATCH_INVALID")
	json.Unmarshal(rec.Body.Bytes(), &p)
	if p.Detail != "2 of 3 documents are invalid; nothing was registered" || len(p.Errors) < 3 {
		t.Fatalf("%+v", p)
	}
	want := []string{`1 documents[1].file "f9": no such file part`, "2 documents[2].order 1 is also documents[0].order"}
	for i, w := range want {
		if got := fmt.Sprintf("%d %s", p.Errors[i].Index, p.Errors[i].Detail); got != w {
			t.Errorf("errors[%d] = %q, want %q", i, got, w)
		}
	}
	if h.ledger.Submits != 0 {
		t.Fatal("something reached the ledger")
	}
	wantProblem(t, h.do("GET", "/v1/batches/b1", nil, "Authorization", "Bearer "+readKey), 404, "NOT_FOUND")
}

func TestBatchCutShortShowsExactlyWhatIsRegisteredAndARetryCompletesIt(t *testing.T) {
	h := newHarness(t, func(c *config.Config) { c.BatchConcurrency = 1 })
	h.svc.BatchConcurrency = 1
	h.ledger.FailRegisterAfter = 5
	rec := h.postBatch(batchMeta("b1"), 8)
	wantProblem(t, rec, 503, "UNAVAILABLE")
	var p struct{ Batch api.Batch }
	json.Unmarshal(rec.Body.Bytes(), &p)
	if p.Batch.Registered != 5 || p.Batch.Complete || !p.Batch.Documents[4].Registered || p.Batch.Documents[5].Registered ||
		p.Batch.Documents[5].Error == nil || p.Batch.Documents[5].Error.Code != "UNAVAILABLE" {
		t.Fatalf("%+v", p.Batch)
	}
	got := decode[api.Batch](t, h.do("GET", "/v1/batches/b1", nil, "Authorization", "Bearer "+readKey))
	if got.Registered != 5 || got.Documents[5].Registered || got.Documents[5].Status != "" {
		t.Fatalf("%+v", got)
	}
	h.ledger.FailRegisterAfter = 0
	rec = h.postBatch(batchMeta("b1"), 8)
	if b := decode[api.Batch](t, rec); rec.Code != 201 || !b.Complete || b.Registered != 8 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if h.ledger.Submits != 5+8 { // the retry met DOCUMENT_EXISTS for the first five
		t.Fatalf("submits %d", h.ledger.Submits)
	}
}

func TestBatchRefusals(t *testing.T) {
	h := newHarness(t)
	wantProblem(t, h.do("POST", "/v1/batches", strings.NewReader("{}"), "Content-Type", "application/json", "Authorization", "Bearer "+writeKey), 400, "BAD_REQUEST")
	body, ct := batchBody(t, batchMeta("b1"), 1)
	wantProblem(t, h.do("POST", "/v1/batches", body, "Content-Type", ct, "Authorization", "Bearer "+readKey), 403, "FORBIDDEN")
	small := newHarness(t, func(c *config.Config) { c.MaxBatchBytes = 512 })
	wantProblem(t, small.postBatch(batchMeta("b1"), 20), 413, "PAYLOAD_TOO_LARGE")
	meta := batchMeta("b1")
	meta["documents"] = []map[string]any{}
	p := wantProblem(t, h.postBatch(meta, 0), 400, "INVALID_FIELD")
	if p.Detail != "a batch holds 1..500 documents" {
		t.Fatal(p.Detail)
	}
	wantProblem(t, h.do("GET", "/v1/batches/nope", nil, "Authorization", "Bearer "+readKey), 404, "NOT_FOUND")
}

func TestBatchSheetPDFAndHTMLCarryEachSignersQR(t *testing.T) {
	h := newHarness(t)
	if rec := h.postBatch(batchMeta("b1"), 3); rec.Code != 201 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	sess, err := h.svc.SignerSession(nil, "b1.0002", "Org1MSP/bob")
	if err != nil {
		t.Fatal(err)
	}
	rec := h.do("GET", "/v1/batches/b1/sheet.html", nil, "Authorization", "Bearer "+readKey)
	if rec.Code != 200 || strings.Count(rec.Body.String(), `src="data:image/png;base64,`) != 6 ||
		!strings.Contains(rec.Body.String(), h.cfg.PublicURL+"/s/"+sess.Token) {
		t.Fatalf("%d %.300s", rec.Code, rec.Body)
	}
	rec = h.do("GET", "/v1/batches/b1/sheet.pdf", nil, "Authorization", "Bearer "+readKey)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/pdf" {
		t.Fatalf("%d", rec.Code)
	}
	dir := t.TempDir()
	pdf := filepath.Join(dir, "s.pdf")
	os.WriteFile(pdf, rec.Body.Bytes(), 0o600)
	if out, err := exec.Command("pdftoppm", "-r", "200", "-png", pdf, filepath.Join(dir, "p")).CombinedOutput(); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	pages, _ := filepath.Glob(filepath.Join(dir, "p*.png"))
	out, _ := exec.Command("zbarimg", append([]string{"-q", "--raw"}, pages...)...).Output()
	if !strings.Contains(string(out), h.cfg.PublicURL+"/s/"+sess.Token) {
		t.Fatalf("no decoded QR is bob's link for b1.0002: %s", out)
	}
}

// batchCallback signs the batch-sign payload of a batch session.
func (h *harness) batchCallback(tok string, s *testpki.Signer) api.CallbackRequest {
	h.t.Helper()
	return h.batchAnswer(tok, s, payload.PurposeBatchSign, "")
}

// batchAnswer signs the batch-sign or batch-decline payload of a batch
// session, as a signer does after checking every document.
func (h *harness) batchAnswer(tok string, s *testpki.Signer, purpose payload.Purpose, reason string) api.CallbackRequest {
	h.t.Helper()
	sess := decode[api.Session](h.t, h.do("GET", "/v1/sessions/"+tok, nil))
	if sess.Batch == nil {
		h.t.Fatalf("not a batch session: %+v", sess)
	}
	// The signer recomputes the root from the hashes it downloads.
	var leaves [][32]byte
	for _, d := range sess.Batch.Documents {
		rec := h.do("GET", strings.TrimPrefix(d.ContentURL, h.cfg.PublicURL), nil)
		sum := sha256.Sum256(rec.Body.Bytes())
		if rec.Code != 200 || hex.EncodeToString(sum[:]) != d.SHA256 {
			h.t.Fatalf("content of %s: %d", d.ID, rec.Code)
		}
		leaves = append(leaves, sum)
	}
	root, _ := merkle.Root(leaves)
	if merkle.Hex(root) != sess.Batch.Root || sess.Batch.Size != len(leaves) {
		h.t.Fatal("root does not match the documents")
	}
	return h.batchScan(tok, s, payload.Fields{Purpose: purpose, DocumentID: sess.Batch.ID, DocumentSHA256: sess.Batch.Root,
		Nonce: sess.Nonce, Size: sess.Batch.Size, Reason: reason})
}

// batchScan is the callback of a batch answer over f (channel and signer
// fingerprint filled in), signed with s's key.
func (h *harness) batchScan(tok string, s *testpki.Signer, f payload.Fields) api.CallbackRequest {
	h.t.Helper()
	f.Channel, f.SignerFingerprint = "qrsign", payload.Fingerprint(s.Cert.Raw)
	msg, err := payload.Build(f)
	if err != nil {
		h.t.Fatal(err)
	}
	sig, _ := sigalg.Sign(model.AlgECDSAP256DER, s.Key, msg)
	return api.CallbackRequest{Token: tok, Action: string(f.Purpose), CertChainPEM: s.CertPEM,
		Signature: base64.StdEncoding.EncodeToString(sig), Algorithm: model.AlgECDSAP256DER, Reason: f.Reason}
}

// One batch-decline scan declines every open document of the batch that
// awaits the signer, before their turn too, with the reason recorded on
// each; a retry is a replay; a second batch session finds nothing open.
func TestBatchDeclineOneScanDeclinesEveryDocumentAwaitingTheSigner(t *testing.T) {
	h := newHarness(t)
	if rec := h.postBatch(batchMeta("b1"), 4); rec.Code != 201 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	// bob (order 1) signs document 2 on its own first: it stays open for carol.
	bobSess, _ := h.svc.SignerSession(context.Background(), "b1.0002", "Org1MSP/bob")
	if rec := h.doJSON("POST", "/v1/callbacks/scan", h.callback(bobSess.Token, h.ca.Signer("bob"), "sign", "")); rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	csess, _ := h.svc.BatchSignerSession(context.Background(), "b1", "Org1MSP/carol")
	carol := h.ca.Signer("carol")
	req := h.batchAnswer(csess.Token, carol, payload.PurposeBatchDecline, "Salary wrong in all four")
	rec := h.doJSON("POST", "/v1/callbacks/scan", req)
	res := decode[api.CallbackResult](t, rec)
	if rec.Code != 200 || len(res.Documents) != 4 || res.EventType != model.EventSignatureDeclined || res.DocumentStatus != model.StatusDeclined {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	for i := 1; i <= 4; i++ {
		v, _ := h.ledger.GetDocument(context.Background(), fmt.Sprintf("b1.%04d", i))
		if v.Status != model.StatusDeclined || v.Signers[1].Status != model.SignerDeclined {
			t.Fatalf("%s: %s %+v", v.ID, v.Status, v.Signers)
		}
	}
	if again := decode[api.CallbackResult](t, h.doJSON("POST", "/v1/callbacks/scan", req)); !again.Replayed || again.TxID != res.TxID {
		t.Fatalf("retry: %+v", again)
	}
	b := decode[api.Batch](t, h.do("GET", "/v1/batches/b1", nil, "Authorization", "Bearer "+readKey))
	if b.Documents[1].Status != model.StatusDeclined || b.Documents[1].Signers[0].Status != model.SignerSigned {
		t.Fatalf("%+v", b.Documents[1])
	}
	bsess, _ := h.svc.BatchSignerSession(context.Background(), "b1", "Org1MSP/bob")
	wantProblem(t, h.doJSON("POST", "/v1/callbacks/scan", h.batchAnswer(bsess.Token, h.ca.Signer("bob"), payload.PurposeBatchDecline, "late")),
		409, "DOCUMENT_CLOSED")
}

// A relay that restarted (or another replica) answers a retried batch
// answer from the ledger's nonce record, which names the batch: the same
// transaction, every document it answered, replayed; the other action with
// the same session is NONCE_REUSED.
func TestBatchAnswerRetriedAfterARestartIsReplayedFromTheLedger(t *testing.T) {
	for _, c := range []struct {
		purpose payload.Purpose
		reason  string
		event   model.EventType
		status  model.Status
		other   payload.Purpose
	}{
		{payload.PurposeBatchSign, "", model.EventSignatureRecorded, model.StatusPending, payload.PurposeBatchDecline},
		{payload.PurposeBatchDecline, "no", model.EventSignatureDeclined, model.StatusDeclined, payload.PurposeBatchSign},
	} {
		t.Run(string(c.purpose), func(t *testing.T) {
			h := newHarness(t)
			if rec := h.postBatch(batchMeta("b1"), 3); rec.Code != 201 {
				t.Fatalf("%d %s", rec.Code, rec.Body)
			}
			sess, _ := h.svc.BatchSignerSession(context.Background(), "b1", "Org1MSP/bob")
			bob := h.ca.Signer("bob")
			req := h.batchAnswer(sess.Token, bob, c.purpose, c.reason)
			first := decode[api.CallbackResult](t, h.doJSON("POST", "/v1/callbacks/scan", req))
			other := h.batchAnswerNoSession(sess.Token, bob, c.other, 3)
			h.restart()
			rec := h.doJSON("POST", "/v1/callbacks/scan", req)
			got := decode[api.CallbackResult](t, rec)
			if rec.Code != 200 || !got.Replayed || got.TxID != first.TxID || got.DocumentID != "b1" || got.EventType != c.event ||
				got.DocumentStatus != c.status || strings.Join(got.Documents, ",") != "b1.0001,b1.0002,b1.0003" {
				t.Fatalf("retry after a restart: %d %s\nfirst %+v", rec.Code, rec.Body, first)
			}
			wantProblem(t, h.doJSON("POST", "/v1/callbacks/scan", other), 409, "NONCE_REUSED")
		})
	}
}

// batchAnswerNoSession signs a batch answer without reading the (used) session.
func (h *harness) batchAnswerNoSession(tok string, s *testpki.Signer, purpose payload.Purpose, size int) api.CallbackRequest {
	h.t.Helper()
	c, _ := token.Peek(tok)
	reason := ""
	if purpose == payload.PurposeBatchDecline {
		reason = "no"
	}
	return h.batchScan(tok, s, payload.Fields{Purpose: purpose, DocumentID: c.DocID, DocumentSHA256: c.SHA256, Nonce: c.Nonce,
		Size: size, Reason: reason})
}

// A reason on a batch signature is refused before anything reaches the
// ledger, and an unknown action names the four there are.
func TestBatchAnswerRefusals(t *testing.T) {
	h := newHarness(t)
	if rec := h.postBatch(batchMeta("b1"), 2); rec.Code != 201 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	sess, _ := h.svc.BatchSignerSession(context.Background(), "b1", "Org1MSP/bob")
	req := h.batchCallback(sess.Token, h.ca.Signer("bob"))
	req.Reason = "no"
	p := wantProblem(t, h.doJSON("POST", "/v1/callbacks/scan", req), 400, "INVALID_FIELD")
	if p.Detail != "reason is only for actions decline and batch-decline" {
		t.Fatal(p.Detail)
	}
	req.Reason, req.Action = "", "batch-void"
	p = wantProblem(t, h.doJSON("POST", "/v1/callbacks/scan", req), 400, "INVALID_FIELD")
	if p.Detail != `action must be sign, decline, batch-sign or batch-decline, not "batch-void"` {
		t.Fatal(p.Detail)
	}
	before := h.ledger.Submits
	req.Action = "batch-decline" // signed as batch-sign: the relay's pre-check refuses it
	wantProblem(t, h.doJSON("POST", "/v1/callbacks/scan", req), 422, "BAD_SIGNATURE")
	if h.ledger.Submits != before {
		t.Fatal("a refused answer reached the ledger")
	}
}

func TestBatchSignOneScanSignsEveryDocumentAwaitingTheSigner(t *testing.T) {
	h := newHarness(t)
	if rec := h.postBatch(batchMeta("b1"), 5); rec.Code != 201 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	rec := h.do("GET", "/v1/batches/b1/qr.png?signer=Org1MSP/bob", nil, "Authorization", "Bearer "+readKey)
	if rec.Code != 200 || rec.Header().Get("X-Match-Code") == "" {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	sess, _ := h.svc.BatchSignerSession(context.Background(), "b1", "Org1MSP/bob")
	bob := h.ca.Signer("bob")
	rec = h.doJSON("POST", "/v1/callbacks/scan", h.batchCallback(sess.Token, bob))
	res := decode[api.CallbackResult](t, rec)
	if rec.Code != 200 || len(res.Documents) != 5 || res.DocumentID != "b1" || res.TxID == "" {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	for i := 1; i <= 5; i++ {
		v, _ := h.ledger.GetDocument(context.Background(), fmt.Sprintf("b1.%04d", i))
		if v.Signers[0].Status != model.SignerSigned || v.Signers[1].Status != model.SignerPending {
			t.Fatalf("%s: %+v", v.ID, v.Signers)
		}
	}
	again := decode[api.CallbackResult](t, h.doJSON("POST", "/v1/callbacks/scan", h.batchCallbackNoSession(sess.Token, bob)))
	if !again.Replayed || again.TxID != res.TxID {
		t.Fatalf("%+v", again)
	}
	wantProblem(t, h.do("GET", "/v1/sessions/"+sess.Token, nil), 409, "NONCE_REUSED")
	// carol is next: her batch scan signs all five and completes them.
	csess, _ := h.svc.BatchSignerSession(context.Background(), "b1", "Org1MSP/carol")
	if rec := h.doJSON("POST", "/v1/callbacks/scan", h.batchCallback(csess.Token, h.ca.Signer("carol"))); rec.Code != 200 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	b := decode[api.Batch](t, h.do("GET", "/v1/batches/b1", nil, "Authorization", "Bearer "+readKey))
	if b.Documents[3].Status != model.StatusCompleted {
		t.Fatalf("%+v", b.Documents[3])
	}
}

// batchCallbackNoSession re-signs without reading the (now used) session.
func (h *harness) batchCallbackNoSession(tok string, s *testpki.Signer) api.CallbackRequest {
	h.t.Helper()
	return h.batchAnswerNoSession(tok, s, payload.PurposeBatchSign, 5)
}

func TestBatchSignRefusals(t *testing.T) {
	h := newHarness(t)
	h.postBatch(batchMeta("b1"), 3)
	sess, _ := h.svc.BatchSignerSession(context.Background(), "b1", "Org1MSP/carol")
	p := wantProblem(t, h.doJSON("POST", "/v1/callbacks/scan", h.batchCallback(sess.Token, h.ca.Signer("carol"))), 409, "OUT_OF_TURN")
	if p.Detail != "no document of batch b1 awaits Org1MSP/carol's signature now" {
		t.Fatal(p.Detail)
	}
	bsess, _ := h.svc.BatchSignerSession(context.Background(), "b1", "Org1MSP/bob")
	body := h.batchCallback(bsess.Token, h.ca.Signer("bob"))
	body.Signature = h.batchCallback(sess.Token, h.ca.Signer("bob")).Signature // signed over another nonce
	wantProblem(t, h.doJSON("POST", "/v1/callbacks/scan", body), 422, "BAD_SIGNATURE")
	wantProblem(t, h.do("GET", "/v1/batches/b1/qr.png?signer=Org1MSP/zed", nil, "Authorization", "Bearer "+readKey), 404, "NOT_FOUND")
	// A batch token reads only its own documents.
	h.registerJSON("other", 0, signer("bob", 1))
	wantProblem(t, h.do("GET", "/v1/documents/other/content?token="+bsess.Token, nil), 401, "TOKEN_INVALID")
}

// The pages the relay renders itself (the batch sheet, the plain session
// page) carry the headers of relay/web's pages: no framing, no sniffing, no
// cache, no referrer, and a CSP that also locks base URI and forms.
func TestRelayRenderedPagesCarryTheSecurityHeaders(t *testing.T) {
	h := newHarness(t)
	if rec := h.postBatch(batchMeta("b1"), 1); rec.Code != 201 {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	sess, err := h.svc.SignerSession(nil, "b1.0001", "Org1MSP/bob")
	if err != nil {
		t.Fatal(err)
	}
	for path, csp := range map[string]string{
		"/v1/batches/b1/sheet.html": "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
		"/s/" + sess.Token:          "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
	} {
		rec := h.do("GET", path, nil, "Authorization", "Bearer "+readKey)
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
		for k, want := range map[string]string{"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff",
			"Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY", "Cache-Control": "no-store"} {
			if got := rec.Header().Get(k); got != want {
				t.Errorf("%s: %s = %q, want %q", path, k, got, want)
			}
		}
	}
}

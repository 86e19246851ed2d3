package httpapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/chaincode/testpki"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/blob"
	"github.com/qrsign/qrsign/relay/config"
	"github.com/qrsign/qrsign/relay/internal/fakeledger"
	"github.com/qrsign/qrsign/relay/oplog"
	"github.com/qrsign/qrsign/relay/service"
	"github.com/qrsign/qrsign/relay/session"
	"github.com/qrsign/qrsign/relay/token"
	"github.com/qrsign/qrsign/relay/webhook"
)

const (
	writeKey     = "w-0123456789abcdef0123456789abcdef0123456789abcdef"
	readKey      = "r-0123456789abcdef0123456789abcdef0123456789abcdef"
	metricsToken = "metrics-0123456789abcdef"
)

type harness struct {
	t      *testing.T
	cfg    *config.Config
	ledger *fakeledger.Ledger
	svc    *service.Service
	srv    *Server
	ca     *testpki.CA
	key    []byte
	ops    *bytes.Buffer

	mu  sync.Mutex
	now time.Time
}

func newHarness(t *testing.T, mod ...func(*config.Config)) *harness {
	t.Helper()
	dir := t.TempDir()
	cfg := config.Default()
	cfg.Org, cfg.PublicURL, cfg.DataDir = "org1", "http://relay.test", dir
	cfg.TokenKeyFile = filepath.Join(dir, "token.key")
	cfg.Gateway = config.Gateway{Endpoint: "127.0.0.1:7051", MSPID: "Org1MSP", TLSCACertFile: "x", CertFile: "x", KeyFile: "x",
		Timeouts: cfg.Gateway.Timeouts, MVCCRetries: 3}
	cfg.APIKeys = []config.APIKey{{Name: "app", Key: writeKey, Scopes: []string{config.ScopeWrite}},
		{Name: "reader", Key: readKey, Scopes: []string{config.ScopeRead}}}
	cfg.MaxDocumentBytes = 1 << 20
	cfg.RateLimit.PerSecond = 0
	cfg.MetricsToken = metricsToken
	wasmDir := t.TempDir()                                 // not dataDir: tests check what is left there
	cfg.SignerWasm = filepath.Join(wasmDir, "signer.wasm") // served by relay/web, not by what this tests: stand-ins
	for _, f := range []string{cfg.SignerWasm, filepath.Join(wasmDir, config.WasmExec)} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, m := range mod {
		m(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC) // the test's clock: the fake ledger, the service and the CA
	h := &harness{t: t, cfg: &cfg, ledger: fakeledger.New(), ca: testpki.NewCA("Org1 CA", now.Add(-time.Hour), now.Add(24*time.Hour)),
		ops: &bytes.Buffer{}, now: now}
	h.ledger.Now = h.clock
	h.ledger.Trust = map[string]*model.OrgTrust{"Org1MSP": {MSPID: "Org1MSP", CAs: []model.SignerCA{{Subject: "CN=Org1 CA",
		CertPEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: h.ca.Cert.Raw}))}}}}
	key, err := cfg.LoadTokenKey()
	if err != nil {
		t.Fatal(err)
	}
	h.key = key
	iss, _ := session.NewIssuer(key, cfg.SessionTTL.D())
	blobs, _ := blob.NewFS(filepath.Join(dir, "blobs"), cfg.MaxDocumentBytes)
	h.svc = service.New(h.ledger, blobs, iss, "qrsign", cfg.PublicURL)
	h.svc.Now = h.clock
	h.svc.Ops = oplog.New(h.ops)
	h.svc.BatchDir = filepath.Join(dir, "batches")
	h.srv = New(&cfg, h.svc, Options{Logger: quiet})
	return h
}

// restart swaps in a new relay process (empty memory) over the same
// ledger, blobs, session key, batch manifests and operation log.
func (h *harness) restart() {
	fresh := service.New(h.ledger, h.svc.Blobs, h.svc.Sessions, "qrsign", h.cfg.PublicURL)
	fresh.Now, fresh.BatchDir, fresh.Ops = h.clock, h.svc.BatchDir, h.svc.Ops
	h.srv = New(h.cfg, fresh, Options{Logger: quiet})
}

// mountWebhooks swaps in a relay serving /v1/webhooks (loopback callback
// URLs allowed), its subscriptions in a fresh store.
func (h *harness) mountWebhooks() {
	h.t.Helper()
	st, err := webhook.OpenFileStore(filepath.Join(h.t.TempDir(), "webhooks"), webhook.StoreOptions{Now: h.clock})
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { st.Close() })
	wh, err := webhook.New(webhook.Config{Store: st, AllowLoopback: true, Now: h.clock, Log: quiet})
	if err != nil {
		h.t.Fatal(err)
	}
	h.srv = New(h.cfg, h.svc, Options{Logger: quiet, Webhooks: wh})
}

func (h *harness) clock() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.now
}

func (h *harness) advance(d time.Duration) {
	h.mu.Lock()
	h.now = h.now.Add(d)
	h.mu.Unlock()
}

// do sends a request through the router and returns the recorder.
func (h *harness) do(method, path string, body io.Reader, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, body)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.srv.Handler().ServeHTTP(rec, req)
	return rec
}

func (h *harness) doJSON(method, path string, v any, hdr ...string) *httptest.ResponseRecorder {
	b, _ := json.Marshal(v)
	return h.do(method, path, bytes.NewReader(b), append([]string{"Content-Type", "application/json"}, hdr...)...)
}

type problemBody struct {
	Type, Title, Detail, Code, RequestID string
	Status                               int
}

// wantProblem asserts status, content type and code of an error answer.
func wantProblem(t *testing.T, rec *httptest.ResponseRecorder, status int, code string) problemBody {
	t.Helper()
	var p problemBody
	if rec.Code != status {
		t.Fatalf("status %d, want %d; body %s", rec.Code, status, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q; body %s", ct, rec.Body)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if p.Code != code || p.Status != status || p.RequestID == "" || p.RequestID != rec.Header().Get("X-Request-Id") {
		t.Fatalf("problem %+v, want code %s status %d with the request id", p, code, status)
	}
	return p
}

func decode[T any](t *testing.T, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("%v: %s", err, rec.Body)
	}
	return v
}

// multipartBody builds an upload body.
func multipartBody(t *testing.T, meta any, file []byte) (io.Reader, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mj, _ := json.Marshal(meta)
	mw.WriteField("metadata", string(mj))
	fw, _ := mw.CreateFormFile("file", "doc.pdf")
	fw.Write(file)
	mw.Close()
	return &buf, mw.FormDataContentType()
}

// register uploads a document with the given signers and returns the answer.
func (h *harness) register(id string, signers ...model.SignerSpec) api.Registered {
	h.t.Helper()
	meta := map[string]any{"id": id, "title": "Contract " + id, "docType": "contract", "owner": "alice",
		"signers": signers, "priority": 1, "mediaType": "application/pdf"}
	body, ct := multipartBody(h.t, meta, []byte("%PDF-1.7 document "+id))
	rec := h.do("POST", "/v1/documents", body, "Content-Type", ct, "Authorization", "Bearer "+writeKey)
	if rec.Code != http.StatusCreated {
		h.t.Fatalf("register: %d %s", rec.Code, rec.Body)
	}
	return decode[api.Registered](h.t, rec)
}

// callback builds a correctly signed scan callback for tok by signer.
func (h *harness) callback(tok string, s *testpki.Signer, action, reason string) api.CallbackRequest {
	h.t.Helper()
	c, err := token.Peek(tok)
	if err != nil {
		h.t.Fatal(err)
	}
	p := payload.PurposeSign
	if action == "decline" {
		p = payload.PurposeDecline
	}
	msg, err := payload.Build(payload.Fields{Purpose: p, Channel: "qrsign", DocumentID: c.DocID, DocumentSHA256: c.SHA256,
		Nonce: c.Nonce, SignerFingerprint: payload.Fingerprint(s.Cert.Raw), Reason: reason})
	if err != nil {
		h.t.Fatal(err)
	}
	sig, err := sigalg.Sign(model.AlgECDSAP256DER, s.Key, msg)
	if err != nil {
		h.t.Fatal(err)
	}
	return api.CallbackRequest{Token: tok, Action: action, CertChainPEM: s.CertPEM,
		Signature: base64.StdEncoding.EncodeToString(sig), Algorithm: model.AlgECDSAP256DER, Reason: reason}
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func signer(id string, order int) model.SignerSpec {
	return model.SignerSpec{ID: id, MSPID: "Org1MSP", RoutingOrder: order}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

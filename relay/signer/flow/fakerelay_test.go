package flow_test

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/relay/token"

	"github.com/qrsign/qrsign/relay/api"
)

// fakeRelay implements the slice of the relay API a scan uses, and checks
// each callback's signature for real (payload rebuilt, sigalg.Verify).
type fakeRelay struct {
	t       *testing.T
	srv     *httptest.Server
	key     []byte
	content []byte // what GET content serves (tamper by changing it)
	sha     string // what the QR and session claim
	channel string
	title   string // the session's title (old ledger data may hold anything)

	mu          sync.Mutex
	callbacks   []api.CallbackRequest
	contentHits int
	// failures answers the first len(failures) callbacks: "503" (with
	// Retry-After 2), "503-noheader", "drop" (connection closed), or
	// "forgetful" (records, then drops the connection and answers every
	// later try 409 NONCE_REUSED, like a relay that lost its memory).
	failures  []string
	result    *api.CallbackResult
	forgetful bool
	recorded  *model.Event
	// tamper, if set, changes the session before it is served.
	tamper func(*api.Session)
}

func newFakeRelay(t *testing.T, content []byte) *fakeRelay {
	sum := sha256.Sum256(content)
	f := &fakeRelay{t: t, key: []byte("0123456789abcdef0123456789abcdef"), content: content,
		sha: hex.EncodeToString(sum[:]), channel: "qrsign", title: "Lease"}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/sessions/{token}", serveSession(f.key, f.session))
	mux.HandleFunc("GET /v1/documents/{id}/content", f.serveContent)
	mux.HandleFunc("POST /v1/callbacks/scan", f.callback)
	mux.HandleFunc("GET /v1/documents/{id}/provenance", f.provenance)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeRelay) qr(signer string) string {
	tok, err := token.Sign(f.key, token.Claims{DocID: "contract-1", SHA256: f.sha, MSPID: "Org1MSP",
		SignerID: signer, Nonce: "0123456789abcdef0123456789abcdef", Expiry: time.Now().Add(time.Hour).Unix()})
	if err != nil {
		f.t.Fatal(err)
	}
	return f.srv.URL + "/s/" + tok
}

// serveSession answers GET /v1/sessions/{token}: build's session for a
// token signed with key.
func serveSession(key []byte, build func(tok string, c token.Claims) api.Session) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := r.PathValue("token")
		c, err := token.Verify(key, tok, time.Now())
		if err != nil {
			problem(w, 401, "TOKEN_INVALID", err.Error())
			return
		}
		json.NewEncoder(w).Encode(build(tok, c))
	}
}

func (f *fakeRelay) session(tok string, c token.Claims) api.Session {
	s := api.Session{Token: tok, DocumentID: c.DocID, Title: f.title, SHA256: c.SHA256,
		Size: int64(len(f.content)), MediaType: "application/pdf",
		ContentURL: "/v1/documents/" + c.DocID + "/content?token=" + tok,
		Signer:     model.SignerSpec{ID: c.SignerID, MSPID: c.MSPID, RoutingOrder: 1},
		Nonce:      c.Nonce, Channel: f.channel, ExpiresAt: time.Unix(c.Expiry, 0), MatchCode: "42-17",
		CallbackURL: "/v1/callbacks/scan", DocumentStatus: "PENDING"}
	if f.tamper != nil {
		f.tamper(&s)
	}
	return s
}

func (f *fakeRelay) serveContent(w http.ResponseWriter, r *http.Request) {
	if _, err := token.Verify(f.key, r.URL.Query().Get("token"), time.Now()); err != nil {
		problem(w, 401, "UNAUTHORIZED", "no token")
		return
	}
	f.mu.Lock()
	f.contentHits++
	f.mu.Unlock()
	w.Header().Set("ETag", `"`+f.sha+`"`)
	w.Write(f.content)
}

func (f *fakeRelay) callback(w http.ResponseWriter, r *http.Request) {
	var req api.CallbackRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		problem(w, 400, "BAD_REQUEST", err.Error())
		return
	}
	if f.injectFailure(w, req) {
		return
	}
	c, cert, ok := f.verify(w, req)
	if !ok {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.result != nil { // idempotent per nonce, as the relay is
		res := *f.result
		res.Replayed = true
		json.NewEncoder(w).Encode(res)
		return
	}
	ev := model.EventSignatureRecorded
	if payload.Purpose(req.Action) == payload.PurposeDecline {
		ev = model.EventSignatureDeclined
	}
	f.result = &api.CallbackResult{TxID: "tx-" + c.Nonce[:8], BlockNumber: 7, ValidationCode: "VALID",
		DocumentID: c.DocID, EventType: ev, DocumentStatus: "COMPLETED"}
	f.recorded = &model.Event{Type: ev, DocumentID: c.DocID, Seq: 1, TxID: f.result.TxID,
		Signature: &model.SignatureEvidence{Nonce: c.Nonce, CertFingerprint: payload.Fingerprint(cert.Raw)}}
	if f.forgetful {
		drop(w)
		return
	}
	json.NewEncoder(w).Encode(f.result)
}

// injectFailure records the callback and answers it as failures says (and
// a forgetful relay's retries NONCE_REUSED); false: handle it for real.
func (f *fakeRelay) injectFailure(w http.ResponseWriter, req api.CallbackRequest) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.callbacks = append(f.callbacks, req)
	var fail string
	if n := len(f.callbacks); n <= len(f.failures) {
		fail = f.failures[n-1]
	}
	switch fail {
	case "503":
		w.Header().Set("Retry-After", "2")
		problem(w, 503, "UNAVAILABLE", "no endorsement")
		return true
	case "503-noheader":
		problem(w, 503, "UNAVAILABLE", "no endorsement")
		return true
	case "drop":
		drop(w)
		return true
	case "forgetful":
		f.forgetful = true
	}
	if f.forgetful && f.recorded != nil {
		problem(w, 409, "NONCE_REUSED", "this signing session was already used")
		return true
	}
	return false
}

// verify checks the callback's token and its signature over the rebuilt payload.
func (f *fakeRelay) verify(w http.ResponseWriter, req api.CallbackRequest) (token.Claims, *x509.Certificate, bool) {
	c, err := token.Verify(f.key, req.Token, time.Now())
	if err != nil {
		problem(w, 401, "TOKEN_INVALID", err.Error())
		return c, nil, false
	}
	blk, _ := pem.Decode([]byte(req.CertChainPEM))
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		problem(w, 422, "BAD_CERTIFICATE", err.Error())
		return c, nil, false
	}
	msg, err := payload.Build(payload.Fields{Purpose: payload.Purpose(req.Action), Channel: f.channel, DocumentID: c.DocID,
		DocumentSHA256: c.SHA256, Nonce: c.Nonce, SignerFingerprint: payload.Fingerprint(cert.Raw), Reason: req.Reason})
	if err != nil {
		problem(w, 400, "BAD_REQUEST", err.Error())
		return c, nil, false
	}
	sig, _ := base64.StdEncoding.DecodeString(req.Signature)
	if err := sigalg.Verify(model.Algorithm(req.Algorithm), cert.PublicKey, msg, sig); err != nil {
		problem(w, 422, "BAD_SIGNATURE", err.Error())
		return c, nil, false
	}
	return c, cert, true
}

// drop closes the connection without an answer (a lost response).
func drop(w http.ResponseWriter) {
	if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
		conn.Close()
	}
}

func (f *fakeRelay) provenance(w http.ResponseWriter, r *http.Request) {
	c, err := token.Verify(f.key, r.URL.Query().Get("token"), time.Now())
	if err != nil || c.DocID != r.PathValue("id") {
		problem(w, 401, "UNAUTHORIZED", "no token")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	p := api.Provenance{DocumentID: c.DocID, Document: &model.DocumentView{}}
	p.Document.Status = model.StatusPending
	if f.recorded != nil {
		p.Document.Status = model.StatusCompleted
		p.Events = append(p.Events, api.ProvenanceEvent{Event: *f.recorded, BlockNumber: 7, ValidationCode: "VALID"})
	}
	json.NewEncoder(w).Encode(p)
}

func problem(w http.ResponseWriter, status int, code, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(api.Problem{Title: http.StatusText(status), Status: status, Detail: detail, Code: model.Code(code)})
}

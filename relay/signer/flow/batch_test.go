package flow_test

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/merkle"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/relay/signer/flow"
	"github.com/qrsign/qrsign/relay/token"

	"github.com/qrsign/qrsign/relay/api"
)

// batchRelay serves a batch session (token: doc = batch id, sha = Merkle
// root), the documents' bytes, and checks a batch-sign callback for real.
type batchRelay struct {
	srv     *httptest.Server
	key     []byte
	docs    [][]byte // what the QR's root was made of
	served  [][]byte // what GET content serves (tamper here)
	session func(*api.Session)
	signer  string // the QR's

	mu        sync.Mutex
	callbacks []api.CallbackRequest
}

func newBatchRelay(t *testing.T, n int) *batchRelay {
	f := &batchRelay{key: []byte("0123456789abcdef0123456789abcdef"), session: func(*api.Session) {}, signer: "alice"}
	for i := range n {
		d := []byte(fmt.Sprintf("%%PDF-1.7 batch document %d", i+1))
		f.docs, f.served = append(f.docs, d), append(f.served, d)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/sessions/{token}", serveSession(f.key, func(tok string, c token.Claims) api.Session {
		s := api.Session{Token: tok, DocumentID: c.DocID, Title: "Q4 contracts", SHA256: c.SHA256,
			MediaType: "application/vnd.qrsign.batch", Signer: model.SignerSpec{ID: c.SignerID, MSPID: c.MSPID, RoutingOrder: 1},
			Nonce: c.Nonce, Channel: "qrsign", ExpiresAt: time.Unix(c.Expiry, 0), MatchCode: "11-22",
			Batch: &api.BatchSession{ID: c.DocID, Root: c.SHA256, Size: len(f.docs)}}
		for i, d := range f.docs {
			sum := sha256.Sum256(d)
			s.Batch.Documents = append(s.Batch.Documents, api.BatchSessionEntry{ID: fmt.Sprintf("%s.%04d", c.DocID, i+1),
				Title: fmt.Sprintf("Contract %d", i+1), SHA256: hex.EncodeToString(sum[:]),
				ContentURL: f.srv.URL + fmt.Sprintf("/v1/documents/%s.%04d/content?token=%s", c.DocID, i+1, tok)})
		}
		f.session(&s)
		return s
	}))
	mux.HandleFunc("GET /v1/documents/{id}/content", func(w http.ResponseWriter, r *http.Request) {
		var i int
		if _, err := fmt.Sscanf(r.PathValue("id")[len("batch-1."):], "%04d", &i); err != nil || i < 1 || i > len(f.served) {
			problem(w, 404, "NOT_FOUND", "no such document")
			return
		}
		w.Write(f.served[i-1])
	})
	mux.HandleFunc("POST /v1/callbacks/scan", func(w http.ResponseWriter, r *http.Request) {
		var req api.CallbackRequest
		json.NewDecoder(r.Body).Decode(&req)
		f.mu.Lock()
		f.callbacks = append(f.callbacks, req)
		f.mu.Unlock()
		if len(req.Documents) > 0 && req.Action != "batch-sign" { // as the relay
			problem(w, 400, "INVALID_FIELD", "documents is only for action batch-sign")
			return
		}
		c, _ := token.Verify(f.key, req.Token, time.Now())
		blk, _ := pem.Decode([]byte(req.CertChainPEM))
		cert, _ := x509.ParseCertificate(blk.Bytes)
		purpose, event := payload.PurposeBatchSign, model.EventSignatureRecorded
		if req.Action == "batch-decline" {
			purpose, event = payload.PurposeBatchDecline, model.EventSignatureDeclined
		}
		msg, err := payload.Build(payload.Fields{Purpose: purpose, Channel: "qrsign", DocumentID: c.DocID,
			DocumentSHA256: c.SHA256, Nonce: c.Nonce, SignerFingerprint: payload.Fingerprint(cert.Raw), Size: len(f.docs),
			Reason: req.Reason})
		sig, _ := base64.StdEncoding.DecodeString(req.Signature)
		if err != nil || !purpose.IsBatch() || sigalg.Verify(model.Algorithm(req.Algorithm), cert.PublicKey, msg, sig) != nil {
			problem(w, 422, "BAD_SIGNATURE", fmt.Sprintf("action %q: %v", req.Action, err))
			return
		}
		res := api.CallbackResult{TxID: "tx-batch", BlockNumber: 8, ValidationCode: "VALID", DocumentID: c.DocID,
			EventType: event, DocumentStatus: "PENDING"}
		for i := range f.docs {
			res.Documents = append(res.Documents, fmt.Sprintf("%s.%04d", c.DocID, i+1))
		}
		json.NewEncoder(w).Encode(res)
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *batchRelay) root() string {
	var leaves [][32]byte
	for _, d := range f.docs {
		leaves = append(leaves, sha256.Sum256(d))
	}
	r, _ := merkle.Root(leaves)
	return merkle.Hex(r)
}

func (f *batchRelay) qr(t *testing.T, root string) string {
	tok, err := token.Sign(f.key, token.Claims{DocID: "batch-1", SHA256: root, MSPID: "Org1MSP", SignerID: f.signer,
		Nonce: "fedcba9876543210fedcba9876543210", Expiry: time.Now().Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	return f.srv.URL + "/s/" + tok
}

func TestBatchScanSignsTheRoot(t *testing.T) {
	relay := newBatchRelay(t, 3)
	p := &recordingPrompt{yes: true, secret: "pw"}
	s := newScanner(t, "alice", p, &sleeps{})
	out, err := s.Run(context.Background(), flow.Request{QR: relay.qr(t, relay.root()), Action: api.ActionSign})
	if err != nil {
		t.Fatal(err)
	}
	if out.Result.TxID != "tx-batch" || len(out.Result.Documents) != 3 || out.ContentSHA256 != relay.root() {
		t.Fatalf("outcome %+v %+v", out, out.Result)
	}
	if len(p.asked) != 1 || p.asked[0] != `Sign all 3 documents of "Q4 contracts" as alice?` {
		t.Fatalf("asked %q", p.asked)
	}
	shown := s.Out.(interface{ String() string }).String()
	for _, want := range []string{"Q4 contracts (batch-1), 3 documents", "1. Contract 1 (batch-1.0001)", "3. Contract 3 (batch-1.0003)",
		"Root:       " + relay.root() + "  (recomputed from the 3 documents; matches the QR code)"} {
		if !strings.Contains(shown, want) {
			t.Errorf("output lacks %q:\n%s", want, shown)
		}
	}
}

// `qrsign decline` of a batch QR checks the batch exactly as a signature
// does, shows the reason, and sends one batch-decline over the root with it.
func TestBatchDeclineSignsTheRootWithTheReason(t *testing.T) {
	relay := newBatchRelay(t, 3)
	p := &recordingPrompt{yes: true, secret: "pw"}
	s := newScanner(t, "alice", p, &sleeps{})
	out, err := s.Run(context.Background(), flow.Request{QR: relay.qr(t, relay.root()), Action: api.ActionDecline, Reason: "Wrong rates"})
	if err != nil {
		t.Fatal(err)
	}
	if out.Result.EventType != "SignatureDeclined" || len(out.Result.Documents) != 3 {
		t.Fatalf("outcome %+v", out.Result)
	}
	if len(p.asked) != 1 || p.asked[0] != `Decline all 3 documents of "Q4 contracts" as alice?` {
		t.Fatalf("asked %q", p.asked)
	}
	if cb := relay.callbacks; len(cb) != 1 || cb[0].Action != "batch-decline" || cb[0].Reason != "Wrong rates" {
		t.Fatalf("callbacks %+v", cb)
	}
	if shown := s.Out.(interface{ String() string }).String(); !strings.Contains(shown, "Reason:     Wrong rates\n") {
		t.Errorf("output lacks the reason:\n%s", shown)
	}
}

func TestBatchScanRefuses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tamper func(f *batchRelay) (qrRoot string)
		action string
		want   string // error prefix
		is     error
	}{
		{"one document's bytes swapped", func(f *batchRelay) string {
			f.served[1] = []byte("%PDF-1.7 something else")
			return f.root()
		}, "sign", `REFUSED: the batch document 2 "Contract 2" (batch-1.0002)'s SHA-256 `, flow.ErrHashMismatch},
		{"a document and its listed hash swapped (root no longer the QR's)", func(f *batchRelay) string {
			root := f.root()
			f.docs[2] = []byte("%PDF-1.7 a substituted page")
			f.served[2] = f.docs[2]
			return root
		}, "sign", "REFUSED: the batch's Merkle root (recomputed from the documents)'s SHA-256 ", flow.ErrHashMismatch},
		{"the session's root differs from the recomputed one", func(f *batchRelay) string {
			f.session = func(s *api.Session) { s.Batch.Root = strings.Repeat("ab", 32) }
			return f.root()
		}, "sign", "REFUSED: the session's batch root's SHA-256 abab", flow.ErrHashMismatch},
		{"a size that is not the document count", func(f *batchRelay) string {
			f.session = func(s *api.Session) { s.Batch.Size = 2 }
			return f.root()
		}, "sign", "REFUSED: the batch does not match the QR code; nothing was signed: the session says 2 documents and lists 3", flow.ErrBatchMismatch},
		{"a document dropped from the list", func(f *batchRelay) string {
			root := f.root()
			f.session = func(s *api.Session) { s.Batch.Documents = s.Batch.Documents[:2]; s.Batch.Size = 2 }
			return root
		}, "sign", "REFUSED: the batch's Merkle root (recomputed from the documents)'s SHA-256 ", flow.ErrHashMismatch},
		{"declining a batch whose document was swapped", func(f *batchRelay) string {
			f.served[0] = []byte("%PDF-1.7 not what the QR names")
			return f.root()
		}, "decline", `REFUSED: the batch document 1 "Contract 1" (batch-1.0001)'s SHA-256 `, flow.ErrHashMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			relay := newBatchRelay(t, 3)
			qr := relay.qr(t, tc.tamper(relay))
			p := &recordingPrompt{yes: true, secret: "pw"}
			s := newScanner(t, "alice", p, &sleeps{})
			req := flow.Request{QR: qr, Action: tc.action}
			if tc.action == "decline" {
				req.Reason = "no"
			}
			_, err := s.Run(context.Background(), req)
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) || (tc.is != nil && !errors.Is(err, tc.is)) {
				t.Fatalf("err = %v\nwant prefix %s", err, tc.want)
			}
			if len(relay.callbacks) != 0 || p.unlocked != 0 || len(p.asked) != 0 {
				t.Fatalf("posted %d, unlocked %d, asked %q: nothing may happen after a refusal", len(relay.callbacks), p.unlocked, p.asked)
			}
		})
	}
}

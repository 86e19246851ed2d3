package flow_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/certchain"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/cms"
	"github.com/qrsign/qrsign/relay/pades"
	"github.com/qrsign/qrsign/relay/pades/padestest"
	"github.com/qrsign/qrsign/relay/signer/flow"
	"github.com/qrsign/qrsign/relay/signer/signertest"
)

// pdfRelay is fakeRelay making PDF signatures: it prepares increments over
// its latest revision and, for the first stale callbacks, lets another
// signer's revision land first and answers 409 REVISION_STALE.
type pdfRelay struct {
	*fakeRelay
	revs     [][]byte
	stale    int
	accepted []api.PDFSignature
}

func newPDFRelay(t *testing.T, stale int) *pdfRelay {
	f := newFakeRelay(t, padestest.SimplePDF())
	p := &pdfRelay{fakeRelay: f, revs: [][]byte{f.content}, stale: stale}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/sessions/{token}", serveSession(f.key, f.session))
	mux.HandleFunc("GET /v1/documents/{id}/content", f.serveContent)
	mux.HandleFunc("GET /v1/sessions/{token}/pdf", p.increment)
	mux.HandleFunc("GET /v1/documents/{id}/signed.pdf", p.signed)
	mux.HandleFunc("POST /v1/callbacks/scan", p.callback)
	f.srv.Config.Handler = mux // before any request
	return p
}

var pdfTime = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func (p *pdfRelay) prepare(name string) *pades.Prepared {
	n := len(p.revs)
	pr, err := pades.Prepare(p.revs[n-1], pades.Signature{Field: fmt.Sprintf("qrsign-%d", n), Name: name, Reason: "Signed with qrsign", Time: pdfTime})
	if err != nil {
		p.t.Fatal(err)
	}
	return pr
}

func (p *pdfRelay) increment(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pr := p.prepare("alice")
	n := len(p.revs)
	json.NewEncoder(w).Encode(api.PDFIncrement{Revision: n, PrevSHA256: sha(p.revs[n-1]),
		PrevURL: fmt.Sprintf("/v1/documents/contract-1/signed.pdf?revision=%d", n-1), Increment: pr.Increment,
		Field: pr.Signature.Field, Name: pr.Signature.Name, Reason: pr.Signature.Reason, Time: pr.Signature.Time})
}

func (p *pdfRelay) signed(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var n int
	fmt.Sscan(r.URL.Query().Get("revision"), &n)
	w.Write(p.revs[n])
}

func (p *pdfRelay) callback(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var req api.CallbackRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.PDF == nil {
		problem(w, 400, "BAD_REQUEST", "no pdf")
		return
	}
	if p.stale > 0 { // bob's revision lands first
		p.stale--
		p.revs = append(p.revs, signedByBob(p.t, p.prepare("bob")))
		problem(w, 409, "REVISION_STALE", "another revision landed")
		return
	}
	// What the relay checks: the increment prepared again gives the signed
	// digest, the payload binds it, the attributes' signature verifies.
	pr := p.prepare("alice")
	chain, err := certchain.Parse(req.CertChainPEM)
	if err != nil {
		p.t.Error(err)
		return
	}
	msg, _ := payload.Build(payload.Fields{Purpose: payload.PurposeSign, Channel: "qrsign", DocumentID: "contract-1",
		DocumentSHA256: p.sha, Nonce: "0123456789abcdef0123456789abcdef", SignerFingerprint: payload.Fingerprint(chain[0].Raw),
		PDF: &payload.PDF{Revision: req.PDF.Revision, PrevSHA256: req.PDF.PrevSHA256, Digest: req.PDF.Digest}})
	sig, _ := base64.StdEncoding.DecodeString(req.Signature)
	attrs, _ := pades.Attributes(pr.Digest, chain[0]).Marshal()
	asig, _ := base64.StdEncoding.DecodeString(req.PDF.Signature)
	switch {
	case req.PDF.Revision != len(p.revs) || req.PDF.PrevSHA256 != sha(p.revs[len(p.revs)-1]) || req.PDF.Digest != hex.EncodeToString(pr.Digest[:]):
		p.t.Errorf("callback signs revision %d over %s digest %s, not the latest", req.PDF.Revision, req.PDF.PrevSHA256, req.PDF.Digest)
	case sigalg.Verify(req.Algorithm, chain[0].PublicKey, msg, sig) != nil:
		p.t.Error("the ledger signature does not bind the PDF revision")
	case sigalg.Verify(model.AlgECDSAP256DER, chain[0].PublicKey, attrs, asig) != nil:
		p.t.Error("the PDF signature is not over the attributes")
	}
	p.accepted = append(p.accepted, *req.PDF)
	json.NewEncoder(w).Encode(p.result)
}

// signedByBob is the revision pr makes, signed by another signer (bob);
// called by fake relays' handlers, it reports failures with t.Error.
func signedByBob(t *testing.T, pr *pades.Prepared) []byte {
	ca := signertest.NewCA("ca-org2")
	other := ca.Signer("bob")
	der, err := cms.Sign(pades.Attributes(pr.Digest, other.Cert), other.Key, []*x509.Certificate{other.Cert, ca.Cert}, nil)
	if err != nil {
		t.Error(err)
		return nil
	}
	next, err := pades.Embed(pr, der)
	if err != nil {
		t.Error(err)
	}
	return next
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// A revision that went stale twice is fetched, checked and signed again
// without a second question; what is shown names the PDF signature.
func TestStalePDFRevisionIsSignedAgainWithoutAsking(t *testing.T) {
	relay := newPDFRelay(t, 2)
	p := &recordingPrompt{yes: true, secret: "pw"}
	s := newScanner(t, "alice", p, &sleeps{})
	if _, err := s.Run(context.Background(), flow.Request{QR: relay.qr("alice"), Action: api.ActionSign}); err != nil {
		t.Fatal(err)
	}
	if len(p.asked) != 1 || len(relay.accepted) != 1 || relay.accepted[0].Revision != 3 {
		t.Fatalf("asked %q, accepted %+v", p.asked, relay.accepted)
	}
	shown := s.Out.(*bytes.Buffer).String()
	for _, want := range []string{"PDF:        signature 1 (field qrsign-1) by alice, Signed with qrsign, at 2026-11-24 12:00:00Z",
		"PDF:        signature 3 (field qrsign-3)", "            after signature 1 by bob (certificate CN=bob", "signing the new revision"} {
		if !strings.Contains(shown, want) {
			t.Errorf("not shown: %q\n%s", want, shown)
		}
	}
}

// Staleness that never ends stops after a bounded number of tries.
func TestStalePDFRevisionGivesUp(t *testing.T) {
	relay := newPDFRelay(t, 10)
	s := newScanner(t, "alice", &recordingPrompt{yes: true, secret: "pw"}, &sleeps{})
	_, err := s.Run(context.Background(), flow.Request{QR: relay.qr("alice"), Action: api.ActionSign})
	if err == nil || !strings.Contains(err.Error(), "REVISION_STALE") || len(relay.revs) != 5 {
		t.Fatalf("err %v after %d revisions", err, len(relay.revs))
	}
}

// A previous revision with anything but signatures after the original is refused before signing.
func TestPDFRevisionWithOtherBytesIsRefused(t *testing.T) {
	relay := newPDFRelay(t, 0)
	relay.revs = append(relay.revs, append(bytes.Clone(relay.revs[0]), "\n% appended\n%%EOF\n"...))
	p := &recordingPrompt{yes: true, secret: "pw"}
	s := newScanner(t, "alice", p, &sleeps{})
	_, err := s.Run(context.Background(), flow.Request{QR: relay.qr("alice"), Action: api.ActionSign})
	if err == nil || !strings.Contains(err.Error(), "adds bytes after offset") || len(p.asked) != 0 || len(relay.accepted) != 0 {
		t.Fatalf("err %v, asked %q", err, p.asked)
	}
}

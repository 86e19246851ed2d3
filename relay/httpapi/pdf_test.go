package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
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
	"github.com/qrsign/qrsign/relay/cms"
	"github.com/qrsign/qrsign/relay/cms/cmstest"
	"github.com/qrsign/qrsign/relay/internal/fakeledger"
	"github.com/qrsign/qrsign/relay/ledger"
	"github.com/qrsign/qrsign/relay/pades"
	"github.com/qrsign/qrsign/relay/pades/padestest"
	"github.com/qrsign/qrsign/relay/service"
	"github.com/qrsign/qrsign/relay/signer/clearsign"
	"github.com/qrsign/qrsign/relay/token"
	"github.com/qrsign/qrsign/relay/tsa"
)

// pdfHarness is a relay that makes PDF signatures, stamped by an org TSA
// behind real HTTP (at the harness's clock).
func pdfHarness(t *testing.T) *harness {
	h := newHarness(t)
	auth := h.tsaAuthority()
	srv := httptest.NewServer(auth)
	t.Cleanup(srv.Close)
	c := tsa.ClientOf(auth, srv.URL)
	c.Verify.CurrentTime = h.clock()
	h.svc.PDF = &service.PDFSigning{TSA: c}
	t.Cleanup(h.svc.PDF.WaitDSS) // a completed document's DSS revision is appended in the background
	return h
}

// tsaAuthority is an org TSA with its own CA, at the harness's clock.
func (h *harness) tsaAuthority() *tsa.Authority {
	h.t.Helper()
	ca := cmstest.NewCA(h.t, "Org1 TSA CA", h.clock())
	id := ca.TSA(h.t, "Org1 TSA")
	auth, err := tsa.New([]*x509.Certificate{id.Cert, ca.Cert}, id.Key, tsa.Policy, h.clock)
	if err != nil {
		h.t.Fatal(err)
	}
	return auth
}

// registerPDF uploads a real PDF with the given signers.
func (h *harness) registerPDF(id string, signers ...model.SignerSpec) api.Registered {
	h.t.Helper()
	meta := map[string]any{"id": id, "title": "Contract " + id, "docType": "contract", "owner": "alice",
		"signers": signers, "priority": 1, "mediaType": model.PDFMediaType}
	body, ct := multipartBody(h.t, meta, padestest.SimplePDF())
	rec := h.do("POST", "/v1/documents", body, "Content-Type", ct, "Authorization", "Bearer "+writeKey)
	if rec.Code != http.StatusCreated {
		h.t.Fatalf("register: %d %s", rec.Code, rec.Body)
	}
	return decode[api.Registered](h.t, rec)
}

// preparePDF does what a signer's client does before signing: fetch the
// increment and the previous revision, and judge them itself.
func (h *harness) preparePDF(tok string) *clearsign.CheckedPDF {
	h.t.Helper()
	rec := h.do("GET", "/v1/sessions/"+tok+"/pdf", nil)
	if rec.Code != http.StatusOK {
		h.t.Fatalf("increment: %d %s", rec.Code, rec.Body)
	}
	inc := decode[api.PDFIncrement](h.t, rec)
	prev := h.do("GET", strings.TrimPrefix(inc.PrevURL, h.cfg.PublicURL), nil)
	if prev.Code != http.StatusOK {
		h.t.Fatalf("previous revision: %d %s", prev.Code, prev.Body)
	}
	c, err := clearsign.CheckPDF(padestest.SimplePDF(), prev.Body.Bytes(), &inc)
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

// pdfCallback signs the ledger payload (binding the revision) and the PDF
// signature's attributes with s's key, as one user action does.
func (h *harness) pdfCallback(tok string, s *testpki.Signer, c *clearsign.CheckedPDF) api.CallbackRequest {
	h.t.Helper()
	claims, err := token.Peek(tok)
	if err != nil {
		h.t.Fatal(err)
	}
	msg, err := payload.Build(payload.Fields{Purpose: payload.PurposeSign, Channel: "qrsign", DocumentID: claims.DocID,
		DocumentSHA256: claims.SHA256, Nonce: claims.Nonce, SignerFingerprint: payload.Fingerprint(s.Cert.Raw), PDF: c.Payload()})
	if err != nil {
		h.t.Fatal(err)
	}
	sig, err := sigalg.Sign(model.AlgECDSAP256DER, s.Key, msg)
	if err != nil {
		h.t.Fatal(err)
	}
	ps, err := c.Sign(s.Key, s.Cert)
	if err != nil {
		h.t.Fatal(err)
	}
	return api.CallbackRequest{Token: tok, Action: api.ActionSign, CertChainPEM: s.CertPEM,
		Signature: base64.StdEncoding.EncodeToString(sig), Algorithm: model.AlgECDSAP256DER, PDF: ps}
}

// Two parallel signers: the one whose revision went stale is refused with
// REVISION_STALE and signs the new increment; every revision is recorded,
// served, appended to the one before and signed by its signer's key with a
// TSA token.
//
// Once the last signature completes the document, the relay appends the DSS
// revision (B-LT) in the background: exactly a DSS increment holding the
// signers' certificates, their registered CA and its latest CRL from the
// ledger, and the TSA's chain, recorded as revision 3.
func TestPDFSignaturesMakeRecordedRevisions(t *testing.T) {
	h := pdfHarness(t)
	fp := payload.Fingerprint(h.ca.Cert.Raw)
	crl := h.ca.CRL(7, h.clock().Add(-time.Minute))
	trust := h.ledger.Trust["Org1MSP"]
	trust.CAs[0].Fingerprint = fp
	trust.CRLs = []model.CRLInfo{{CAFingerprint: fp, Number: "7", CRLPEM: crl}}
	reg := h.registerPDF("pdf-1", signer("alice", 1), signer("bob", 1))
	alice, bob := h.ca.Signer("alice"), h.ca.Signer("bob")
	ta, tb := reg.Signing[0].Token, reg.Signing[1].Token

	bobStale := h.preparePDF(tb)
	rec := h.doJSON("POST", "/v1/callbacks/scan", h.pdfCallback(ta, alice, h.preparePDF(ta)))
	if rec.Code != http.StatusOK {
		t.Fatalf("alice: %d %s", rec.Code, rec.Body)
	}
	if r := decode[api.CallbackResult](t, rec).Revision; r == nil || r.Revision != 1 ||
		r.URL != "http://relay.test/v1/documents/pdf-1/signed.pdf?revision=1" {
		t.Fatalf("alice's revision %+v", r)
	}
	wantProblem(t, h.doJSON("POST", "/v1/callbacks/scan", h.pdfCallback(tb, bob, bobStale)), http.StatusConflict, "REVISION_STALE")
	rec = h.doJSON("POST", "/v1/callbacks/scan", h.pdfCallback(tb, bob, h.preparePDF(tb)))
	if rec.Code != http.StatusOK {
		t.Fatalf("bob: %d %s", rec.Code, rec.Body)
	}

	h.svc.PDF.WaitDSS()
	revs := make([][]byte, 4)
	for n := range revs {
		rec := h.do("GET", "/v1/documents/pdf-1/signed.pdf?revision="+string(rune('0'+n)), nil, "Authorization", "Bearer "+readKey)
		if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != model.PDFMediaType {
			t.Fatalf("revision %d: %d %s", n, rec.Code, rec.Body)
		}
		revs[n] = rec.Body.Bytes()
	}
	latest := h.do("GET", "/v1/documents/pdf-1/signed.pdf", nil, "Authorization", "Bearer "+readKey)
	if !bytes.Equal(latest.Body.Bytes(), revs[3]) {
		t.Fatal("signed.pdf is not the latest revision")
	}
	doc, _ := h.ledger.GetDocument(t.Context(), "pdf-1")
	if sum := sha256.Sum256(revs[3]); doc.Revisions != 3 || doc.RevisionSHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("ledger: revisions %d %s", doc.Revisions, doc.RevisionSHA256)
	}
	v, err := pades.CheckDSS(revs[2], revs[3])
	if err != nil {
		t.Fatalf("revision 3 is not a DSS increment: %v", err)
	}
	crlBlock, _ := pem.Decode([]byte(crl))
	var names []string
	for _, der := range v.Certs {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, c.Subject.CommonName)
	}
	if want := "alice Org1 CA Org1 TSA Org1 TSA CA bob"; strings.Join(names, " ") != want || len(v.CRLs) != 1 || !bytes.Equal(v.CRLs[0], crlBlock.Bytes) {
		t.Fatalf("DSS certificates %q (want %q), %d CRLs", names, want, len(v.CRLs))
	}
	roots := x509.NewCertPool()
	roots.AddCert(h.ca.Cert)
	for n, who := range []*testpki.Signer{alice, bob} {
		c, err := pades.CheckIncrement(revs[n], revs[n+1])
		if err != nil {
			t.Fatalf("revision %d: %v", n+1, err)
		}
		s, err := cms.Parse(c.CMS)
		if err != nil {
			t.Fatal(err)
		}
		cert, err := s.Verify(c.Digest[:], x509.VerifyOptions{Roots: roots, CurrentTime: h.clock(),
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
		if err != nil || !cert.Equal(who.Cert) {
			t.Fatalf("revision %d: signed by %v: %v", n+1, cert.Subject, err)
		}
		if c.Signature.Name != who.Cert.Subject.CommonName || c.Signature.Field != "qrsign-"+string(rune('1'+n)) {
			t.Fatalf("revision %d states %+v", n+1, c.Signature)
		}
		if tok, err := s.Unsigned(cms.OIDSignatureTimeStamp); err != nil || len(tok) == 0 {
			t.Fatalf("revision %d has no signature time-stamp: %v", n+1, err)
		}
	}
}

func TestPDFCallbackRefusals(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mk     func(h *harness, tok string, s *testpki.Signer) api.CallbackRequest
		status int
		code   string
	}{
		{"digest of another increment", func(h *harness, tok string, s *testpki.Signer) api.CallbackRequest {
			c := h.preparePDF(tok)
			c.Checked.Digest[0] ^= 1 // signed consistently, but not what the relay prepares
			return h.pdfCallback(tok, s, c)
		}, http.StatusUnprocessableEntity, "BAD_SIGNATURE"},
		{"attributes signed by another key", func(h *harness, tok string, s *testpki.Signer) api.CallbackRequest {
			c := h.preparePDF(tok)
			req := h.pdfCallback(tok, s, c)
			other, _ := c.Sign(testpki.P256(), s.Cert)
			req.PDF.Signature = other.Signature
			return req
		}, http.StatusUnprocessableEntity, "BAD_SIGNATURE"},
		{"revision not in the signed payload", func(h *harness, tok string, s *testpki.Signer) api.CallbackRequest {
			req := h.pdfCallback(tok, s, h.preparePDF(tok))
			req.PDF.Digest = strings.Repeat("0", 64)
			return req
		}, http.StatusUnprocessableEntity, "BAD_SIGNATURE"},
		{"time far from the relay's clock", func(h *harness, tok string, s *testpki.Signer) api.CallbackRequest {
			c := h.preparePDF(tok)
			h.advance(2 * time.Hour)
			return h.pdfCallback(tok, s, c)
		}, http.StatusBadRequest, "INVALID_FIELD"},
		{"pdf on a decline", func(h *harness, tok string, s *testpki.Signer) api.CallbackRequest {
			req := h.pdfCallback(tok, s, h.preparePDF(tok))
			req.Action, req.Reason = api.ActionDecline, "no"
			return req
		}, http.StatusBadRequest, "INVALID_FIELD"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := pdfHarness(t)
			reg := h.registerPDF("pdf-1", signer("alice", 1))
			rec := h.doJSON("POST", "/v1/callbacks/scan", tc.mk(h, reg.Signing[0].Token, h.ca.Signer("alice")))
			wantProblem(t, rec, tc.status, tc.code)
			doc, _ := h.ledger.GetDocument(t.Context(), "pdf-1")
			if doc.Revisions != 0 || doc.Signers[0].Status != model.SignerPending {
				t.Fatalf("a refused callback changed the ledger: %+v", doc.Document)
			}
		})
	}
}

func TestPDFIncrementRefusals(t *testing.T) {
	h := pdfHarness(t)
	reg := h.register("txt-1", signer("alice", 1)) // application/pdf, but not a PDF
	wantProblem(t, h.do("GET", "/v1/sessions/"+reg.Signing[0].Token+"/pdf", nil), http.StatusUnprocessableEntity, "PDF_UNREADABLE")
	wantProblem(t, h.do("GET", "/v1/sessions/not-a-token/pdf", nil), http.StatusUnauthorized, "TOKEN_INVALID")
	wantProblem(t, h.do("GET", "/v1/documents/txt-1/signed.pdf?revision=1", nil, "Authorization", "Bearer "+readKey),
		http.StatusNotFound, "NOT_FOUND")
	wantProblem(t, h.do("GET", "/v1/documents/txt-1/signed.pdf?revision=01", nil, "Authorization", "Bearer "+readKey),
		http.StatusBadRequest, "INVALID_FIELD")
	h.svc.PDF = nil
	wantProblem(t, h.do("GET", "/v1/sessions/"+reg.Signing[0].Token+"/pdf", nil), http.StatusNotFound, "NOT_FOUND")
}

// A PDF callback retried at a relay that forgot its answer (restart) is
// answered from the nonce record: no second revision is made.
func TestPDFCallbackRetryAfterRestartIsReplayed(t *testing.T) {
	h := pdfHarness(t)
	reg := h.registerPDF("pdf-1", signer("alice", 1))
	req := h.pdfCallback(reg.Signing[0].Token, h.ca.Signer("alice"), h.preparePDF(reg.Signing[0].Token))
	first := decode[api.CallbackResult](t, h.doJSON("POST", "/v1/callbacks/scan", req))
	pdf := h.svc.PDF
	h.restart()
	h.srv.svc.PDF = pdf
	rec := h.doJSON("POST", "/v1/callbacks/scan", req)
	again := decode[api.CallbackResult](t, rec)
	if rec.Code != http.StatusOK || !again.Replayed || again.TxID != first.TxID {
		t.Fatalf("retry: %d %+v, first %+v", rec.Code, again, first)
	}
	// Revision 1 is the one signature, revision 2 the DSS the relay appends in
	// the background once the document is complete; a replay adds neither.
	pdf.WaitDSS()
	hist, err := h.ledger.GetHistory(t.Context(), "pdf-1")
	if err != nil {
		t.Fatal(err)
	}
	var signatures int
	for _, e := range hist.Events {
		if e.Type == model.EventSignatureRecorded {
			signatures++
		}
	}
	if doc, _ := h.ledger.GetDocument(t.Context(), "pdf-1"); doc.Revisions != 2 || signatures != 1 {
		t.Fatalf("revisions %d, signatures %d", doc.Revisions, signatures)
	}
}

// refusing is a ledger whose RecordSignature fails with err.
type refusing struct {
	*fakeledger.Ledger
	err error
}

func (r refusing) RecordSignature(context.Context, model.SignatureRequest) (*ledger.Written, error) {
	return nil, r.err
}

// A revision stored before a ledger write that certainly wrote nothing is
// deleted again (nothing half-written); after a failure whose outcome is
// unknown it stays, as the transaction may have committed.
func TestRefusedRevisionLeavesNoBlob(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		status int
		code   string
		kept   int
	}{
		{"rejected", ledger.Rejected("RecordSignature", "tx1", model.CodeRevisionStale, "raced"), http.StatusConflict, "REVISION_STALE", 0},
		{"invalidated", ledger.Invalidated("RecordSignature", "tx1", "MVCC_READ_CONFLICT"), http.StatusServiceUnavailable, "UNAVAILABLE", 0},
		{"outcome unknown", ledger.Unavailable("RecordSignature", "tx1", errors.New("no commit status")), http.StatusServiceUnavailable, "UNAVAILABLE", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := pdfHarness(t)
			reg := h.registerPDF("pdf-1", signer("alice", 1))
			blobs := func() int {
				files, _ := filepath.Glob(filepath.Join(h.cfg.DataDir, "blobs", "??", "*"))
				return len(files)
			}
			before := blobs()
			req := h.pdfCallback(reg.Signing[0].Token, h.ca.Signer("alice"), h.preparePDF(reg.Signing[0].Token))
			h.svc.Ledger = refusing{h.ledger, tc.err}
			rec := h.doJSON("POST", "/v1/callbacks/scan", req)
			if rec.Code != tc.status || !strings.Contains(rec.Body.String(), tc.code) {
				t.Fatalf("HTTP %d %s, want %d %s", rec.Code, rec.Body, tc.status, tc.code)
			}
			if got := blobs() - before; got != tc.kept {
				t.Fatalf("%d blobs kept, want %d", got, tc.kept)
			}
		})
	}
}

// failingRevisions is a ledger whose first RecordRevision calls fail with
// errs, in turn.
type failingRevisions struct {
	*fakeledger.Ledger
	mu    *sync.Mutex
	errs  []error
	calls *int
}

func (f failingRevisions) RecordRevision(ctx context.Context, req model.RevisionRequest) (*ledger.Written, error) {
	f.mu.Lock()
	n := *f.calls
	*f.calls++
	f.mu.Unlock()
	if n < len(f.errs) {
		return nil, f.errs[n]
	}
	return f.Ledger.RecordRevision(ctx, req)
}

// The background DSS revision: a network failure or a lagging peer's
// OUT_OF_TURN is retried, another refusal is not, and the refused
// revision's blob is deleted.
func TestDSSRevisionRetriesOnlyWhatMayPass(t *testing.T) {
	for _, tc := range []struct {
		name      string
		errs      []error
		calls     int
		revisions int
		blobs     int // stored besides the registered file and the signature's revision
	}{
		{"unavailable once", []error{ledger.Unavailable("RecordRevision", "tx1", errors.New("no endorsement"))}, 2, 2, 1},
		// Another org's peer endorsed before committing the completing signature.
		{"out of turn once", []error{ledger.Rejected("RecordRevision", "tx1", model.CodeOutOfTurn, "document pdf-1 is PENDING")}, 2, 2, 1},
		{"rejected", []error{ledger.Rejected("RecordRevision", "tx1", model.CodeRevisionStale, "raced")}, 1, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := pdfHarness(t)
			calls := 0
			h.svc.Ledger = failingRevisions{h.ledger, &sync.Mutex{}, tc.errs, &calls}
			reg := h.registerPDF("pdf-1", signer("alice", 1))
			tok := reg.Signing[0].Token
			if rec := h.doJSON("POST", "/v1/callbacks/scan", h.pdfCallback(tok, h.ca.Signer("alice"), h.preparePDF(tok))); rec.Code != http.StatusOK {
				t.Fatalf("scan: %d %s", rec.Code, rec.Body)
			}
			h.svc.PDF.WaitDSS()
			doc, _ := h.ledger.GetDocument(t.Context(), "pdf-1")
			files, _ := filepath.Glob(filepath.Join(h.cfg.DataDir, "blobs", "??", "*"))
			if calls != tc.calls || doc.Revisions != tc.revisions || len(files)-2 != tc.blobs {
				t.Fatalf("%d RecordRevision calls, %d revisions, %d blobs; want %d, %d, %d", calls, doc.Revisions, len(files)-2, tc.calls, tc.revisions, tc.blobs)
			}
		})
	}
}

// A completed PDF whose background DSS revision was refused gets it when
// its latest signed PDF is downloaded: the file served is the B-LT one.
func TestDownloadAppendsAMissingDSS(t *testing.T) {
	h := pdfHarness(t)
	calls := 0
	h.svc.Ledger = failingRevisions{h.ledger, &sync.Mutex{}, []error{ledger.Rejected("RecordRevision", "tx1", model.CodeRevisionStale, "raced")}, &calls}
	reg := h.registerPDF("pdf-1", signer("alice", 1))
	tok := reg.Signing[0].Token
	if rec := h.doJSON("POST", "/v1/callbacks/scan", h.pdfCallback(tok, h.ca.Signer("alice"), h.preparePDF(tok))); rec.Code != http.StatusOK {
		t.Fatalf("scan: %d %s", rec.Code, rec.Body)
	}
	h.svc.PDF.WaitDSS()
	if doc, _ := h.ledger.GetDocument(t.Context(), "pdf-1"); calls != 1 || doc.Revisions != 1 {
		t.Fatalf("after the refused DSS: %d calls, %d revisions", calls, doc.Revisions)
	}
	rec := h.do("GET", "/v1/documents/pdf-1/signed.pdf", nil, "Authorization", "Bearer "+readKey)
	doc, _ := h.ledger.GetDocument(t.Context(), "pdf-1")
	if sum := sha256.Sum256(rec.Body.Bytes()); rec.Code != http.StatusOK || calls != 2 || doc.Revisions != 2 || doc.RevisionSHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("download: %d, %d calls, ledger %d revisions %s", rec.Code, calls, doc.Revisions, doc.RevisionSHA256)
	}
	rev1 := h.do("GET", "/v1/documents/pdf-1/signed.pdf?revision=1", nil, "Authorization", "Bearer "+readKey)
	if _, err := pades.CheckDSS(rev1.Body.Bytes(), rec.Body.Bytes()); err != nil {
		t.Fatalf("the download is not revision 1 plus a DSS: %v", err)
	}
	// Once there, downloading again writes nothing.
	if h.do("GET", "/v1/documents/pdf-1/signed.pdf", nil, "Authorization", "Bearer "+readKey); calls != 2 {
		t.Fatalf("a second download made %d RecordRevision calls", calls)
	}
}

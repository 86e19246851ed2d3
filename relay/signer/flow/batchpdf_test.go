package flow_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/certchain"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/cms"
	"github.com/qrsign/qrsign/relay/pades"
	"github.com/qrsign/qrsign/relay/pades/padestest"
	"github.com/qrsign/qrsign/relay/signer/clearsign"
	"github.com/qrsign/qrsign/relay/signer/flow"
	"github.com/qrsign/qrsign/relay/token"
)

// batchPDFRelay is batchRelay making PDF and .p7s signatures for a batch of
// a PDF, a text file and another PDF: it prepares each PDF's increment over
// its latest revision and checks a batch-sign callback as the relay does
// (the payload binds the PDF statements' root; each signature verifies over
// the attributes prepared again). For the first stale callbacks another
// signer's revision of the first PDF lands first: 409 REVISION_STALE.
type batchPDFRelay struct {
	*batchRelay
	t        *testing.T
	revs     map[int][][]byte // the PDFs' revisions by document index
	stale    int
	accepted []api.CallbackRequest
}

func newBatchPDFRelay(t *testing.T, stale int) *batchPDFRelay {
	f := newBatchRelay(t, 0)
	f.docs = [][]byte{padestest.TextPDF("BT /F1 24 Tf 72 720 Td (one) Tj ET"), []byte("item,amount\nchairs,12\n"),
		padestest.TextPDF("BT /F1 24 Tf 72 720 Td (three) Tj ET")}
	f.served = f.docs
	b := &batchPDFRelay{batchRelay: f, t: t, revs: map[int][][]byte{0: {f.docs[0]}, 2: {f.docs[2]}}, stale: stale}
	mux := http.NewServeMux()
	mux.Handle("/", f.srv.Config.Handler)
	mux.HandleFunc("GET /v1/sessions/{token}/batch", b.prepared)
	mux.HandleFunc("GET /v1/documents/{id}/signed.pdf", b.signed)
	mux.HandleFunc("POST /v1/callbacks/scan", b.callback)
	f.srv.Config.Handler = mux
	return b
}

func batchDocID(i int) string { return fmt.Sprintf("batch-1.%04d", i+1) }

func (b *batchPDFRelay) prepare(i int, name string) *pades.Prepared {
	revs := b.revs[i]
	pr, err := pades.Prepare(revs[len(revs)-1], pades.Signature{Field: fmt.Sprintf("qrsign-%d", len(revs)), Name: name,
		Reason: "Signed with qrsign", Time: pdfTime})
	if err != nil {
		b.t.Error(err)
	}
	return pr
}

func (b *batchPDFRelay) prepared(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := api.BatchSignatures{}
	for i := range b.docs {
		revs, isPDF := b.revs[i]
		if !isPDF {
			out.Documents = append(out.Documents, api.BatchSignatureDoc{DocumentID: batchDocID(i), P7S: true})
			continue
		}
		pr, n := b.prepare(i, "alice"), len(revs)
		out.Documents = append(out.Documents, api.BatchSignatureDoc{DocumentID: batchDocID(i), PDF: &api.PDFIncrement{
			Revision: n, PrevSHA256: sha(revs[n-1]), PrevURL: fmt.Sprintf("/v1/documents/%s/signed.pdf?revision=%d", batchDocID(i), n-1),
			Increment: pr.Increment, Field: pr.Signature.Field, Name: pr.Signature.Name, Reason: pr.Signature.Reason, Time: pr.Signature.Time}})
	}
	json.NewEncoder(w).Encode(out)
}

func (b *batchPDFRelay) signed(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var i, n int
	fmt.Sscanf(r.PathValue("id"), "batch-1.%04d", &i)
	fmt.Sscan(r.URL.Query().Get("revision"), &n)
	w.Write(b.revs[i-1][n])
}

func (b *batchPDFRelay) callback(w http.ResponseWriter, r *http.Request) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var req api.CallbackRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		problem(w, 400, "BAD_REQUEST", err.Error())
		return
	}
	if req.Action == "batch-decline" { // as the relay: a decline carries no per-document signatures
		b.callbacks = append(b.callbacks, req)
		if len(req.Documents) > 0 {
			problem(w, 400, "INVALID_FIELD", "documents is only for action batch-sign")
			return
		}
		c, _ := token.Verify(b.key, req.Token, pdfTime)
		res := api.CallbackResult{TxID: "tx-batch", BlockNumber: 8, ValidationCode: "VALID",
			DocumentID: c.DocID, EventType: model.EventSignatureDeclined, DocumentStatus: "DECLINED"}
		for i := range b.docs {
			res.Documents = append(res.Documents, batchDocID(i))
		}
		json.NewEncoder(w).Encode(res)
		return
	}
	if len(req.Documents) != 3 {
		problem(w, 400, "BAD_REQUEST", "documents missing")
		return
	}
	b.callbacks = append(b.callbacks, req)
	if b.stale > 0 { // bob's revision of the first PDF lands first
		b.stale--
		b.revs[0] = append(b.revs[0], signedByBob(b.t, b.prepare(0, "bob")))
		problem(w, 409, "REVISION_STALE", "another revision landed")
		return
	}
	chain, err := certchain.Parse(req.CertChainPEM)
	if err != nil {
		b.t.Error(err)
		return
	}
	items := make([]model.BatchItem, len(req.Documents))
	for i, d := range req.Documents {
		items[i].DocumentID = d.DocumentID
		if d.PDF != nil {
			items[i].PDF = &model.PDFRevision{Revision: d.PDF.Revision, PrevSHA256: d.PDF.PrevSHA256, Digest: d.PDF.Digest}
		}
		if err := b.checkDoc(i, d, chain[0]); err != nil {
			b.t.Errorf("document %d: %v", i, err)
		}
	}
	pdfs, _, err := model.BatchPDFTree(items)
	if err != nil {
		b.t.Error(err)
		return
	}
	c, _ := token.Verify(b.key, req.Token, pdfTime)
	msg, err := payload.Build(payload.Fields{Purpose: payload.PurposeBatchSign, Channel: "qrsign", DocumentID: c.DocID,
		DocumentSHA256: c.SHA256, Nonce: c.Nonce, SignerFingerprint: payload.Fingerprint(chain[0].Raw), Size: len(b.docs), PDFs: pdfs})
	sig, _ := base64.StdEncoding.DecodeString(req.Signature)
	if err != nil || sigalg.Verify(req.Algorithm, chain[0].PublicKey, msg, sig) != nil {
		b.t.Errorf("the batch signature does not bind the PDF statements: %v", err)
	}
	b.accepted = append(b.accepted, req)
	res := api.CallbackResult{TxID: "tx-batch", BlockNumber: 8, ValidationCode: "VALID", DocumentID: c.DocID,
		EventType: model.EventSignatureRecorded, DocumentStatus: "PENDING"}
	for i := range b.docs {
		res.Documents = append(res.Documents, batchDocID(i))
	}
	json.NewEncoder(w).Encode(res)
}

// checkDoc: document i's PDF signature is over the increment prepared again
// (digest and attributes), or its .p7s over the document's bytes.
func (b *batchPDFRelay) checkDoc(i int, d api.BatchDocSignature, cert *x509.Certificate) error {
	var attrs []byte
	var sig string
	var err error
	switch {
	case d.DocumentID != batchDocID(i):
		return fmt.Errorf("listed as %s", d.DocumentID)
	case d.PDF != nil:
		pr, revs := b.prepare(i, "alice"), b.revs[i]
		if d.PDF.Revision != len(revs) || d.PDF.PrevSHA256 != sha(revs[len(revs)-1]) || d.PDF.Digest != hex.EncodeToString(pr.Digest[:]) {
			return fmt.Errorf("signs revision %d over %s digest %s, not the latest", d.PDF.Revision, d.PDF.PrevSHA256, d.PDF.Digest)
		}
		attrs, err = pades.Attributes(pr.Digest, cert).Marshal()
		sig = d.PDF.Signature
	case d.P7S != nil:
		attrs, err = cms.ForContent(b.docs[i], cert, d.P7S.Time).Marshal()
		sig = d.P7S.Signature
	}
	if err != nil {
		return err
	}
	raw, _ := base64.StdEncoding.DecodeString(sig)
	return sigalg.Verify(model.AlgECDSAP256DER, cert.PublicKey, attrs, raw)
}

// One scan of a batch signs the root and, in the same user action, each
// PDF's prepared revision and the text file's .p7s; what is shown names
// what each document gets.
func TestBatchScanSignsEachPDFAndP7S(t *testing.T) {
	relay := newBatchPDFRelay(t, 0)
	p := &recordingPrompt{yes: true, secret: "pw"}
	s := newScanner(t, "alice", p, &sleeps{})
	if _, err := s.Run(context.Background(), flow.Request{QR: relay.qr(t, relay.root()), Action: api.ActionSign}); err != nil {
		t.Fatal(err)
	}
	if len(p.asked) != 1 || p.unlocked != 1 || len(relay.accepted) != 1 {
		t.Fatalf("asked %q, unlocked %d, accepted %d", p.asked, p.unlocked, len(relay.accepted))
	}
	docs := relay.accepted[0].Documents
	if docs[0].PDF == nil || docs[0].PDF.Revision != 1 || docs[1].P7S == nil || docs[1].PDF != nil || docs[2].PDF == nil {
		t.Fatalf("documents %+v", docs)
	}
	shown := s.Out.(*bytes.Buffer).String()
	for _, want := range []string{
		"PDF:        batch-1.0001: signature 1 (field qrsign-1) by alice, Signed with qrsign, at 2026-11-24 12:00:00Z; digest ",
		".p7s:       batch-1.0002: a detached signature over its 22 bytes\n",
		"PDF:        batch-1.0003: signature 1 (field qrsign-1)"} {
		if !strings.Contains(shown, want) {
			t.Errorf("not shown: %q\n%s", want, shown)
		}
	}
}

// A PDF of the batch whose revision went stale: every document is prepared,
// checked and signed again without a second question.
func TestBatchStaleRevisionIsSignedAgainWithoutAsking(t *testing.T) {
	relay := newBatchPDFRelay(t, 1)
	p := &recordingPrompt{yes: true, secret: "pw"}
	s := newScanner(t, "alice", p, &sleeps{})
	if _, err := s.Run(context.Background(), flow.Request{QR: relay.qr(t, relay.root()), Action: api.ActionSign}); err != nil {
		t.Fatal(err)
	}
	if len(p.asked) != 1 || len(relay.callbacks) != 2 || len(relay.accepted) != 1 {
		t.Fatalf("asked %q, %d callbacks, %d accepted", p.asked, len(relay.callbacks), len(relay.accepted))
	}
	if d := relay.accepted[0].Documents; d[0].PDF.Revision != 2 || d[2].PDF.Revision != 1 {
		t.Fatalf("signed revisions %d and %d, want 2 and 1", d[0].PDF.Revision, d[2].PDF.Revision)
	}
	if shown := s.Out.(*bytes.Buffer).String(); !strings.Contains(shown, "PDF:        batch-1.0001: signature 2 (field qrsign-2)") {
		t.Errorf("the new revision is not shown:\n%s", shown)
	}
}

// Staleness that never ends stops after a bounded number of tries.
func TestBatchStaleRevisionGivesUp(t *testing.T) {
	relay := newBatchPDFRelay(t, 10)
	s := newScanner(t, "alice", &recordingPrompt{yes: true, secret: "pw"}, &sleeps{})
	_, err := s.Run(context.Background(), flow.Request{QR: relay.qr(t, relay.root()), Action: api.ActionSign})
	if err == nil || !strings.Contains(err.Error(), "REVISION_STALE") || len(relay.callbacks) != 4 {
		t.Fatalf("err %v after %d callbacks", err, len(relay.callbacks))
	}
}

// CheckBatch (what the phone page runs too) refuses what the relay
// prepared unless it names the batch's documents in order, each once, with
// one kind each, and each PDF increment checks as one document's would.
func TestCheckBatchRefuses(t *testing.T) {
	pdf := padestest.SimplePDF()
	order := []string{"b.1", "b.2", "b.3"}
	originals := map[string][]byte{"b.1": pdf, "b.2": []byte("text"), "b.3": pdf}
	inc := func() *api.PDFIncrement {
		pr, err := pades.Prepare(pdf, pades.Signature{Field: "qrsign-1", Name: "alice", Reason: "Signed with qrsign", Time: pdfTime})
		if err != nil {
			t.Fatal(err)
		}
		return &api.PDFIncrement{Revision: 1, PrevSHA256: sha(pdf), Increment: pr.Increment, Field: "qrsign-1", Name: "alice",
			Reason: "Signed with qrsign", Time: pdfTime}
	}
	for _, tc := range []struct {
		name string
		docs []api.BatchSignatureDoc
		want string
		is   error
	}{
		{"out of order", []api.BatchSignatureDoc{{DocumentID: "b.2", P7S: true}, {DocumentID: "b.1", PDF: inc()}},
			`REFUSED: the batch does not match the QR code; nothing was signed: entry 2 names "b.1", not a later document of the batch`, flow.ErrBatchMismatch},
		{"twice", []api.BatchSignatureDoc{{DocumentID: "b.1", PDF: inc()}, {DocumentID: "b.1", PDF: inc()}},
			`REFUSED: the batch does not match the QR code; nothing was signed: entry 2 names "b.1", not a later document of the batch`, flow.ErrBatchMismatch},
		{"not of the batch", []api.BatchSignatureDoc{{DocumentID: "other", P7S: true}},
			`REFUSED: the batch does not match the QR code; nothing was signed: entry 1 names "other", not a later document of the batch`, flow.ErrBatchMismatch},
		{"both kinds", []api.BatchSignatureDoc{{DocumentID: "b.1", PDF: inc(), P7S: true}},
			"REFUSED: the batch does not match the QR code; nothing was signed: entry 1 (b.1) asks for a PDF revision or a .p7s, not one of them", flow.ErrBatchMismatch},
		{"neither", []api.BatchSignatureDoc{{DocumentID: "b.2"}},
			"REFUSED: the batch does not match the QR code; nothing was signed: entry 1 (b.2) asks for a PDF revision or a .p7s, not one of them", flow.ErrBatchMismatch},
		{"another name stated", []api.BatchSignatureDoc{{DocumentID: "b.3", PDF: func() *api.PDFIncrement { i := inc(); i.Name = "mallory"; return i }()}},
			`document b.3: the PDF signature the relay prepared is refused: the relay's session does not match the QR code: the relay states "qrsign-1"/"mallory"/`, flow.ErrSessionMismatch},
		{"bytes beyond the signature", []api.BatchSignatureDoc{{DocumentID: "b.1", PDF: func() *api.PDFIncrement {
			i := inc()
			i.Increment = append(i.Increment, "\n% more\n"...)
			return i
		}()}}, "document b.1: the PDF signature the relay prepared is refused: ", nil},
		{"over another previous revision", []api.BatchSignatureDoc{{DocumentID: "b.1", PDF: func() *api.PDFIncrement { i := inc(); i.PrevSHA256 = sha(nil); return i }()}},
			"document b.1: the PDF signature the relay prepared is refused: REFUSED: the previous PDF revision's SHA-256 ", flow.ErrHashMismatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := clearsign.CheckBatch(order, originals, nil, &api.BatchSignatures{Documents: tc.docs})
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) || (tc.is != nil && !errors.Is(err, tc.is)) {
				t.Fatalf("err = %v\nwant prefix %s", err, tc.want)
			}
		})
	}
}

// What CheckBatch returns binds exactly the checked revisions: the root over
// the PDF statements in batch order, which the chaincode rebuilds.
func TestCheckBatchBindsThePDFStatements(t *testing.T) {
	relay := newBatchPDFRelay(t, 0)
	req, _ := http.NewRequest(http.MethodGet, relay.srv.URL+"/v1/sessions/x/batch", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var prep api.BatchSignatures
	if err := json.NewDecoder(resp.Body).Decode(&prep); err != nil {
		t.Fatal(err)
	}
	originals := map[string][]byte{}
	order := []string{}
	for i, d := range relay.docs {
		originals[batchDocID(i)] = d
		order = append(order, batchDocID(i))
	}
	b, err := clearsign.CheckBatch(order, originals, nil, &prep)
	if err != nil {
		t.Fatal(err)
	}
	var leaves []string
	for _, d := range b.Docs {
		if d.PDF != nil {
			l, _ := payload.PDFLeaf(d.DocumentID, *d.PDF.Payload())
			leaves = append(leaves, hex.EncodeToString(l[:]))
		}
	}
	items := []model.BatchItem{{DocumentID: batchDocID(0), PDF: &model.PDFRevision{Revision: 1, PrevSHA256: sha(relay.docs[0]),
		Digest: b.Docs[0].PDF.Payload().Digest}}, {DocumentID: batchDocID(2), PDF: &model.PDFRevision{Revision: 1,
		PrevSHA256: sha(relay.docs[2]), Digest: b.Docs[2].PDF.Payload().Digest}}}
	want, _, _ := model.BatchPDFTree(items)
	if len(leaves) != 2 || b.PDFs == nil || *b.PDFs != *want || b.PDFs.Count != 2 {
		t.Fatalf("binds %+v, want %+v (leaves %v)", b.PDFs, want, leaves)
	}
}

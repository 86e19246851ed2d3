package service_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"net/http/httptest"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/chaincode/testpki"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/cms"
	"github.com/qrsign/qrsign/relay/cms/cmstest"
	"github.com/qrsign/qrsign/relay/pades"
	"github.com/qrsign/qrsign/relay/pades/padestest"
	"github.com/qrsign/qrsign/relay/service"
	"github.com/qrsign/qrsign/relay/token"
	"github.com/qrsign/qrsign/relay/tsa"
)

// batchPDFRig is a scanRig with an org TSA and batch "bp" of a PDF, a text
// file and another PDF awaiting alice; tok is her batch session.
type batchPDFRig struct {
	*scanRig
	alice    *testpki.Signer
	tok      string
	contents [][]byte
}

func newBatchPDFRig(t *testing.T) *batchPDFRig {
	r := &batchPDFRig{scanRig: newScanRig(t)}
	org := cmstest.NewCA(t, "Org1 TSA CA", r.now)
	stamp := org.TSA(t, "Org1 TSA")
	auth, err := tsa.New([]*x509.Certificate{stamp.Cert, org.Cert}, stamp.Key, asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}, r.clock)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(auth)
	t.Cleanup(srv.Close)
	roots := x509.NewCertPool()
	roots.AddCert(org.Cert)
	r.svc.PDF = &service.PDFSigning{TSA: &tsa.Client{URL: srv.URL, Verify: x509.VerifyOptions{Roots: roots}}}
	t.Cleanup(r.svc.PDF.WaitDSS) // a completed PDF's DSS revision is appended in the background
	r.svc.BatchDir = t.TempDir()
	r.alice = r.ca.Signer("alice")
	r.contents = [][]byte{padestest.TextPDF("BT (one) Tj ET"), []byte("notes\n"), padestest.TextPDF("BT (three) Tj ET")}
	files := map[string]service.BatchFile{}
	meta := api.BatchMeta{ID: "bp", Title: "Q4", Owner: "app", Priority: 1,
		Signers: []model.SignerSpec{{ID: "alice", MSPID: "Org1MSP", RoutingOrder: 1}}}
	for i, name := range []string{"a.pdf", "b.txt", "c.pdf"} {
		info, err := r.svc.Blobs.Put(context.Background(), bytes.NewReader(r.contents[i]), "")
		if err != nil {
			t.Fatal(err)
		}
		mt := map[bool]string{true: "text/plain", false: "application/pdf"}[i == 1]
		files[name] = service.BatchFile{SHA256: info.SHA256, MediaType: mt, Size: info.Size}
		meta.Documents = append(meta.Documents, api.BatchDocMeta{File: name, Title: name, DocType: "contract", MediaType: mt, Order: i + 1})
	}
	if b, err := r.svc.CreateBatch(context.Background(), service.Caller{Who: "app"}, meta, files); err != nil || !b.Complete {
		t.Fatalf("batch: %+v %v", b, err)
	}
	s, err := r.svc.BatchSignerSession(context.Background(), "bp", "Org1MSP/alice")
	if err != nil {
		t.Fatal(err)
	}
	r.tok = s.Token
	return r
}

// signed is alice's batch-sign callback over what PrepareBatch answered:
// each PDF's attributes over the digest it states, the text's .p7s, the
// payload binding the PDF statements; edit changes the documents first.
func (r *batchPDFRig) signed(edit func([]api.BatchDocSignature)) api.CallbackRequest {
	t := r.t
	prep, err := r.svc.PrepareBatch(context.Background(), r.tok)
	if err != nil {
		t.Fatal(err)
	}
	sign := func(b []byte) string {
		sig, err := sigalg.Sign(model.AlgECDSAP256DER, r.alice.Key, b)
		if err != nil {
			t.Fatal(err)
		}
		return base64.StdEncoding.EncodeToString(sig)
	}
	var docs []api.BatchDocSignature
	for i, d := range prep.Documents {
		ds := api.BatchDocSignature{DocumentID: d.DocumentID}
		if d.PDF != nil {
			var digest [32]byte
			hex.Decode(digest[:], []byte(d.PDF.Digest))
			attrs, _ := pades.Attributes(digest, r.alice.Cert).Marshal()
			ds.PDF = &api.PDFSignature{Revision: d.PDF.Revision, PrevSHA256: d.PDF.PrevSHA256, Digest: d.PDF.Digest, Time: d.PDF.Time, Signature: sign(attrs)}
		} else {
			attrs, _ := cms.ForContent(r.contents[i], r.alice.Cert, r.now).Marshal()
			ds.P7S = &api.P7SSignature{Time: r.now, Signature: sign(attrs)}
		}
		docs = append(docs, ds)
	}
	if edit != nil {
		edit(docs)
	}
	items := make([]model.BatchItem, len(docs))
	for i, d := range docs {
		items[i].DocumentID = d.DocumentID
		if d.PDF != nil {
			items[i].PDF = &model.PDFRevision{Revision: d.PDF.Revision, PrevSHA256: d.PDF.PrevSHA256, Digest: d.PDF.Digest}
		}
	}
	pdfs, _, err := model.BatchPDFTree(items)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := token.Peek(r.tok)
	msg, err := payload.Build(payload.Fields{Purpose: payload.PurposeBatchSign, Channel: "qrsign", DocumentID: c.DocID,
		DocumentSHA256: c.SHA256, Nonce: c.Nonce, SignerFingerprint: payload.Fingerprint(r.alice.Cert.Raw), Size: 3, PDFs: pdfs})
	if err != nil {
		t.Fatal(err)
	}
	return api.CallbackRequest{Token: r.tok, Action: "batch-sign", CertChainPEM: r.alice.CertPEM, Signature: sign(msg),
		Algorithm: model.AlgECDSAP256DER, Documents: docs}
}

// The batch callback makes each PDF's revision and the text's .p7s,
// records them with the batch signature and answers where each is.
func TestBatchCallbackMakesEachRevisionAndP7S(t *testing.T) {
	r := newBatchPDFRig(t)
	res, err := r.svc.Scan(context.Background(), service.Caller{}, r.signed(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Signed) != 3 || res.Signed[0].Revision == nil || res.Signed[1].P7S == nil || res.Signed[2].Revision == nil ||
		res.Signed[0].Revision.URL != "http://relay.test/v1/documents/bp.0001/signed.pdf?revision=1" ||
		res.Signed[1].P7S.URL != "http://relay.test/v1/documents/bp.0002/signatures/1.p7s" {
		t.Fatalf("signed %+v", res.Signed)
	}
	r.svc.PDF.WaitDSS() // each completed PDF gets its DSS revision (B-LT) in the background: revision 2
	for i, want := range []int{2, 0, 2} {
		v, err := r.ledger.GetDocument(context.Background(), res.Documents[i])
		if err != nil || v.Revisions != want {
			t.Fatalf("%s: %d revisions, want %d (%v)", res.Documents[i], v.Revisions, want, err)
		}
	}
	read := func(n *int) []byte {
		rd, _, err := r.svc.SignedPDF(context.Background(), "bp.0003", n)
		if err != nil {
			t.Fatal(err)
		}
		defer rd.Close()
		var b bytes.Buffer
		b.ReadFrom(rd)
		return b.Bytes()
	}
	one := 1
	signed, latest := read(&one), read(nil)
	if c, err := pades.CheckIncrement(r.contents[2], signed); err != nil || c.CMS == nil {
		t.Fatalf("revision 1 of bp.0003: %+v %v", c, err)
	}
	if _, err := pades.CheckDSS(signed, latest); err != nil {
		t.Fatalf("the latest revision of bp.0003 is not revision 1 plus its DSS: %v", err)
	}
}

// Refused batch callbacks: exact problem, nothing on the ledger.
func TestBatchCallbackRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		req  func(r *batchPDFRig) api.CallbackRequest
		want string
	}{
		{"out of order", func(r *batchPDFRig) api.CallbackRequest {
			return r.signed(func(d []api.BatchDocSignature) { d[0], d[2] = d[2], d[0] })
		}, "INVALID_FIELD: documents[1]: bp.0002 is not a later document of batch bp that awaits Org1MSP/alice now"},
		{"a .p7s for a PDF", func(r *batchPDFRig) api.CallbackRequest {
			return r.signed(func(d []api.BatchDocSignature) { d[0].PDF, d[0].P7S = nil, d[1].P7S })
		}, "INVALID_FIELD: documents[0]: document bp.0001 is application/pdf: its signature is a PDF revision (pdf)"},
		{"a PDF revision for a text", func(r *batchPDFRig) api.CallbackRequest {
			return r.signed(func(d []api.BatchDocSignature) { d[1].P7S, d[1].PDF = nil, d[0].PDF })
		}, "INVALID_FIELD: documents[1]: document bp.0002 is text/plain: its signature is a .p7s (p7s)"},
		{"both", func(r *batchPDFRig) api.CallbackRequest {
			return r.signed(func(d []api.BatchDocSignature) { d[0].P7S = d[1].P7S })
		}, "INVALID_FIELD: documents[0]: give pdf or p7s"},
		{"stale revision", func(r *batchPDFRig) api.CallbackRequest {
			return r.signed(func(d []api.BatchDocSignature) { d[2].PDF.Revision = 2 })
		}, "REVISION_STALE: the PDF revision 2 over "},
		{"a revision the signature does not bind", func(r *batchPDFRig) api.CallbackRequest {
			req := r.signed(nil)
			req.Documents[2].PDF.Revision = 2
			return req
		}, "BAD_SIGNATURE: "},
		{"documents with a decline", func(r *batchPDFRig) api.CallbackRequest {
			req := r.signed(nil)
			req.Action, req.Reason = "batch-decline", "no"
			return req
		}, "INVALID_FIELD: documents is only for action batch-sign"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newBatchPDFRig(t)
			_, err := r.svc.Scan(context.Background(), service.Caller{}, tc.req(r))
			if err == nil || len(err.Error()) < len(tc.want) || err.Error()[:len(tc.want)] != tc.want {
				t.Fatalf("err %v\nwant prefix %s", err, tc.want)
			}
			for _, id := range []string{"bp.0001", "bp.0002", "bp.0003"} {
				if v, _ := r.ledger.GetDocument(context.Background(), id); v.Revisions != 0 || v.Signers[0].Status != model.SignerPending {
					t.Fatalf("%s changed: %d revisions, %s", id, v.Revisions, v.Signers[0].Status)
				}
			}
		})
	}
}

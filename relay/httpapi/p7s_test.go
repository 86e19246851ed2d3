package httpapi

import (
	"crypto/x509"
	"encoding/base64"
	"net/http"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/cms"
)

var textContent = []byte("name,amount\nalice,12\n")

// A signer of a text document sends a .p7s with the ledger signature; the
// relay records it and serves it signed by the signer's key, time-stamped.
func TestP7SRecordedAndServed(t *testing.T) {
	h := pdfHarness(t)
	meta := map[string]any{"id": "csv-1", "title": "Sheet", "docType": "contract", "owner": "alice",
		"signers": []model.SignerSpec{signer("alice", 1)}, "priority": 1, "mediaType": "text/csv"}
	body, ct := multipartBody(t, meta, textContent)
	rec := h.do("POST", "/v1/documents", body, "Content-Type", ct, "Authorization", "Bearer "+writeKey)
	if rec.Code != http.StatusCreated {
		t.Fatalf("register: %d %s", rec.Code, rec.Body)
	}
	tok := decode[api.Registered](t, rec).Signing[0].Token
	if s := decode[api.Session](t, h.do("GET", "/v1/sessions/"+tok, nil)); !s.P7S {
		t.Fatal("the session does not announce a .p7s")
	}
	alice := h.ca.Signer("alice")
	wantProblem(t, h.do("GET", "/v1/documents/csv-1/signatures/1.p7s", nil, "Authorization", "Bearer "+readKey), http.StatusNotFound, "NOT_FOUND")

	req := h.callback(tok, alice, api.ActionSign, "")
	at := h.clock()
	attrs, err := cms.ForContent(textContent, alice.Cert, at).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	sig, err := sigalg.Sign(model.AlgECDSAP256DER, alice.Key, attrs)
	if err != nil {
		t.Fatal(err)
	}
	bad := req
	bad.P7S = &api.P7SSignature{Time: at.Add(-time.Second), Signature: base64.StdEncoding.EncodeToString(sig)}
	wantProblem(t, h.doJSON("POST", "/v1/callbacks/scan", bad), http.StatusUnprocessableEntity, "BAD_SIGNATURE")
	req.P7S = &api.P7SSignature{Time: at, Signature: base64.StdEncoding.EncodeToString(sig)}
	rec = h.doJSON("POST", "/v1/callbacks/scan", req)
	if rec.Code != http.StatusOK {
		t.Fatalf("sign: %d %s", rec.Code, rec.Body)
	}
	res := decode[api.CallbackResult](t, rec).P7S
	if res == nil || res.URL != "http://relay.test/v1/documents/csv-1/signatures/1.p7s" {
		t.Fatalf("result %+v", res)
	}
	rec = h.do("GET", "/v1/documents/csv-1/signatures/1.p7s", nil, "Authorization", "Bearer "+readKey)
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/pkcs7-signature" || rec.Header().Get("ETag") != `"`+res.SHA256+`"` {
		t.Fatalf("get: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	s, err := cms.Parse(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(h.ca.Cert)
	cert, err := s.Verify(cms.ForContent(textContent, alice.Cert, at).Digest, x509.VerifyOptions{Roots: roots, CurrentTime: h.clock(),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil || !cert.Equal(alice.Cert) {
		t.Fatalf("verify: %v", err)
	}
	if tok, err := s.Unsigned(cms.OIDSignatureTimeStamp); err != nil || len(tok) == 0 {
		t.Fatalf("no signature time-stamp: %v", err)
	}
	for _, p := range []string{"2.p7s", "0.p7s", "01.p7s", "1.pdf", "x.p7s"} {
		wantProblem(t, h.do("GET", "/v1/documents/csv-1/signatures/"+p, nil, "Authorization", "Bearer "+readKey), http.StatusNotFound, "NOT_FOUND")
	}
}

// A .p7s is refused for a PDF document and with a decline.
func TestP7SCallbackRefusals(t *testing.T) {
	h := pdfHarness(t)
	reg := h.register("pdf-1", signer("alice", 1))
	alice := h.ca.Signer("alice")
	req := h.callback(reg.Signing[0].Token, alice, api.ActionSign, "")
	req.P7S = &api.P7SSignature{Time: h.clock(), Signature: "AA=="}
	p := wantProblem(t, h.doJSON("POST", "/v1/callbacks/scan", req), http.StatusBadRequest, "INVALID_FIELD")
	if p.Detail != "document pdf-1 is application/pdf: its signature is a PDF revision (pdf), not a .p7s" {
		t.Fatalf("detail %q", p.Detail)
	}
	req = h.callback(reg.Signing[0].Token, alice, api.ActionDecline, "no")
	req.P7S = &api.P7SSignature{Time: h.clock(), Signature: "AA=="}
	if p := wantProblem(t, h.doJSON("POST", "/v1/callbacks/scan", req), http.StatusBadRequest, "INVALID_FIELD"); p.Detail != "p7s is only for action sign" {
		t.Fatalf("detail %q", p.Detail)
	}
}

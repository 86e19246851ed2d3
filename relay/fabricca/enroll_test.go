package fabricca_test

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/qrsign/qrsign/chaincode/testpki"
	"github.com/qrsign/qrsign/relay/fabricca"
	"github.com/qrsign/qrsign/relay/signer/signertest"
)

// fakeCA answers POST /api/v1/enroll the way fabric-ca-server does, issuing
// from a real test CA. A real Fabric CA is exercised by relay/e2e.
func fakeCA(t *testing.T, ca *testpki.CA, secrets map[string]string, cnOverride string) *httptest.Server {
	return httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/v1/enroll" {
			http.NotFound(w, r)
			return
		}
		id, secret, ok := r.BasicAuth()
		if !ok || secrets[id] != secret || secret == "" {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"result":"","errors":[{"code":20,"message":"Authentication failure"}],"messages":[],"success":false}`))
			return
		}
		var req struct {
			CertificateRequest string `json:"certificate_request"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			t.Errorf("body: %v", err)
			return
		}
		blk, _ := pem.Decode([]byte(req.CertificateRequest))
		csr, err := x509.ParseCertificateRequest(blk.Bytes)
		if err != nil || csr.CheckSignature() != nil {
			t.Errorf("csr: %v", err)
			return
		}
		if csr.Subject.CommonName != id {
			t.Errorf("CSR CN %q, want %q", csr.Subject.CommonName, id)
		}
		cn := id
		if cnOverride != "" {
			cn = cnOverride
		}
		cert := []byte(testpki.PEM(ca.IssueFor(testpki.Leaf{CN: cn}, csr.PublicKey)))
		w.WriteHeader(http.StatusCreated) // as fabric-ca-server 1.5 answers an enrollment
		json.NewEncoder(w).Encode(map[string]any{
			"success": true,
			"result": map[string]any{
				"Cert":       base64.StdEncoding.EncodeToString(cert),
				"ServerInfo": map[string]any{"CAName": "ca-org1", "CAChain": base64.StdEncoding.EncodeToString([]byte(ca.PEM())), "Version": "1.5.15"},
			},
			"errors": []any{}, "messages": []any{},
		})
	}))
}

func TestEnrollGetsACertificateForALocalKey(t *testing.T) {
	ca := signertest.NewCA("ca-org1")
	srv := fakeCA(t, ca, map[string]string{"alice": "s3cret"}, "")
	defer srv.Close()
	e := &fabricca.Enroller{URL: srv.URL, HTTP: srv.Client()}
	res, err := e.Enroll(context.Background(), "alice", "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	if res.Cert.Subject.CommonName != "alice" {
		t.Fatalf("CN %q", res.Cert.Subject.CommonName)
	}
	if !res.Key.PublicKey.Equal(res.Cert.PublicKey) {
		t.Fatal("certificate is not for the generated key")
	}
	if string(res.ChainPEM) != ca.PEM() {
		t.Fatal("chain is not the CA's")
	}
}

func TestEnrollRefusals(t *testing.T) {
	ca := signertest.NewCA("ca-org1")
	good := fakeCA(t, ca, map[string]string{"alice": "s3cret"}, "")
	defer good.Close()
	liar := fakeCA(t, ca, map[string]string{"alice": "s3cret"}, "mallory")
	defer liar.Close()
	for _, tc := range []struct {
		name, id, secret string
		srv              *httptest.Server
		want             string
	}{
		{"a wrong secret", "alice", "nope", good, "enroll: CA answered 401: code 20: Authentication failure"},
		{"a certificate for another name", "alice", "s3cret", liar, `enroll: the issued certificate's CN is "mallory", not "alice"`},
		{"an empty secret", "alice", "", good, "enroll: id and secret are required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &fabricca.Enroller{URL: tc.srv.URL, HTTP: tc.srv.Client()}
			_, err := e.Enroll(context.Background(), tc.id, tc.secret)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

package fabricca_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"testing"

	"github.com/qrsign/qrsign/relay/fabricca"
	"github.com/qrsign/qrsign/relay/signer/signertest"
)

func csrPEM(t *testing.T, cn string) (*ecdsa.PrivateKey, []byte) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: cn}}, key)
	if err != nil {
		t.Fatal(err)
	}
	return key, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

// EnrollCSR is the call for keys made elsewhere (a browser): the CSR goes
// as is, and the certificate comes back checked against it.
func TestEnrollCSRCertifiesTheCSRsKey(t *testing.T) {
	ca := signertest.NewCA("ca-org1")
	srv := fakeCA(t, ca, map[string]string{"alice": "s3cret"}, "")
	defer srv.Close()
	key, csr := csrPEM(t, "alice")
	got, err := (&fabricca.Enroller{URL: srv.URL, HTTP: srv.Client()}).EnrollCSR(context.Background(), "alice", "s3cret", csr)
	if err != nil {
		t.Fatal(err)
	}
	if !key.PublicKey.Equal(got.Cert.PublicKey) || got.Cert.Subject.CommonName != "alice" || string(got.ChainPEM) != ca.PEM() {
		t.Fatalf("issued %+v", got.Cert.Subject)
	}
}

func TestEnrollCSRRefusals(t *testing.T) {
	ca := signertest.NewCA("ca-org1")
	good := fakeCA(t, ca, map[string]string{"alice": "s3cret"}, "")
	defer good.Close()
	liar := fakeCA(t, ca, map[string]string{"alice": "s3cret"}, "mallory")
	defer liar.Close()
	_, alice := csrPEM(t, "alice")
	for _, tc := range []struct {
		name, secret string
		csr          []byte
		srv          string
		want         string
	}{
		{"a wrong secret", "nope", alice, good.URL, "enroll: CA answered 401: code 20: Authentication failure"},
		{"a certificate for another name", "s3cret", alice, liar.URL, `enroll: the issued certificate's CN is "mallory", not "alice"`},
		{"no CSR", "s3cret", []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), good.URL, "enroll: no PEM CERTIFICATE REQUEST"},
		{"an empty secret", "", alice, good.URL, "enroll: id and secret are required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &fabricca.Enroller{URL: tc.srv, HTTP: good.Client()}
			_, err := e.EnrollCSR(context.Background(), "alice", tc.secret, tc.csr)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

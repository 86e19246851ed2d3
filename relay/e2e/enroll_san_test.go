//go:build integration

package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"net"
	"net/url"
	"testing"

	"github.com/qrsign/qrsign/relay/fabricca"
)

// sanCSR is a CSR for cn asking for a DNS name, a mail address, an IP and a URI.
func sanCSR(t *testing.T, cn string) string {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	u, _ := url.Parse("https://bank.example/login")
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: cn},
		DNSNames: []string{"bank.example"}, EmailAddresses: []string{"ceo@bank.example"},
		IPAddresses: []net.IP{net.ParseIP("10.9.8.7")}, URIs: []*url.URL{u}}, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
}

// Why POST /v1/enroll refuses SANs: sent straight to the org's real Fabric CA
// (v1.5.15), a CSR's subject alternative names are copied into the
// certificate it issues (this test records which). Through the relay the
// same CSR is 400 CSR_EXTENSIONS and the secret stays unused.
func TestEnrollRefusesCSRSANsTheFabricCAWouldCopy(t *testing.T) {
	e := setup(t)
	direct, viaRelay := unique("san-direct"), unique("san-relay")
	for _, id := range []string{direct, viaRelay} {
		if err := e.org.RegisterUser(e.info.BinDir, id, "secret-"+id); err != nil {
			t.Fatal(err)
		}
	}
	hc, err := fabricca.HTTPClientTrusting(e.org.CA.TLSCertFile)
	if err != nil {
		t.Fatal(err)
	}
	ca := &fabricca.Enroller{URL: e.org.CA.URL, HTTP: hc}
	issued, err := ca.EnrollCSR(context.Background(), direct, "secret-"+direct, []byte(sanCSR(t, direct)))
	if err != nil {
		t.Fatalf("the Fabric CA itself: %v", err)
	}
	c := issued.Cert
	t.Logf("Fabric CA issued for a CSR with SANs: DNS %v, email %v, IP %v, URI %v", c.DNSNames, c.EmailAddresses, c.IPAddresses, c.URIs)
	// Measured 2026-11-24 with fabric-ca v1.5.15: all four are copied. Should a
	// later CA drop them, the relay's refusal stays right and this line says so.
	if len(c.DNSNames) != 1 || len(c.EmailAddresses) != 1 || len(c.IPAddresses) != 1 || len(c.URIs) != 1 {
		t.Errorf("the Fabric CA no longer copies every CSR SAN (README says it does): %v %v %v %v", c.DNSNames, c.EmailAddresses, c.IPAddresses, c.URIs)
	}

	body, _ := json.Marshal(map[string]string{"enrollmentId": viaRelay, "secret": "secret-" + viaRelay, "csrPem": sanCSR(t, viaRelay)})
	if st, b := e.call(t, "POST", "/v1/enroll", "", body); st != 400 || problemCode(b) != "CSR_EXTENSIONS" {
		t.Fatalf("relay: %d %s, want 400 CSR_EXTENSIONS", st, b)
	}
	// The refused request never reached the CA: the secret still enrolls a plain CSR.
	plain := sanCSRPlain(t, viaRelay)
	if st, b := e.call(t, "POST", "/v1/enroll", "", plain); st != 200 {
		t.Fatalf("relay, plain CSR after the refusal: %d %s", st, b)
	}
}

func sanCSRPlain(t *testing.T, cn string) []byte {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: cn}}, key)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]string{"enrollmentId": cn, "secret": "secret-" + cn,
		"csrPem": string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))})
	return b
}

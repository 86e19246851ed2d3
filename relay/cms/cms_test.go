package cms_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/relay/cms"
	"github.com/qrsign/qrsign/relay/cms/cmstest"
	"github.com/qrsign/qrsign/relay/tsa"
)

func pool(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

func write(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDetachedP7S makes a CAdES-T .p7s over arbitrary bytes and has
// openssl verify it against the org root, and its time-stamp token too.
func TestDetachedP7S(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	now := time.Now().Truncate(time.Second) // openssl judges at its wall clock
	org := cmstest.NewCA(t, "Org1 CA", now)
	alice := org.Signer(t, "alice")
	tsaID := org.TSA(t, "Org1 TSA")
	auth, err := tsa.New([]*x509.Certificate{tsaID.Cert, org.Cert}, tsaID.Key, asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(auth)
	defer srv.Close()
	client := &tsa.Client{URL: srv.URL, Verify: x509.VerifyOptions{Roots: pool(org.Cert)}}

	content := make([]byte, 5000)
	rand.Read(content)
	p7s, err := cms.Sign(cms.ForContent(content, alice.Cert, now), alice.Key, []*x509.Certificate{alice.Cert, org.Cert}, nil)
	if err != nil {
		t.Fatal(err)
	}
	p7s, tok, err := client.StampSignature(context.Background(), p7s)
	if err != nil {
		t.Fatal(err)
	}
	if !tok.GenTime.Equal(now) {
		t.Fatalf("token time %v, want the TSA clock's %v", tok.GenTime, now)
	}
	dir := t.TempDir()
	root := filepath.Join(dir, "root.pem")
	cmstest.WritePEM(t, dir, "root.pem", org.Cert)
	sigPath, dataPath := write(t, dir, "doc.p7s", p7s), write(t, dir, "doc.bin", content)
	verify := func() (string, error) {
		out, err := exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", sigPath, "-content", dataPath, "-CAfile", root, "-out", os.DevNull).CombinedOutput()
		return string(out), err
	}
	if out, err := verify(); err != nil || !strings.Contains(out, "Verification successful") {
		t.Fatalf("openssl cms -verify: %v\n%s", err, out)
	}
	s, err := cms.Parse(p7s)
	if err != nil {
		t.Fatal(err)
	}
	token, err := s.Unsigned(cms.OIDSignatureTimeStamp)
	if err != nil || !bytes.Equal(token, tok.DER) {
		t.Fatalf("token attribute: %v", err)
	}
	out, err := exec.Command("openssl", "ts", "-verify", "-token_in", "-in", write(t, dir, "tok.der", token),
		"-data", write(t, dir, "sigvalue.bin", s.Signature), "-CAfile", root).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Verification: OK") {
		t.Fatalf("openssl ts -verify: %v\n%s", err, out)
	}
	if signer, err := s.Verify(cms.ForContent(content, alice.Cert, now).Digest, x509.VerifyOptions{Roots: pool(org.Cert), CurrentTime: now}); err != nil || signer.Subject.CommonName != "alice" {
		t.Fatalf("Verify: %v", err)
	}

	content[100] ^= 1
	write(t, dir, "doc.bin", content)
	if out, err := verify(); err == nil {
		t.Fatalf("openssl accepted altered content:\n%s", out)
	}
}

func TestVerifyRefuses(t *testing.T) {
	now := time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)
	org, other := cmstest.NewCA(t, "Org1 CA", now), cmstest.NewCA(t, "Other CA", now)
	alice, bob := org.Signer(t, "alice"), org.Signer(t, "bob")
	content := []byte("contract")
	digest := sha256.Sum256(content)
	good, err := cms.Sign(cms.ForContent(content, alice.Cert, now), alice.Key, []*x509.Certificate{alice.Cert, org.Cert}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// signing-certificate-v2 names bob while the signer identifier names alice.
	attrs, _ := cms.ForContent(content, bob.Cert, now).Marshal()
	h := sha256.Sum256(attrs)
	sig, _ := alice.Key.Sign(rand.Reader, h[:], nil)
	essMismatch, _ := cms.Assemble(attrs, sig, alice.Cert, []*x509.Certificate{alice.Cert, bob.Cert}, nil)
	forged, _ := cms.Assemble(attrs, sig, bob.Cert, []*x509.Certificate{bob.Cert}, nil)
	noCerts, _ := cms.Sign(cms.ForContent(content, alice.Cert, now), alice.Key, nil, nil)
	opts := x509.VerifyOptions{Roots: pool(org.Cert), CurrentTime: now}
	for _, tc := range []struct {
		name   string
		der    []byte
		digest []byte
		opts   x509.VerifyOptions
		msg    string
	}{
		{"other content", good, make([]byte, 32), opts, "cms: message digest does not match the content"},
		{"untrusted root", good, digest[:], x509.VerifyOptions{Roots: pool(other.Cert), CurrentTime: now}, "cms: signer's certificate: x509: certificate signed by unknown authority"},
		{"expired", good, digest[:], x509.VerifyOptions{Roots: pool(org.Cert), CurrentTime: now.AddDate(0, 0, 2)}, "cms: signer's certificate: x509: certificate has expired or is not yet valid: current time 2031-01-04T03:04:05Z is after 2031-01-03T03:04:05Z"},
		{"signer and ESS disagree", essMismatch, digest[:], opts, "cms: signing-certificate-v2 names another certificate"},
		{"signature by another key", forged, digest[:], opts, "cms: signature does not verify with the signer's key"},
		{"certificate not included", noCerts, digest[:], opts, "cms: the signer's certificate is not included"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := cms.Parse(tc.der)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.Verify(tc.digest, tc.opts); err == nil || err.Error() != tc.msg {
				t.Fatalf("error %v, want %q", err, tc.msg)
			}
		})
	}
	if _, err := cms.Parse(append(bytes.Clone(good), 0)); err == nil || err.Error() != "cms: not one DER ContentInfo of SignedData" {
		t.Fatalf("trailing byte: %v", err)
	}
	once, _ := cms.AddUnsigned(good, cms.OIDSignatureTimeStamp, []byte{0x30, 0x00})
	if _, err := cms.AddUnsigned(once, cms.OIDSignatureTimeStamp, []byte{0x30, 0x00}); err == nil || !strings.Contains(err.Error(), "already present") {
		t.Fatalf("second time-stamp: %v", err)
	}
	s, _ := cms.Parse(once)
	if _, err := s.Verify(digest[:], opts); err != nil {
		t.Fatalf("an unsigned attribute broke the signature: %v", err)
	}
}

package service

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/blob"
	"github.com/qrsign/qrsign/relay/cms"
	"github.com/qrsign/qrsign/relay/cms/cmstest"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/tsa"
)

// p7sFixture is a relay with an org TSA and a blob store, and a signer of
// that org; now is the relay's and the TSA's clock.
type p7sFixture struct {
	svc   *Service
	org   *cmstest.CA
	alice cmstest.Identity
	now   time.Time
	blobs string // the blob store's directory
}

func newP7SFixture(t *testing.T, now time.Time) *p7sFixture {
	t.Helper()
	org := cmstest.NewCA(t, "Org1 CA", now)
	tsaID := org.TSA(t, "Org1 TSA")
	auth, err := tsa.New([]*x509.Certificate{tsaID.Cert, org.Cert}, tsaID.Key, asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(auth)
	t.Cleanup(srv.Close)
	roots := x509.NewCertPool()
	roots.AddCert(org.Cert)
	dir := t.TempDir()
	blobs, err := blob.NewFS(dir, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	svc := &Service{Blobs: blobs, Now: func() time.Time { return now },
		PDF: &PDFSigning{TSA: &tsa.Client{URL: srv.URL, Verify: x509.VerifyOptions{Roots: roots}}}}
	return &p7sFixture{svc: svc, org: org, alice: org.Signer(t, "alice"), now: now, blobs: dir}
}

// sign is what qrsign sends: key's signature over the .p7s attributes.
func sign(t *testing.T, content []byte, cert *x509.Certificate, key *ecdsa.PrivateKey, at time.Time) api.P7SSignature {
	t.Helper()
	attrs, err := cms.ForContent(content, cert, at).Marshal()
	if err != nil {
		t.Fatal(err)
	}
	sig, err := sigalg.Sign(model.AlgECDSAP256DER, key, attrs)
	if err != nil {
		t.Fatal(err)
	}
	return api.P7SSignature{Time: at, Signature: base64.StdEncoding.EncodeToString(sig)}
}

// TestMakeP7S stores a .p7s that openssl accepts for the document, with a
// time-stamp token openssl accepts for the signature value, and refuses it
// for the document with one byte flipped.
func TestMakeP7S(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl not installed")
	}
	f := newP7SFixture(t, time.Now().UTC().Truncate(time.Second)) // openssl judges at its wall clock
	content := []byte("name,amount\nalice,12\n")
	chain := []*x509.Certificate{f.alice.Cert, f.org.Cert}
	sha, err := f.svc.makeP7S(context.Background(), content, chain, sign(t, content, f.alice.Cert, f.alice.Key, f.now.Add(-time.Minute)))
	if err != nil {
		t.Fatal(err)
	}
	r, _, err := f.svc.Blobs.Open(context.Background(), sha.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	p7s, err := io.ReadAll(r)
	r.Close()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	root := cmstest.WritePEM(t, dir, "root.pem", f.org.Cert)
	file := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	sigPath := file("doc.p7s", p7s)
	verify := func(doc []byte) (string, error) {
		out, err := exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", sigPath,
			"-content", file("doc.csv", doc), "-CAfile", root, "-out", os.DevNull).CombinedOutput()
		return string(out), err
	}
	if out, err := verify(content); err != nil || !strings.Contains(out, "Verification successful") {
		t.Fatalf("openssl cms -verify: %v\n%s", err, out)
	}
	s, err := cms.Parse(p7s)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.Unsigned(cms.OIDSignatureTimeStamp)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("openssl", "ts", "-verify", "-token_in", "-in", file("tok.der", tok),
		"-data", file("sigvalue.bin", s.Signature), "-CAfile", root).CombinedOutput(); err != nil || !strings.Contains(string(out), "Verification: OK") {
		t.Fatalf("openssl ts -verify: %v\n%s", err, out)
	}
	flipped := bytes.Clone(content)
	flipped[3] ^= 1
	if out, err := verify(flipped); err == nil {
		t.Fatalf("openssl accepted a flipped byte:\n%s", out)
	}
}

// TestMakeP7SRefuses: every bad signature is refused with its code and
// nothing is stored.
func TestMakeP7SRefuses(t *testing.T) {
	now := time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)
	f := newP7SFixture(t, now)
	content := []byte("hello")
	chain := []*x509.Certificate{f.alice.Cert, f.org.Cert}
	other := f.org.Signer(t, "mallory")
	good := sign(t, content, f.alice.Cert, f.alice.Key, now)
	for _, tc := range []struct {
		name string
		ps   api.P7SSignature
		code model.Code
		msg  string
	}{
		{"not base64", api.P7SSignature{Time: now, Signature: "%%"}, model.CodeBadSignature, "BAD_SIGNATURE: p7s.signature is not standard base64"},
		{"other content", sign(t, []byte("hellO"), f.alice.Cert, f.alice.Key, now), model.CodeBadSignature, "BAD_SIGNATURE: p7s.signature does not verify over the signed attributes"},
		{"other key", sign(t, content, f.alice.Cert, other.Key, now), model.CodeBadSignature, "BAD_SIGNATURE: p7s.signature does not verify over the signed attributes"},
		{"other time", api.P7SSignature{Time: now.Add(-time.Second), Signature: good.Signature}, model.CodeBadSignature, "BAD_SIGNATURE: p7s.signature does not verify over the signed attributes"},
		{"time too old", sign(t, content, f.alice.Cert, f.alice.Key, now.Add(-2*time.Hour)), model.CodeInvalidField, "INVALID_FIELD: p7s.time 2030-05-06T05:08:09Z is more than 1h0m0s from the relay's clock"},
		{"time ahead", sign(t, content, f.alice.Cert, f.alice.Key, now.Add(2*time.Minute)), model.CodeInvalidField, "INVALID_FIELD: p7s.time 2030-05-06T07:10:09Z is more than 1h0m0s from the relay's clock"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.makeP7S(context.Background(), content, chain, tc.ps)
			var fe *fault.Error
			if !errors.As(err, &fe) || fe.Code != tc.code || !strings.HasPrefix(err.Error(), tc.msg) {
				t.Fatalf("err = %v, want %s", err, tc.msg)
			}
		})
	}
	var stored []string
	filepath.WalkDir(f.blobs, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			stored = append(stored, p)
		}
		return nil
	})
	if len(stored) != 0 {
		t.Fatalf("stored after refusals: %v", stored)
	}
}

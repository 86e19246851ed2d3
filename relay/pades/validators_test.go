package pades

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/asn1"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/qrsign/qrsign/relay/cms"
	"github.com/qrsign/qrsign/relay/cms/cmstest"
	"github.com/qrsign/qrsign/relay/tsa"
)

// world is two orgs (roots like Fabric CAs), a signer in each, org1's TSA.
type world struct {
	now        time.Time
	org1, org2 *cmstest.CA
	alice, bob cmstest.Identity
	tsa        *tsa.Client
	nss, dir   string
	roots      *x509.CertPool
}

var testPolicy = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1, 1}

func newWorld(t *testing.T) *world {
	t.Helper()
	need(t, "pdfsig", "mutool", "qpdf", "certutil", "openssl")
	// The validators judge certificates at their wall-clock time, so the
	// PKI and the signing time are around it; nothing asserts a date.
	w := &world{now: time.Now().Truncate(time.Second), dir: t.TempDir()}
	w.org1 = cmstest.NewCA(t, "Org1 CA", w.now)
	w.org2 = cmstest.NewCA(t, "Org2 CA", w.now)
	w.alice = w.org1.Signer(t, "alice")
	w.bob = w.org2.Signer(t, "bob")
	tsaID := w.org1.TSA(t, "Org1 TSA")
	auth, err := tsa.New([]*x509.Certificate{tsaID.Cert, w.org1.Cert}, tsaID.Key, testPolicy, func() time.Time { return w.now })
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(auth)
	t.Cleanup(srv.Close)
	w.roots = x509.NewCertPool()
	w.roots.AddCert(w.org1.Cert)
	w.roots.AddCert(w.org2.Cert)
	w.tsa = &tsa.Client{URL: srv.URL, Verify: x509.VerifyOptions{Roots: w.roots}}
	// An NSS database whose only trust anchors are the two org roots.
	w.nss = filepath.Join(w.dir, "nss")
	if err := os.Mkdir(w.nss, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := run(t, "certutil", "-N", "-d", "sql:"+w.nss, "--empty-password"); err != nil {
		t.Fatalf("certutil -N: %v\n%s", err, out)
	}
	for name, ca := range map[string]*cmstest.CA{"org1": w.org1, "org2": w.org2} {
		pem := cmstest.WritePEM(t, w.dir, name+".pem", ca.Cert)
		if out, err := run(t, "certutil", "-A", "-d", "sql:"+w.nss, "-n", name, "-t", "C,C,C", "-a", "-i", pem); err != nil {
			t.Fatalf("certutil -A: %v\n%s", err, out)
		}
	}
	return w
}

// sign makes the next revision the way the wiring will: the relay prepares,
// the signer's client checks the increment and signs the attributes, the
// relay time-stamps the signature and embeds it.
func (w *world) sign(t *testing.T, prev []byte, id cmstest.Identity, ca *cmstest.CA, field, name string) []byte {
	t.Helper()
	p, err := Prepare(prev, Signature{Field: field, Name: name, Reason: "I approve this contract", Time: w.now})
	if err != nil {
		t.Fatal(err)
	}
	c, err := CheckIncrement(prev, append(prev[:len(prev):len(prev)], p.Increment...))
	if err != nil {
		t.Fatalf("client check of the prepared revision: %v", err)
	}
	if c.Digest != p.Digest || c.CMS != nil || c.Signature.Name != name {
		t.Fatalf("client check: digest %x name %q, prepared %x %q", c.Digest, c.Signature.Name, p.Digest, name)
	}
	der, err := cms.Sign(Attributes(c.Digest, id.Cert), id.Key, []*x509.Certificate{id.Cert, ca.Cert}, nil)
	if err != nil {
		t.Fatal(err)
	}
	der, _, err = w.tsa.StampSignature(context.Background(), der)
	if err != nil {
		t.Fatal(err)
	}
	next, err := Embed(p, der)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := CheckIncrement(prev, next)
	if err != nil || !bytes.Equal(signed.CMS, der) {
		t.Fatalf("check of the signed revision: %v", err)
	}
	return next
}

func (w *world) write(t *testing.T, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(w.dir, name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestExplore(t *testing.T) {
	w := newWorld(t)
	pdf := fixtures(t)["qpdf-objstm"]
	rev1 := w.sign(t, pdf, w.alice, w.org1, "Signature1", "Alice")
	rev2 := w.sign(t, rev1, w.bob, w.org2, "Signature2", "Bob")
	path := w.write(t, "rev2.pdf", rev2)
	for _, cmd := range [][]string{{"qpdf", "--check", path}, {"pdfsig", "-nssdir", "sql:" + w.nss, path}, {"mutool", "sign", "-v", path}} {
		out, err := run(t, cmd[0], cmd[1:]...)
		t.Logf("%v: %v\n%s", cmd, err, out)
	}
}

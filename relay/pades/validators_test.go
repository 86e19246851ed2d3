package pades

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/relay/cms"
	"github.com/qrsign/qrsign/relay/cms/cmstest"
	"github.com/qrsign/qrsign/relay/pades/padestest"
	"github.com/qrsign/qrsign/relay/tsa"
)

// world is two orgs (roots like Fabric CAs), a signer in each, org1's TSA.
type world struct {
	now        time.Time
	org1, org2 *cmstest.CA
	alice, bob cmstest.Identity
	validation Validation // what the DSS revision adds
	tsa        *tsa.Client
	nss, dir   string
	rootsPEM   string
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
	w.validation = Validation{
		Certs: [][]byte{w.alice.Cert.Raw, w.org1.Cert.Raw, w.bob.Cert.Raw, w.org2.Cert.Raw, tsaID.Cert.Raw},
		CRLs:  [][]byte{w.org1.CRL(t), w.org2.CRL(t)},
	}
	roots := x509.NewCertPool()
	roots.AddCert(w.org1.Cert)
	roots.AddCert(w.org2.Cert)
	w.tsa = &tsa.Client{URL: srv.URL, Verify: x509.VerifyOptions{Roots: roots}}
	w.rootsPEM = cmstest.WritePEM(t, w.dir, "roots.pem", w.org1.Cert, w.org2.Cert)
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

// chain is what TestValidators builds on every fixture: the original, two
// signers' revisions, a DSS revision, a document timestamp.
type chain struct {
	revs  [][]byte
	cmses [][]byte // the two signatures' CMS
}

func (w *world) chain(t *testing.T, orig []byte) chain {
	t.Helper()
	c := chain{revs: [][]byte{orig}}
	for _, s := range []struct {
		id         cmstest.Identity
		ca         *cmstest.CA
		field, who string
	}{{w.alice, w.org1, "Signature1", "Alice Ärger"}, {w.bob, w.org2, "Signature2", "鲍勃"}} {
		prev := c.revs[len(c.revs)-1]
		next := w.sign(t, prev, s.id, s.ca, s.field, s.who)
		checked, err := CheckIncrement(prev, next)
		if err != nil {
			t.Fatal(err)
		}
		c.revs, c.cmses = append(c.revs, next), append(c.cmses, checked.CMS)
	}
	dss, err := AppendDSS(c.revs[2], w.validation)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Prepare(dss, Signature{Kind: DocTimestamp, Field: "DocTimeStamp1"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := w.tsa.StampDigest(context.Background(), p.Digest)
	if err != nil {
		t.Fatal(err)
	}
	final, err := Embed(p, tok.DER)
	if err != nil {
		t.Fatal(err)
	}
	c.revs = append(c.revs, dss, final)
	return c
}

// TestValidators signs every fixture twice, adds the DSS and a document
// timestamp, and has tools nobody here wrote judge every revision.
func TestValidators(t *testing.T) {
	w := newWorld(t)
	for name, orig := range fixtures(t) {
		t.Run(name, func(t *testing.T) {
			c := w.chain(t, orig)
			for i, rev := range c.revs {
				out, err := run(t, "qpdf", "--check", w.write(t, fmt.Sprintf("%s-rev%d.pdf", name, i), rev))
				if err != nil || !strings.Contains(out, "No syntax or stream encoding errors found") {
					t.Errorf("qpdf --check revision %d: %v\n%s", i, err, out)
				}
			}
			ends := Revisions(c.revs[4])
			for i, rev := range c.revs {
				if !slices.Contains(ends, len(rev)) {
					t.Errorf("Revisions %v misses revision %d ending at %d", ends, i, len(rev))
				}
			}
			if v, err := CheckDSS(c.revs[2], c.revs[3]); err != nil || !reflect.DeepEqual(v, w.validation) {
				t.Errorf("CheckDSS: %v", err)
			}
			final := w.write(t, name+"-final.pdf", c.revs[4])
			w.expectPdfsig(t, final, map[int]bool{1: true, 2: true})
			w.expectMutool(t, final, map[int]bool{1: true, 2: true})
			w.expectDSS(t, final)
			for i, der := range c.cmses {
				w.expectCMS(t, c.revs[i], c.revs[i+1], der)
			}
			w.expectDocTimestamp(t, c.revs[3], c.revs[4], true)
		})
	}
}

// TestValidatorsRefuseFlippedBytes flips one byte in each revision of a
// signed file; every validator that covers that revision must fail, the
// others must still pass.
func TestValidatorsRefuseFlippedBytes(t *testing.T) {
	w := newWorld(t)
	c := w.chain(t, fixtures(t)["qpdf-objstm"])
	final := c.revs[4]
	inName := func(rev int) int { // a hex digit inside revision rev's /Name
		at := bytes.Index(final[len(c.revs[rev-1]):], []byte("/Name <FEFF")) + len(c.revs[rev-1])
		return at + len("/Name <FEFF") + 2
	}
	inDSS := bytes.Index(final[len(c.revs[2]):], []byte("stream\n")) + len(c.revs[2]) + 40
	for _, tc := range []struct {
		name  string
		at    int
		valid map[int]bool // pdfsig/mutool signature number → still valid
	}{
		{"original", len("%PDF-1."), map[int]bool{1: false, 2: false}},
		{"revision 1", inName(1), map[int]bool{1: false, 2: false}},
		{"revision 2", inName(2), map[int]bool{1: true, 2: false}},
		{"DSS revision", inDSS, map[int]bool{1: true, 2: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := bytes.Clone(final)
			bad[tc.at] ^= 1
			if !isHexOrDigit(bad[tc.at]) && tc.name != "DSS revision" {
				t.Fatalf("flip at %d made %q: the test would break syntax, not the signature", tc.at, bad[tc.at])
			}
			path := w.write(t, "flipped.pdf", bad)
			w.expectPdfsig(t, path, tc.valid)
			w.expectMutool(t, path, tc.valid)
			w.expectDocTimestamp(t, bad[:len(c.revs[3])], bad, false)
		})
	}
}

func isHexOrDigit(b byte) bool {
	return (b >= '0' && b <= '9') || (b >= 'A' && b <= 'F') || (b >= 'a' && b <= 'f')
}

// blocks splits a tool's report into one text per signature, in order.
func blocks(out, sep string) []string {
	parts := strings.Split(out, sep)
	return parts[1:]
}

var signers = map[int]string{1: "alice", 2: "bob"}

func (w *world) expectPdfsig(t *testing.T, path string, valid map[int]bool) {
	t.Helper()
	out, err := run(t, "pdfsig", "-nssdir", "sql:"+w.nss, path)
	if err != nil {
		t.Fatalf("pdfsig: %v\n%s", err, out)
	}
	bs := blocks(out, "Signature #")
	if len(bs) != 3 || !strings.Contains(bs[2], "Signature Field Name: DocTimeStamp1") {
		t.Fatalf("pdfsig lists %d signatures, want 2 and the document timestamp:\n%s", len(bs), out)
	}
	for n, ok := range valid {
		b := bs[n-1]
		if !strings.Contains(b, "Signer Certificate Common Name: "+signers[n]+"\n") || !strings.Contains(b, fmt.Sprintf("Signature Field Name: Signature%d\n", n)) {
			t.Errorf("pdfsig signature %d does not name %s:\n%s", n, signers[n], b)
		}
		if got := strings.Contains(b, "Signature Validation: Signature is Valid.") && strings.Contains(b, "Certificate Validation: Certificate is Trusted."); got != ok {
			t.Errorf("pdfsig signature %d valid and trusted = %v, want %v:\n%s", n, got, ok, b)
		}
	}
}

func (w *world) expectMutool(t *testing.T, path string, valid map[int]bool) {
	t.Helper()
	out, err := run(t, "mutool", "sign", "-v", path)
	if err != nil {
		t.Fatalf("mutool sign -v: %v\n%s", err, out)
	}
	bs := blocks(out, "Verifying signature ")
	if len(bs) != 3 {
		t.Fatalf("mutool lists %d signatures, want 3:\n%s", len(bs), out)
	}
	for n, ok := range valid {
		b := bs[n-1]
		// MuPDF trusts only its built-in Adobe root, so it reports our roots
		// as self-signed; trust is pdfsig's to judge with our NSS database.
		if !strings.Contains(b, "cn="+signers[n]+",") {
			t.Errorf("mutool signature %d does not name %s:\n%s", n, signers[n], b)
		}
		got := strings.Contains(b, "The signature is valid but there have been edits since signing.") ||
			strings.Contains(b, "The document is unchanged since signing.")
		if got != ok {
			t.Errorf("mutool signature %d digest valid = %v, want %v:\n%s", n, got, ok, b)
		}
	}
}

// expectDSS reads the DSS with qpdf's JSON and compares it with what was added.
func (w *world) expectDSS(t *testing.T, path string) {
	t.Helper()
	certs, crls, err := padestest.ReadDSS(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(certs, w.validation.Certs) || !reflect.DeepEqual(crls, w.validation.CRLs) {
		t.Fatalf("DSS holds %d certificates and %d CRLs, not the %d and %d added", len(certs), len(crls), len(w.validation.Certs), len(w.validation.CRLs))
	}
}

// signedBytes is what a ByteRange covers in rev.
func signedBytes(t *testing.T, prev, rev []byte) []byte {
	t.Helper()
	c, err := CheckIncrement(prev, rev)
	if err != nil {
		t.Fatal(err)
	}
	br := c.ByteRange
	return append(bytes.Clone(rev[br[0]:br[0]+br[1]]), rev[br[2]:br[2]+br[3]]...)
}

// expectCMS has openssl verify a PAdES CMS over its ByteRange and its
// signature time-stamp token over its signature value.
func (w *world) expectCMS(t *testing.T, prev, rev, der []byte) {
	t.Helper()
	sig := w.write(t, "sig.der", der)
	content := w.write(t, "content.bin", signedBytes(t, prev, rev))
	if out, err := run(t, "openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", sig, "-content", content, "-CAfile", w.rootsPEM, "-out", os.DevNull); err != nil {
		t.Errorf("openssl cms -verify: %v\n%s", err, out)
	}
	s, err := cms.Parse(der)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.Unsigned(cms.OIDSignatureTimeStamp)
	if err != nil || tok == nil {
		t.Fatalf("no signature time-stamp: %v", err)
	}
	w.expectToken(t, tok, s.Signature, true)
}

// expectDocTimestamp has openssl verify a document timestamp's token over
// its ByteRange.
func (w *world) expectDocTimestamp(t *testing.T, prev, rev []byte, ok bool) {
	t.Helper()
	c, err := CheckIncrement(prev, rev)
	if err != nil {
		t.Fatal(err)
	}
	w.expectToken(t, c.CMS, signedBytes(t, prev, rev), ok)
}

func (w *world) expectToken(t *testing.T, tok, data []byte, ok bool) {
	t.Helper()
	out, err := run(t, "openssl", "ts", "-verify", "-token_in", "-in", w.write(t, "tok.der", tok), "-data", w.write(t, "stamped.bin", data), "-CAfile", w.rootsPEM)
	if got := err == nil && strings.Contains(out, "Verification: OK"); got != ok {
		t.Errorf("openssl ts -verify OK = %v, want %v: %v\n%s", got, ok, err, out)
	}
}

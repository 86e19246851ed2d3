//go:build integration

package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/relay/pades/padestest"
)

// Two signers of two orgs sign a PDF in turn with qrsign; every revision is
// recorded on the ledger and served; poppler's pdfsig (with only the org CA
// roots in an NSS database made by certutil) and MuPDF validate every
// signature and name each signer (pdfsig trusting each signer's certificate
// through its org's signer CA), qpdf finds every revision sound, and a
// byte changed in the original fails every validator.
func TestPDFSignedByEachSignerValidates(t *testing.T) {
	needValidators(t)
	e := setup(t)
	other := &env{info: e.info, org: &e.info.Orgs[1], http: e.http}
	alice, bob := e.enroll(t, "alice"), other.enroll(t, "bob")
	orig := padestest.TextPDF("BT /F1 24 Tf 72 720 Td (" + unique("lease") + ") Tj ET")
	doc := e.upload(t, "Lease with PDF signatures", orig, []*signer{alice, bob}, []int{1, 2})
	id := doc.Document.ID

	var took []time.Duration
	for _, s := range []*signer{alice, bob} {
		link, _ := doc.link(t, s)
		res, cb := s.scan(t, "scan", link)
		if cb == nil {
			t.Fatalf("qrsign scan as %s: exit %d\n%s", s.id, res.code, res.stderr)
		}
		if cb.Revision == nil || !strings.Contains(res.stderr, "PDF:        signature") {
			t.Fatalf("%s's scan made no PDF revision: %+v\n%s", s.id, cb, res.stderr)
		}
		took = append(took, res.took)
	}
	t.Logf("qrsign scan with a PDF signature (process start to exit): %v", took)

	dir := t.TempDir()
	revs := e.signedRevisions(t, id, 3)
	for n, b := range revs {
		path := writeTemp(t, dir, fmt.Sprintf("rev%d.pdf", n), b)
		if out, err := exec.Command("qpdf", "--check", path).CombinedOutput(); err != nil {
			t.Errorf("qpdf --check revision %d: %v\n%s", n, err, out)
		}
	}
	if !bytes.Equal(revs[0], orig) || !bytes.HasPrefix(revs[2], revs[1]) || !bytes.HasPrefix(revs[1], revs[0]) {
		t.Fatal("the revisions are not the original plus increments")
	}
	t.Logf("PDF size growth per signature: %d, %d bytes", len(revs[1])-len(revs[0]), len(revs[2])-len(revs[1]))

	// The ledger holds the chain, and the final file is found by its hash.
	p := e.provenance(t, id)
	if p.Document.Revisions != 2 || p.Document.RevisionSHA256 != sha(revs[2]) {
		t.Fatalf("ledger: %d revisions, latest %s; want 2, %s", p.Document.Revisions, p.Document.RevisionSHA256, sha(revs[2]))
	}
	var chain []string
	for _, pe := range p.Events {
		if s := pe.Event.Signature; s != nil && s.PDF != nil {
			chain = append(chain, s.PDF.PrevSHA256+">"+s.PDF.SHA256)
		}
	}
	if want := []string{sha(revs[0]) + ">" + sha(revs[1]), sha(revs[1]) + ">" + sha(revs[2])}; strings.Join(chain, " ") != strings.Join(want, " ") {
		t.Fatalf("ledger chain %v, want %v", chain, want)
	}
	status, b := e.get(t, "/v1/verify?sha256="+sha(revs[2]))
	if status != http.StatusOK || !json.Valid(b) || !strings.Contains(string(b), id) {
		t.Fatalf("GET /v1/verify?sha256=<final>: HTTP %d %s", status, b)
	}

	nss := nssTrusting(t, dir, e.org.CA.CACertFile, other.org.CA.CACertFile)
	final := filepath.Join(dir, "rev2.pdf")
	checkPDFSig(t, nss, final, []string{alice.id, bob.id}, true)
	checkMutool(t, final, []string{alice.id, bob.id}, true)

	flipped := bytes.Clone(revs[2])
	i := bytes.Index(flipped, []byte("Td ("))
	flipped[i+4] ^= 0x01 // one byte of the page text both signed
	bad := filepath.Join(dir, "flipped.pdf")
	if err := os.WriteFile(bad, flipped, 0o600); err != nil {
		t.Fatal(err)
	}
	checkPDFSig(t, nss, bad, []string{alice.id, bob.id}, false)
	checkMutool(t, bad, []string{alice.id, bob.id}, false)
}

// needValidators fails the test when a PDF validator is not installed.
func needValidators(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"pdfsig", "mutool", "qpdf", "certutil"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("missing validator %s (poppler-utils, mupdf-tools, qpdf, libnss3-tools)", tool)
		}
	}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// nssTrusting is an NSS database whose only trust anchors are the CA files
// (each org's signer CA root: the first certificate of its caCertFile).
func nssTrusting(t *testing.T, dir string, cas ...string) string {
	t.Helper()
	nss := filepath.Join(dir, "nss")
	if err := os.Mkdir(nss, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("certutil", "-N", "-d", "sql:"+nss, "--empty-password").CombinedOutput(); err != nil {
		t.Fatalf("certutil -N: %v\n%s", err, out)
	}
	for i, ca := range cas {
		if out, err := exec.Command("certutil", "-A", "-d", "sql:"+nss, "-n", fmt.Sprintf("org%d", i+1), "-t", "C,C,C", "-a", "-i", ca).CombinedOutput(); err != nil {
			t.Fatalf("certutil -A %s: %v\n%s", ca, err, out)
		}
	}
	return nss
}

// checkPDFSig: pdfsig lists one signature per signer, in order, naming
// each, all valid with its certificate trusted (or, !ok, none valid). The
// trust holds because signers' certificates chain to their org's signer CA,
// which carries no extended key usage: NSS's PKIX path validation (poppler's)
// refuses the cryptogen MSP CA (clientAuth+serverAuth only) for a document
// signer ("Certificate issuer is unknown"; `vfychain -pp -u 4` says -8101).
func checkPDFSig(t *testing.T, nss, path string, signers []string, ok bool) {
	t.Helper()
	out, _ := exec.Command("pdfsig", "-nssdir", "sql:"+nss, path).CombinedOutput()
	blocks := regexp.MustCompile(`(?m)^Signature #\d+:`).Split(string(out), -1)[1:]
	if len(blocks) != len(signers) {
		t.Fatalf("pdfsig lists %d signatures, want %d:\n%s", len(blocks), len(signers), out)
	}
	for n, b := range blocks {
		valid := strings.Contains(b, "Signature Validation: Signature is Valid.")
		if ok && !strings.Contains(b, "Certificate Validation: Certificate is Trusted.") {
			t.Errorf("pdfsig signature %d: certificate not trusted:\n%s", n+1, b)
		}
		if !strings.Contains(b, signers[n]) || valid != ok {
			t.Errorf("pdfsig signature %d: names %s = %v, valid = %v, want %v:\n%s", n+1, signers[n],
				strings.Contains(b, signers[n]), valid, ok, b)
		}
	}
}

// checkMutool: mutool sign -v finds every signature's digest valid (or, !ok,
// none). MuPDF trusts only its built-in root: trust is pdfsig's call.
func checkMutool(t *testing.T, path string, signers []string, ok bool) {
	t.Helper()
	out, _ := exec.Command("mutool", "sign", "-v", path).CombinedOutput()
	blocks := regexp.MustCompile(`(?m)^Verifying signature `).Split(string(out), -1)[1:]
	if len(blocks) != len(signers) {
		t.Fatalf("mutool lists %d signatures, want %d:\n%s", len(blocks), len(signers), out)
	}
	for n, b := range blocks {
		valid := strings.Contains(b, "The signature is valid but there have been edits since signing.") ||
			strings.Contains(b, "The document is unchanged since signing.")
		if !strings.Contains(b, signers[n]) || valid != ok {
			t.Errorf("mutool signature %d: names %s = %v, digest valid = %v, want %v:\n%s", n+1, signers[n],
				strings.Contains(b, signers[n]), valid, ok, b)
		}
	}
}

// signedRevisions downloads revisions 0..n-1 of document id's signed PDF.
func (e *env) signedRevisions(t *testing.T, id string, n int) [][]byte {
	t.Helper()
	revs := make([][]byte, n)
	for i := range revs {
		status, b := e.get(t, fmt.Sprintf("/v1/documents/%s/signed.pdf?revision=%d", id, i))
		if status != http.StatusOK {
			t.Fatalf("revision %d: HTTP %d %s", i, status, b)
		}
		revs[i] = b
	}
	return revs
}

// writeTemp writes b to dir/name and returns the path.
func writeTemp(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

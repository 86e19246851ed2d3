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
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/relay/internal/validators"
	"github.com/qrsign/qrsign/relay/pades/padestest"
)

// Two signers of two orgs sign a PDF in turn with qrsign; every revision is
// recorded on the ledger and served; poppler's pdfsig (with only the org CA
// roots in an NSS database made by certutil) and MuPDF validate every
// signature and name each signer (pdfsig trusting each signer's certificate
// through its org's signer CA), qpdf finds every revision sound, and a
// byte changed in the original fails every validator.
func TestPDFSignedByEachSignerValidates(t *testing.T) {
	validators.Require(t)
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
		validators.QPDF(t, validators.WriteTemp(t, dir, fmt.Sprintf("rev%d.pdf", n), b))
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

	nss := validators.NSSTrusting(t, dir, e.org.CA.CACertFile, other.org.CA.CACertFile)
	final := filepath.Join(dir, "rev2.pdf")
	validators.PDFSig(t, nss, final, []string{alice.id, bob.id}, true)
	validators.Mutool(t, final, []string{alice.id, bob.id}, true)

	flipped := bytes.Clone(revs[2])
	i := bytes.Index(flipped, []byte("Td ("))
	flipped[i+4] ^= 0x01 // one byte of the page text both signed
	bad := filepath.Join(dir, "flipped.pdf")
	if err := os.WriteFile(bad, flipped, 0o600); err != nil {
		t.Fatal(err)
	}
	validators.PDFSig(t, nss, bad, []string{alice.id, bob.id}, false)
	validators.Mutool(t, bad, []string{alice.id, bob.id}, false)
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
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

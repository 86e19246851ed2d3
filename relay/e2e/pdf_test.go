//go:build integration

package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/relay/config"
	"github.com/qrsign/qrsign/relay/internal/validators"
	"github.com/qrsign/qrsign/relay/pades/padestest"
)

// Two signers of two orgs sign a PDF in turn with qrsign; every revision is
// recorded on the ledger and served; poppler's pdfsig (with only the org CA
// roots in an NSS database made by certutil) and MuPDF validate every
// signature and name each signer (pdfsig trusting each signer's certificate
// through its org's signer CA), qpdf finds every revision sound. After the
// last signature the relay appends the DSS revision (PAdES B-LT), recorded
// as revision 3: qpdf --json reads in it exactly the signers' certificates,
// both orgs' signer CAs, the TSA's chain and the CRL each org published on
// the ledger, and the final file is found by its hash. A byte changed in
// any revision fails the validators whose signatures cover it; a byte
// changed in the DSS (which no signature covers) fails the ledger check.
func TestPDFSignedByEachSignerValidates(t *testing.T) {
	validators.Require(t)
	e := setup(t)
	other := &env{info: e.info, org: &e.info.Orgs[1], http: e.http}
	e.publishCRL(t) // each org's signer CA has a CRL on the ledger for the DSS to carry
	other.publishCRL(t)
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
	revs := e.finalRevisions(t, id, 3)
	for n, b := range revs {
		validators.QPDF(t, validators.WriteTemp(t, dir, fmt.Sprintf("rev%d.pdf", n), b))
	}
	for n := 1; n < len(revs); n++ {
		if !bytes.HasPrefix(revs[n], revs[n-1]) {
			t.Fatalf("revision %d does not start with revision %d", n, n-1)
		}
	}
	if !bytes.Equal(revs[0], orig) {
		t.Fatal("revision 0 is not the uploaded file")
	}
	t.Logf("PDF size growth per signature: %d, %d bytes; DSS revision: %d bytes", len(revs[1])-len(revs[0]), len(revs[2])-len(revs[1]), len(revs[3])-len(revs[2]))

	// The ledger holds the chain, and the final file is found by its hash.
	p := e.provenance(t, id)
	if p.Document.Revisions != 3 || p.Document.RevisionSHA256 != sha(revs[3]) {
		t.Fatalf("ledger: %d revisions, latest %s; want 3, %s", p.Document.Revisions, p.Document.RevisionSHA256, sha(revs[3]))
	}
	var chain []string
	var signedChains []string // each signature's certificates as the ledger froze them
	for _, pe := range p.Events {
		if r := pe.Event.PDFRevision(); r != nil {
			chain = append(chain, r.Kind+":"+r.PrevSHA256+">"+r.SHA256)
		}
		if s := pe.Event.Signature; s != nil && s.PDF != nil {
			signedChains = append(signedChains, s.CertChainPEM)
		}
	}
	if want := []string{":" + sha(revs[0]) + ">" + sha(revs[1]), ":" + sha(revs[1]) + ">" + sha(revs[2]), "dss:" + sha(revs[2]) + ">" + sha(revs[3])}; strings.Join(chain, " ") != strings.Join(want, " ") {
		t.Fatalf("ledger chain %v, want %v", chain, want)
	}
	// qrsign verify folds the events, the DSS revision's included, into the document the relay shows.
	link, _ := doc.link(t, alice)
	if v := run(t, "", "verify", id, "--relay", e.org.Relay.URL, "--token", link, "--channel", e.info.Channel,
		"--ca-cert", e.org.MSPID+"="+e.org.CA.CACertFile, "--ca-cert", other.org.MSPID+"="+other.org.CA.CACertFile); v.code != 0 ||
		!strings.Contains(v.stdout, "fold(events) equals the document") {
		t.Fatalf("qrsign verify: exit %d\n%s%s", v.code, v.stdout, v.stderr)
	}
	status, b := e.get(t, "/v1/verify?sha256="+sha(revs[3]))
	if status != http.StatusOK || !json.Valid(b) || !strings.Contains(string(b), id) {
		t.Fatalf("GET /v1/verify?sha256=<final>: HTTP %d %s", status, b)
	}

	final := filepath.Join(dir, "rev3.pdf")
	e.expectDSS(t, final, signedChains, other)

	nss := validators.NSSTrusting(t, dir, e.org.CA.CACertFile, other.org.CA.CACertFile)
	validators.PDFSig(t, nss, final, []string{alice.id, bob.id}, []bool{true, true})
	validators.Mutool(t, final, []string{alice.id, bob.id}, []bool{true, true})

	// One byte changed in each revision in turn.
	inName := func(n int) int { // a hex digit of revision n's /Name
		return bytes.Index(revs[n][len(revs[n-1]):], []byte("/Name <FEFF")) + len(revs[n-1]) + len("/Name <FEFF") + 2
	}
	for _, tc := range []struct {
		name  string
		at    int
		valid []bool // pdfsig's and mutool's verdict per signature
	}{
		{"original", bytes.Index(revs[3], []byte("Td (")) + 4, []bool{false, false}}, // the page text both signed
		{"revision 1", inName(1), []bool{false, false}},
		{"revision 2", inName(2), []bool{true, false}},
		{"DSS revision", bytes.Index(revs[3][len(revs[2]):], []byte("stream\n")) + len(revs[2]) + 40, []bool{true, true}}, // inside a certificate
	} {
		t.Run("flipped in "+tc.name, func(t *testing.T) {
			flipped := bytes.Clone(revs[3])
			flipped[tc.at] ^= 0x01
			bad := validators.WriteTemp(t, dir, "flipped.pdf", flipped)
			validators.PDFSig(t, nss, bad, []string{alice.id, bob.id}, tc.valid)
			validators.Mutool(t, bad, []string{alice.id, bob.id}, tc.valid)
			// The ledger vouches for no byte of the file after the flip.
			m, status := e.checkPDF(t, flipped)
			if status == http.StatusOK && m.Complete && m.UnrecognisedBytes == 0 {
				t.Fatalf("the ledger check accepts the flipped file: %+v", m)
			}
		})
	}
}

// finalRevisions waits until document id's signatures are followed by the
// DSS revision (appended in the background after the last one, recorded
// as revision signatures+1) and downloads revisions 0 to it.
func (e *env) finalRevisions(t *testing.T, id string, n int) [][]byte {
	t.Helper()
	t0 := time.Now()
	deadline := t0.Add(90 * time.Second)
	for {
		status, b := e.get(t, "/v1/documents/"+id)
		var v struct {
			Revisions int `json:"revisions"`
		}
		if status == http.StatusOK && json.Unmarshal(b, &v) == nil && v.Revisions >= n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("document %s: no revision %d (the DSS) after 90 s: HTTP %d %s", id, n, status, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("measure: DSS revision %d on the ledger %v after the last scan returned", n, time.Since(t0).Round(10*time.Millisecond))
	return e.signedRevisions(t, id, n+1)
}

// expectDSS: the DSS of the PDF at path, read with qpdf --json, holds
// exactly the certificates of the signatures' chains as the ledger froze
// them, each org's signer CA (the first certificate of its caCertFile),
// the TSA chain of this relay's org (tsa.certFile of its configuration),
// and the CRLs the ledger holds for those signer CAs.
func (e *env) expectDSS(t *testing.T, path string, signedChains []string, others ...*env) {
	t.Helper()
	certs, crls, err := padestest.ReadDSS(path)
	if err != nil {
		t.Fatal(err)
	}
	wantCerts, wantCRLs := map[string]bool{}, map[string]bool{}
	addPEM := func(text []byte, first bool) {
		for blk, rest := pem.Decode(text); blk != nil; blk, rest = pem.Decode(rest) {
			wantCerts[string(blk.Bytes)] = true
			if first {
				return
			}
		}
	}
	for _, c := range signedChains {
		addPEM([]byte(c), false)
	}
	cfg, err := config.Load(e.org.Relay.ConfigFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	tsaPEM, err := os.ReadFile(cfg.TSA.CertFile)
	if err != nil {
		t.Fatal(err)
	}
	addPEM(tsaPEM, false)
	for _, o := range append([]*env{e}, others...) {
		caPEM, err := os.ReadFile(o.org.CA.CACertFile)
		if err != nil {
			t.Fatal(err)
		}
		addPEM(caPEM, true)
		res, err := e.adminContract(t).EvaluateTransaction("GetOrgTrust", o.org.MSPID)
		var trust model.OrgTrust
		if err != nil || json.Unmarshal(res, &trust) != nil || len(trust.CRLs) == 0 {
			t.Fatalf("GetOrgTrust(%s): %v, %d CRLs", o.org.MSPID, err, len(trust.CRLs))
		}
		blk, _ := pem.Decode(caPEM)
		for _, crl := range trust.CRLs {
			if crl.CAFingerprint == payload.Fingerprint(blk.Bytes) {
				b, _ := pem.Decode([]byte(crl.CRLPEM))
				wantCRLs[string(b.Bytes)] = true
			}
		}
	}
	sameSet := func(what string, got [][]byte, want map[string]bool) {
		seen := map[string]bool{}
		for _, g := range got {
			if !want[string(g)] || seen[string(g)] {
				t.Errorf("DSS %s holds an item not expected (or twice): %x…", what, g[:min(len(g), 24)])
			}
			seen[string(g)] = true
		}
		if len(seen) != len(want) {
			t.Errorf("DSS %s holds %d items, want %d", what, len(seen), len(want))
		}
	}
	sameSet("/Certs", certs, wantCerts)
	sameSet("/CRLs", crls, wantCRLs)
	t.Logf("DSS: %d certificates, %d CRLs", len(certs), len(crls))
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

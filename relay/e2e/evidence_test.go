//go:build integration

package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/relay/internal/validators"
)

// -update rewrites relay/evidence/testdata (the golden bundles the mutation
// test uses) from this run.
var updateGolden = flag.Bool("update", false, "rewrite relay/evidence/testdata from the real network")

// roots are the PEM files verify-evidence trusts: each member org's
// caCertFile (its signer CAs, then its MSP CA) and the orderer org's root.
type roots struct {
	orgs     map[string]string // MSP id → file
	orderers map[string]string
}

func (e *env) roots(t *testing.T) roots {
	t.Helper()
	r := roots{orgs: map[string]string{}, orderers: map[string]string{}}
	for _, o := range e.info.Orgs {
		r.orgs[o.MSPID] = o.CA.CACertFile
	}
	if len(e.info.Orderers) == 0 {
		t.Fatal("network.json lists no orderer")
	}
	cacerts, err := filepath.Glob(filepath.Join(e.info.Orderers[0].MSPDir, "cacerts", "*.pem"))
	if err != nil || len(cacerts) != 1 {
		t.Fatalf("orderer MSP cacerts: %v %v", cacerts, err)
	}
	r.orderers["OrdererMSP"] = cacerts[0]
	return r
}

func (r roots) args() []string {
	var a []string
	for msp, f := range r.orgs {
		a = append(a, "--ca", msp+"="+f)
	}
	for msp, f := range r.orderers {
		a = append(a, "--orderer-ca", msp+"="+f)
	}
	// The network's policy is a majority of its member orgs: the auditor
	// states it (verify-evidence never derives it from the roots given).
	return append(a, "--endorsing-orgs", strconv.Itoa(len(r.orgs)/2+1))
}

// publishCRL revokes a throwaway identity and publishes the org's CRL, so
// that the signatures that follow freeze a CRL the bundle must carry.
func (e *env) publishCRL(t *testing.T) {
	t.Helper()
	victim := unique("revoked")
	if err := e.org.RegisterUser(e.info.BinDir, victim, "secret-"+victim[len(victim)-8:]); err != nil {
		t.Fatal(err)
	}
	e.revoke(t, victim)
}

// fetchEvidence GETs the bundle and reports how long the relay took.
func (e *env) fetchEvidence(t *testing.T, id string) ([]byte, time.Duration) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.org.Relay.URL+"/v1/documents/"+id+"/evidence", nil)
	req.Header.Set("Authorization", "Bearer "+e.org.Relay.APIKey)
	t0 := time.Now()
	resp, err := e.http.Do(req)
	if err != nil {
		t.Fatalf("GET evidence of %s: %v", id, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	took := time.Since(t0)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET evidence of %s: HTTP %d: %s", id, resp.StatusCode, b)
	}
	// The relay says what the build cost: blocks read, the witness's endorsement.
	t.Logf("measure: evidence of %s: %d bytes in %v; Server-Timing: %s", id, len(b), took, resp.Header.Get("Server-Timing"))
	return b, took
}

// A two-org, two-signer document: the relay's bundle verifies offline with
// the org roots only, and fails with wrong roots, another file or an edit.
func TestEvidenceBundleVerifiesOfflineAndDetectsTampering(t *testing.T) {
	e := setup(t)
	if len(e.info.Orgs) < 2 {
		t.Fatal("the network needs two orgs")
	}
	other := &env{info: e.info, org: &e.info.Orgs[1], http: e.http}
	e.publishCRL(t)
	alice, dave, bob := e.enroll(t, "alice"), other.enroll(t, "dave"), e.enroll(t, "bob")

	body := content("evidence")
	doc := e.upload(t, "Evidence", body, []*signer{alice, dave}, []int{1, 2})
	for _, s := range []*signer{alice, dave} {
		_, qr := doc.link(t, s)
		if res, cb := s.scan(t, "scan", e.scanQR(t, qr)); cb == nil {
			t.Fatalf("%s: exit %d\n%s", s.id, res.code, res.stderr)
		}
	}
	declined := e.upload(t, "Declined", content("declined"), []*signer{bob}, []int{1})
	_, qr := declined.link(t, bob)
	if res, cb := bob.scan(t, "decline", e.scanQR(t, qr), "--reason", "wrong amount"); cb == nil {
		t.Fatalf("bob decline: exit %d\n%s", res.code, res.stderr)
	}

	// A batch signature: one RecordBatchSignature proves each document by Merkle inclusion.
	batch := e.uploadBatch(t, batchDir(t, "evidence", 3, 0), bob)
	link := e.scanQR(t, "/v1/batches/"+batch.ID+"/qr.png?signer="+url.QueryEscape(bob.msp+"/"+bob.id))
	if res, cb := bob.scan(t, "scan", link); cb == nil {
		t.Fatalf("batch scan: exit %d\n%s", res.code, res.stderr)
	}

	bundle, took := e.fetchEvidence(t, doc.Document.ID)
	t.Logf("measure: bundle of a 2-signer document (4 events, 3 transactions): %d bytes, built and served in %v", len(bundle), took)
	decBundle, _ := e.fetchEvidence(t, declined.Document.ID)
	batchBundle, _ := e.fetchEvidence(t, batch.Documents[1].ID)

	dir := t.TempDir()
	write := func(name string, b []byte) string { return validators.WriteTemp(t, dir, name, b) }
	bf, df := write("bundle.json", bundle), write("document.pdf", body)
	r := e.roots(t)

	res := run(t, "", append([]string{"verify-evidence", bf, df}, r.args()...)...)
	if res.code != 0 || !strings.Contains(res.stdout, "VERIFIED") {
		t.Fatalf("verify-evidence: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	t.Logf("measure: qrsign verify-evidence (process, 2 signatures, 3 transactions): %v", res.took)
	t.Logf("verify-evidence report:\n%s", res.stdout)
	for _, want := range []string{"ok   document file", "endorsements: 2 endorsement(s) verify", "block: entry", "ok   event 1 SignatureRecorded",
		"ok   event 2 SignatureRecorded", "ok   projection", "revocation: serial", "VERIFIED",
		// The relay signs its witness: the creator's signature is checked and shown.
		"created by " + e.org.MSPID + ` "`, `(envelope signed), dated `} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if res := run(t, "", append([]string{"verify-evidence", write("declined.json", decBundle)}, r.args()...)...); res.code != 0 {
		t.Fatalf("verify-evidence of the declined document: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}

	res = run(t, "", append([]string{"verify-evidence", write("batch.json", batchBundle)}, r.args()...)...)
	if res.code != 0 || !strings.Contains(res.stdout, "leaf 1 of 3 of batch "+batch.ID) {
		t.Fatalf("verify-evidence of a batch-signed document: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}

	// Wrong roots: Org1MSP's signers, peers and relay do not chain to Org2MSP's root.
	swapped := roots{orgs: map[string]string{}, orderers: r.orderers}
	swapped.orgs[e.org.MSPID], swapped.orgs[other.org.MSPID] = other.org.CA.CACertFile, e.org.CA.CACertFile
	if res := run(t, "", append([]string{"verify-evidence", bf, df}, swapped.args()...)...); res.code != 6 ||
		!strings.Contains(res.stdout, "does not chain to a root of") {
		t.Fatalf("swapped roots: exit %d, want 6\n%s%s", res.code, res.stdout, res.stderr)
	}
	// Another document file.
	if res := run(t, "", append([]string{"verify-evidence", bf, write("other.pdf", content("other"))}, r.args()...)...); res.code != 6 ||
		!strings.Contains(res.stdout, "FAIL document file") {
		t.Fatalf("other document: exit %d, want 6\n%s%s", res.code, res.stdout, res.stderr)
	}
	// An edited bundle: dave's name in his signature event.
	tampered := strings.Replace(string(bundle), `"id": "`+dave.id+`"`, `"id": "`+dave.id+`x"`, 1)
	if tampered == string(bundle) {
		t.Fatal("the bundle does not name dave as a JSON field")
	}
	if res := run(t, "", append([]string{"verify-evidence", write("tampered.json", []byte(tampered)), df}, r.args()...)...); res.code != 6 ||
		!strings.Contains(res.stdout, "FAIL events proven") {
		t.Fatalf("tampered bundle: exit %d, want 6\n%s%s", res.code, res.stdout, res.stderr)
	}

	if *updateGolden {
		out := filepath.Join("..", "evidence", "testdata")
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
		files := map[string][]byte{"two-signers.json": bundle, "two-signers.pdf": body, "declined.json": decBundle, "batch.json": batchBundle}
		for msp, f := range r.orgs {
			b, _ := os.ReadFile(f)
			files["root-"+msp+".pem"] = b
		}
		for msp, f := range r.orderers {
			b, _ := os.ReadFile(f)
			files["orderer-root-"+msp+".pem"] = b
		}
		for name, b := range files {
			if err := os.WriteFile(filepath.Join(out, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		sum := sha256.Sum256(body)
		t.Logf("rewrote %s (document %s)", out, hex.EncodeToString(sum[:]))
	}
}

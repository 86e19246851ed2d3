//go:build integration

package e2e

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/relay/internal/validators"
	"github.com/qrsign/qrsign/relay/pades/padestest"
)

// One scan of a batch QR with qrsign signs a batch of two PDFs and a text
// file: the ledger records each PDF's revision (its statement bound by the
// batch signature) and the text's .p7s; each signed.pdf is found by its hash,
// sound for qpdf and valid for pdfsig (org roots only) and mutool, naming the
// signer; openssl cms -verify accepts the .p7s; qrsign verify re-verifies a
// PDF's record with its statement; a flipped byte fails pdfsig and mutool.
func TestBatchOfPDFsSignedByOneScanValidates(t *testing.T) {
	validators.Require(t)
	e := setup(t)
	alice := e.enroll(t, "alice")
	dir := t.TempDir()
	lease := padestest.TextPDF("BT /F1 24 Tf 72 720 Td (" + unique("lease") + ") Tj ET")
	notes := []byte("notes of " + unique("notes") + "\n")
	annex := padestest.TextPDF("BT /F1 24 Tf 72 720 Td (" + unique("annex") + ") Tj ET")
	validators.WriteTemp(t, dir, "a-lease.pdf", lease)
	validators.WriteTemp(t, dir, "b-notes.txt", notes)
	validators.WriteTemp(t, dir, "c-annex.pdf", annex)
	b := e.uploadBatch(t, dir, alice)
	if len(b.Documents) != 3 || b.Documents[1].MediaType != "text/plain" {
		t.Fatalf("batch %+v", b.Documents)
	}
	link := e.scanQR(t, "/v1/batches/"+b.ID+"/qr.png?signer="+url.QueryEscape(alice.msp+"/"+alice.id))
	res, cb := alice.scan(t, "scan", link)
	if cb == nil {
		t.Fatalf("batch scan: exit %d\n%s", res.code, res.stderr)
	}
	t.Logf("qrsign scan of a batch of 2 PDFs and a text file (PDF revisions, .p7s, one batch signature; process start to exit): %s",
		res.took.Round(time.Millisecond))
	ids := []string{b.Documents[0].ID, b.Documents[1].ID, b.Documents[2].ID}
	if len(cb.Signed) != 3 || cb.Signed[0].Revision == nil || cb.Signed[0].Revision.Revision != 1 || cb.Signed[1].P7S == nil ||
		cb.Signed[2].Revision == nil || len(cb.Documents) != 3 {
		t.Fatalf("batch scan result %+v", cb)
	}
	for _, want := range []string{"PDF:        " + ids[0] + ": signature 1 (field qrsign-1) by alice", ".p7s:       " + ids[1] + ": ",
		"PDF:        " + ids[2] + ": signature 1 (field qrsign-1) by alice"} {
		if !strings.Contains(res.stderr, want) {
			t.Fatalf("the scan did not show %q:\n%s", want, res.stderr)
		}
	}

	nss := validators.NSSTrusting(t, dir, e.org.CA.CACertFile)
	for i, orig := range map[int][]byte{0: lease, 2: annex} {
		id := ids[i]
		revs := e.finalRevisions(t, id, 2) // the signature's revision, then the DSS revision the completed PDF gets (B-LT)
		if !bytes.Equal(revs[0], orig) || !bytes.HasPrefix(revs[1], orig) || !bytes.HasPrefix(revs[2], revs[1]) ||
			sha(revs[1]) != cb.Signed[i].Revision.SHA256 {
			t.Fatalf("%s: the revisions are not the original plus the recorded increments", id)
		}
		t.Logf("%s: PDF size growth by the signature: %d bytes, by the DSS: %d bytes", id, len(revs[1])-len(revs[0]), len(revs[2])-len(revs[1]))
		for n, rev := range revs[1:] {
			final := validators.WriteTemp(t, dir, fmt.Sprintf("%d-rev%d.pdf", i, n+1), rev)
			validators.QPDF(t, final)
			validators.PDFSig(t, nss, final, []string{alice.id}, []bool{true})
			validators.Mutool(t, final, []string{alice.id}, []bool{true})
		}
		p := e.provenance(t, id)
		if p.Document.Revisions != 2 || p.Document.RevisionSHA256 != sha(revs[2]) {
			t.Fatalf("%s: ledger has %d revisions, latest %s", id, p.Document.Revisions, p.Document.RevisionSHA256)
		}
		ev := p.Events[1].Event.Signature
		if ev.PDF == nil || ev.PDF.SHA256 != sha(revs[1]) || ev.Batch == nil || ev.Batch.PDFs == nil || ev.Batch.PDFs.Count != 2 ||
			p.Events[1].Event.TxID != cb.TxID {
			t.Fatalf("%s: evidence %+v", id, ev)
		}
		flipped := bytes.Clone(revs[1])
		at := bytes.Index(flipped, []byte("Td ("))
		flipped[at+4] ^= 0x01
		bad := validators.WriteTemp(t, dir, fmt.Sprintf("%d-flipped.pdf", i), flipped)
		validators.PDFSig(t, nss, bad, []string{alice.id}, []bool{false})
		validators.Mutool(t, bad, []string{alice.id}, []bool{false})
	}
	v := runEnv(t, []string{"QRSIGN_API_KEY=" + e.org.Relay.APIKey}, "", "verify", ids[0], "--relay", e.org.Relay.URL,
		"--ca-cert", e.org.MSPID+"="+e.org.CA.CACertFile, "--channel", e.info.Channel)
	if v.code != 0 || !strings.Contains(v.stdout, "its PDF revision 1 is statement 0 of 2") || !strings.Contains(v.stdout, "VERIFIED") {
		t.Fatalf("qrsign verify of a batch-signed PDF: exit %d\n%s%s", v.code, v.stdout, v.stderr)
	}

	path := "/v1/documents/" + ids[1] + "/signatures/1.p7s"
	status, p7s := e.get(t, path)
	if status != 200 || sha(p7s) != cb.Signed[1].P7S.SHA256 || !strings.HasSuffix(cb.Signed[1].P7S.URL, path) {
		t.Fatalf("the .p7s: HTTP %d, sha %s, want %s at %s", status, sha(p7s), cb.Signed[1].P7S.SHA256, cb.Signed[1].P7S.URL)
	}
	sig, data := validators.WriteTemp(t, dir, "notes.p7s", p7s), validators.WriteTemp(t, dir, "notes.txt", notes)
	if out, ok := validators.CMSVerify(sig, data, e.org.CA.CACertFile); !ok {
		t.Fatalf("openssl cms -verify the batch .p7s:\n%s", out)
	}
	bad := bytes.Clone(notes)
	bad[0] ^= 1
	if out, ok := validators.CMSVerify(sig, validators.WriteTemp(t, dir, "flipped.txt", bad), e.org.CA.CACertFile); ok {
		t.Fatalf("openssl accepted the .p7s for a flipped byte:\n%s", out)
	}
	if p := e.provenance(t, ids[1]); p.Events[1].Event.Signature.P7S == nil || p.Events[1].Event.Signature.P7S.SHA256 != sha(p7s) {
		t.Fatalf("the ledger does not record the .p7s %s", sha(p7s))
	}
}

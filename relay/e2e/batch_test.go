//go:build integration

package e2e

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"

	"github.com/qrsign/qrsign/relay/api"
)

// batchDir writes n distinct files of about kib KiB each (0: a few bytes).
func batchDir(t *testing.T, label string, n, kib int) string {
	dir := t.TempDir()
	for i := range n {
		c := content(fmt.Sprintf("%s-%d", label, i))
		if kib > 0 {
			c = append(c, make([]byte, kib<<10)...)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("doc-%03d.pdf", i+1)), c, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// envInt reads a positive integer from the environment, else def.
func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// uploadBatch runs `qrsign batch upload` for signer s.
func (e *env) uploadBatch(t *testing.T, dir string, s *signer) *api.Batch {
	t.Helper()
	b, _ := e.uploadBatchRun(t, dir, s)
	return b
}

func (e *env) uploadBatchRun(t *testing.T, dir string, s *signer) (*api.Batch, result) {
	t.Helper()
	res := run(t, "", "batch", "upload", dir, "--relay", e.org.Relay.URL, "--api-key", e.org.Relay.APIKey,
		"--signer", s.msp+"/"+s.id, "--title-prefix", "E2E ", "--priority", "3", "--doc-type", "contract", "--json")
	if res.code != 0 {
		t.Fatalf("qrsign batch upload: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	var b api.Batch
	if err := json.Unmarshal([]byte(res.stdout), &b); err != nil || !b.Complete {
		t.Fatalf("batch answer %q: %v", res.stdout, err)
	}
	if !strings.Contains(res.stderr, "100%") {
		t.Fatalf("no progress on stderr: %q", res.stderr)
	}
	return &b, res
}

// One scan of a batch QR signs every document: qrsign batch upload, the
// relay's batch QR, qrsign scan (downloads and hashes each document,
// recomputes the Merkle root) and a RecordBatchSignature on the ledger.
func TestBatchUploadAndOneScanSignsAll(t *testing.T) {
	e := setup(t)
	alice := e.enroll(t, "alice")
	// QRSIGN_BATCH_N documents of QRSIGN_BATCH_KIB KiB measure larger batches.
	n, kib := envInt("QRSIGN_BATCH_N", 4), envInt("QRSIGN_BATCH_KIB", 0)
	b, up := e.uploadBatchRun(t, batchDir(t, "batch", n, kib), alice)
	if len(b.Documents) != n || b.Documents[0].Title != "E2E doc-001" || b.Root == "" {
		t.Fatalf("batch %+v", b)
	}
	t.Logf("qrsign batch upload: %d documents of %d KiB in %s, peak RSS %d KiB", n, kib, up.took.Round(time.Millisecond), up.maxRSSKiB)
	qrURL := "/v1/batches/" + b.ID + "/qr.png?signer=" + url.QueryEscape(alice.msp+"/"+alice.id)
	link := e.scanQR(t, qrURL)
	res, cb := alice.scan(t, "scan", link)
	if cb == nil {
		t.Fatalf("batch scan: exit %d\n%s", res.code, res.stderr)
	}
	if len(cb.Documents) != n || cb.ValidationCode != "VALID" {
		t.Fatalf("batch scan result %+v", cb)
	}
	if !strings.Contains(res.stderr, fmt.Sprintf("%d documents", n)) || !strings.Contains(res.stderr, fmt.Sprintf("E2E doc-%03d", n)) {
		t.Fatalf("the scan did not show the batch:\n%s", res.stderr)
	}
	t.Logf("qrsign scan of the batch (download+hash %d documents, root, sign, RecordBatchSignature commit): %s, peak RSS %d KiB",
		n, res.took.Round(time.Millisecond), res.maxRSSKiB)
	for _, d := range b.Documents {
		p := e.provenance(t, d.ID)
		if got := eventTypes(p); !slices.Equal(got, []string{"DocumentRegistered", "SignatureRecorded", "DocumentCompleted"}) {
			t.Fatalf("%s: events %v", d.ID, got)
		}
		if ev := p.Events[1].Event.Signature; ev.Batch == nil || ev.Batch.Root != b.Root || ev.Batch.Size != n || p.Events[1].Event.TxID != cb.TxID {
			t.Fatalf("%s: evidence %+v", d.ID, ev)
		}
	}
	v := runEnv(t, []string{"QRSIGN_API_KEY=" + e.org.Relay.APIKey}, "", "verify", b.Documents[2].ID, "--relay", e.org.Relay.URL,
		"--ca-cert", e.org.MSPID+"="+e.org.CA.CACertFile, "--channel", e.info.Channel)
	if v.code != 0 || !strings.Contains(v.stdout, fmt.Sprintf("leaf 2 of %d of batch %s", n, b.ID)) || !strings.Contains(v.stdout, "VERIFIED") {
		t.Fatalf("qrsign verify of a batch-signed document: exit %d\n%s%s", v.code, v.stdout, v.stderr)
	}
}

// A batch one of whose stored documents was altered on the relay is refused
// by the client before anything is signed; the ledger is unchanged.
func TestBatchWithATamperedDocumentIsRefused(t *testing.T) {
	e := setup(t)
	alice := e.enroll(t, "alice")
	b := e.uploadBatch(t, batchDir(t, "tamper", 3, 0), alice)
	link := e.scanQR(t, "/v1/batches/"+b.ID+"/qr.png?signer="+url.QueryEscape(alice.msp+"/"+alice.id))
	blob := e.blobPath(t, b.Documents[1].SHA256)
	orig, err := os.ReadFile(blob)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.WriteFile(blob, orig, 0o644) })
	if err := os.WriteFile(blob, append([]byte("tampered "), orig...), 0o644); err != nil {
		t.Fatal(err)
	}
	res, cb := alice.scan(t, "scan", link)
	if cb != nil || res.code != 3 || !strings.Contains(res.stderr, "REFUSED") || !strings.Contains(res.stderr, b.Documents[1].ID) {
		t.Fatalf("tampered batch: exit %d %+v, want 3 REFUSED naming %s\n%s", res.code, cb, b.Documents[1].ID, res.stderr)
	}
	for _, d := range b.Documents {
		if got := eventTypes(e.provenance(t, d.ID)); !slices.Equal(got, []string{string(model.EventDocumentRegistered)}) {
			t.Fatalf("%s: the ledger changed: %v", d.ID, got)
		}
	}
}

// `qrsign decline` of a batch QR declines every document in one
// RecordBatchDecline: each closes DECLINED with the reason and the batch
// evidence, and `qrsign verify` re-verifies the batch-decline signature.
func TestBatchDeclinedByOneScan(t *testing.T) {
	e := setup(t)
	alice := e.enroll(t, "alice")
	b := e.uploadBatch(t, batchDir(t, "decline", 3, 0), alice)
	link := e.scanQR(t, "/v1/batches/"+b.ID+"/qr.png?signer="+url.QueryEscape(alice.msp+"/"+alice.id))
	res := run(t, alice.pass+"\n", "decline", link, "--reason", "Rates differ from the offer", "--yes", "--passphrase-stdin", "--home", alice.home)
	if res.code != 0 || !strings.Contains(res.stdout, "Declined batch "+b.ID+": 3 of its 3 documents in tx ") ||
		!strings.Contains(res.stdout+res.stderr, "Reason:     Rates differ from the offer") {
		t.Fatalf("qrsign decline of a batch: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	for i, d := range b.Documents {
		p := e.provenance(t, d.ID)
		if got := eventTypes(p); !slices.Equal(got, []string{"DocumentRegistered", "SignatureDeclined"}) || p.Document.Status != model.StatusDeclined {
			t.Fatalf("%s: events %v, status %s", d.ID, got, p.Document.Status)
		}
		if ev := p.Events[1].Event.Signature; ev.Reason != "Rates differ from the offer" || ev.Batch == nil || ev.Batch.Index != i ||
			ev.Batch.Root != b.Root {
			t.Fatalf("%s: evidence %+v", d.ID, ev)
		}
	}
	v := runEnv(t, []string{"QRSIGN_API_KEY=" + e.org.Relay.APIKey}, "", "verify", b.Documents[1].ID, "--relay", e.org.Relay.URL,
		"--ca-cert", e.org.MSPID+"="+e.org.CA.CACertFile, "--channel", e.info.Channel)
	if v.code != 0 || !strings.Contains(v.stdout, "leaf 1 of 3 of batch "+b.ID) || !strings.Contains(v.stdout, "VERIFIED") {
		t.Fatalf("qrsign verify of a batch-declined document: exit %d\n%s%s", v.code, v.stdout, v.stderr)
	}
}

//go:build integration

package e2e

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/signer/relayapi"
)

// batchDir writes n distinct files.
func batchDir(t *testing.T, label string, n int) string {
	dir := t.TempDir()
	for i := range n {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("doc-%02d.pdf", i+1)), content(fmt.Sprintf("%s-%d", label, i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// uploadBatch runs `qrsign batch upload` for signer s.
func (e *env) uploadBatch(t *testing.T, dir string, s *signer) *relayapi.Batch {
	t.Helper()
	res := run(t, "", "batch", "upload", dir, "--relay", e.org.Relay.URL, "--api-key", e.org.Relay.APIKey,
		"--signer", s.msp+"/"+s.id, "--title-prefix", "E2E ", "--priority", "3", "--doc-type", "contract", "--json")
	if res.code != 0 {
		t.Fatalf("qrsign batch upload: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	var b relayapi.Batch
	if err := json.Unmarshal([]byte(res.stdout), &b); err != nil || !b.Complete {
		t.Fatalf("batch answer %q: %v", res.stdout, err)
	}
	if !strings.Contains(res.stderr, "100%") {
		t.Fatalf("no progress on stderr: %q", res.stderr)
	}
	return &b
}

// One scan of a batch QR signs every document: qrsign batch upload, the
// relay's batch QR, qrsign scan (downloads and hashes each document,
// recomputes the Merkle root) and a RecordBatchSignature on the ledger.
func TestBatchUploadAndOneScanSignsAll(t *testing.T) {
	e := setup(t)
	alice := e.enroll(t, "alice")
	b := e.uploadBatch(t, batchDir(t, "batch", 4), alice)
	if len(b.Documents) != 4 || b.Documents[0].Title != "E2E doc-01" || b.Root == "" {
		t.Fatalf("batch %+v", b)
	}
	qrURL := "/v1/batches/" + b.ID + "/qr.png?signer=" + url.QueryEscape(alice.msp+"/"+alice.id)
	link := e.scanQR(t, qrURL)
	res, cb := alice.scan(t, "scan", link)
	if cb == nil {
		t.Fatalf("batch scan: exit %d\n%s", res.code, res.stderr)
	}
	if len(cb.Documents) != 4 || cb.ValidationCode != "VALID" {
		t.Fatalf("batch scan result %+v", cb)
	}
	if !strings.Contains(res.stderr, "4 documents") || !strings.Contains(res.stderr, "E2E doc-04") {
		t.Fatalf("the scan did not show the batch:\n%s", res.stderr)
	}
	for _, d := range b.Documents {
		p := e.provenance(t, d.ID)
		if got := eventTypes(p); !slices.Equal(got, []string{"DocumentRegistered", "SignatureRecorded", "DocumentCompleted"}) {
			t.Fatalf("%s: events %v", d.ID, got)
		}
		if ev := p.Events[1].Event.Signature; ev.Batch == nil || ev.Batch.Root != b.Root || ev.Batch.Size != 4 || p.Events[1].Event.TxID != cb.TxID {
			t.Fatalf("%s: evidence %+v", d.ID, ev)
		}
	}
	v := runEnv(t, []string{"QRSIGN_API_KEY=" + e.org.Relay.APIKey}, "", "verify", b.Documents[2].ID, "--relay", e.org.Relay.URL,
		"--ca-cert", e.org.MSPID+"="+e.org.CA.CACertFile, "--channel", e.info.Channel)
	if v.code != 0 || !strings.Contains(v.stdout, "leaf 2 of 4 of batch "+b.ID) || !strings.Contains(v.stdout, "VERIFIED") {
		t.Fatalf("qrsign verify of a batch-signed document: exit %d\n%s%s", v.code, v.stdout, v.stderr)
	}
}

// A batch one of whose stored documents was altered on the relay is refused
// by the client before anything is signed; the ledger is unchanged.
func TestBatchWithATamperedDocumentIsRefused(t *testing.T) {
	e := setup(t)
	alice := e.enroll(t, "alice")
	b := e.uploadBatch(t, batchDir(t, "tamper", 3), alice)
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

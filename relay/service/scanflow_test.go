package service_test

import (
	"context"
	"io"
	"testing"
)

// A whole scan, as the signer's client makes it: GET /v1/sessions/{token}
// (GetDocument for the title, status and hash check, GetNonce for a used
// session), the content download (no evaluate: its ContentInfo was kept by
// the session's GetDocument) and the callback (RecordSignature, plus the
// org's trust once).
func TestScanFlowPeerCalls(t *testing.T) {
	r := newScanRig(t)
	toks := []string{r.session("doc-a", "alice"), r.session("doc-b", "bob")}
	r.ledger.take()
	for i, tc := range []struct {
		doc, signer string
		callback    map[string]int
	}{
		{"doc-a", "alice", map[string]int{"GetOrgTrust": 1, "RecordSignature": 1}},
		{"doc-b", "bob", map[string]int{"RecordSignature": 1}},
	} {
		sess, err := r.svc.Session(context.Background(), toks[i])
		if err != nil {
			t.Fatal(err)
		}
		if got := r.ledger.take(); !sameCalls(got, map[string]int{"GetDocument": 1, "GetNonce": 1}) {
			t.Errorf("%s: session peer calls %v", tc.doc, got)
		}
		rc, ci, err := r.svc.Content(context.Background(), tc.doc)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || string(b) != "%PDF-1.7 "+tc.doc || ci.SHA256 != sess.SHA256 || ci.MediaType != "application/pdf" {
			t.Fatalf("%s: content %q %+v, %v", tc.doc, b, ci, err)
		}
		if got := r.ledger.take(); len(got) != 0 {
			t.Errorf("%s: content peer calls %v, want none", tc.doc, got)
		}
		if _, err := r.sign(toks[i], r.ca.Signer(tc.signer)); err != nil {
			t.Fatal(err)
		}
		if got := r.ledger.take(); !sameCalls(got, tc.callback) {
			t.Errorf("%s: callback peer calls %v, want %v", tc.doc, got, tc.callback)
		}
	}
}

// Content read before any GetDocument of the document reads the ledger
// once; an unknown document is refused as before.
func TestContentReadsTheLedgerOnlyWhenNotKept(t *testing.T) {
	r := newScanRig(t)
	r.session("doc-a", "alice")
	svc := r.svc
	r.ledger.take()
	for _, want := range []int{1, 0} {
		rc, _, err := svc.Content(context.Background(), "doc-a")
		if err != nil {
			t.Fatal(err)
		}
		rc.Close()
		if got := r.ledger.take()["GetDocument"]; got != want {
			t.Errorf("GetDocument %d, want %d", got, want)
		}
	}
	if _, _, err := svc.Content(context.Background(), "doc-none"); codeOf(err) != "DOCUMENT_NOT_FOUND" {
		t.Errorf("unknown document: %v", err)
	}
}

//go:build integration

package e2e

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"

	"github.com/qrsign/qrsign/relay/api"
)

// A signer tags a document they signed with `qrsign annotate`: the ledger
// records it, the document's tags include it, the records-by-tag endpoint
// finds it, and qrsign verify checks the annotation's signature too.
func TestAnnotateTagsADocument(t *testing.T) {
	e := setup(t)
	alice := e.enroll(t, "alice")
	doc := e.upload(t, "Annotated lease", content("annot"), []*signer{alice}, []int{1})
	_, qr := doc.link(t, alice)
	url := e.scanQR(t, qr)
	if res, cb := alice.scan(t, "scan", url); cb == nil {
		t.Fatalf("scan: exit %d\n%s", res.code, res.stderr)
	}
	tag := "e2e-" + strings.ToLower(unique("t"))[len("t-"):]
	if len(tag) > 32 {
		tag = tag[:32]
	}
	res := run(t, alice.pass+"\n", "annotate", doc.Document.ID, "--relay", e.org.Relay.URL, "--token", url,
		"--tag", tag, "--tag", "hr", "--note", "filed with HR", "--yes", "--json", "--passphrase-stdin", "--home", alice.home)
	if res.code != 0 {
		t.Fatalf("qrsign annotate: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	var a api.Annotated
	if err := json.Unmarshal([]byte(res.stdout), &a); err != nil || a.ValidationCode != "VALID" || a.BlockNumber == 0 {
		t.Fatalf("annotate answer %q: %v", res.stdout, err)
	}
	if !slices.Contains(a.Tags, tag) || !slices.Contains(a.Tags, "hr") {
		t.Fatalf("tags after annotate: %v", a.Tags)
	}
	p := e.provenance(t, doc.Document.ID)
	if !slices.Contains(p.Document.Tags, tag) {
		t.Fatalf("document tags %v lack %s", p.Document.Tags, tag)
	}
	last := p.Events[len(p.Events)-1].Event
	if last.Type != model.EventAnnotated || last.Annotation.Note != "filed with HR" || last.Annotation.Evidence.Signer.ID != alice.id {
		t.Fatalf("last event %+v", last)
	}
	status, b := e.get(t, "/v1/tags/"+tag+"/records")
	if status != http.StatusOK {
		t.Fatalf("records by tag: HTTP %d %s", status, b)
	}
	var page model.Page
	if err := json.Unmarshal(b, &page); err != nil {
		t.Fatal(err)
	}
	if len(page.Records) != 1 || page.Records[0].ID != doc.Document.ID {
		t.Fatalf("records tagged %s: %s", tag, b)
	}
	if v := e.verifyCLI(t, doc.Document.ID, url); v.code != 0 || !strings.Contains(v.stdout, "Annotated by") {
		t.Fatalf("qrsign verify after annotate: exit %d\n%s%s", v.code, v.stdout, v.stderr)
	}

	// Someone who is not a signer is refused by the client before signing.
	bob := e.enroll(t, "bob")
	res = run(t, bob.pass+"\n", "annotate", doc.Document.ID, "--relay", e.org.Relay.URL, "--token", url,
		"--tag", "nope", "--yes", "--passphrase-stdin", "--home", bob.home)
	if res.code != 3 || !strings.Contains(res.stderr, "is not a signer of document "+doc.Document.ID) {
		t.Fatalf("bob annotating: exit %d, want 3\n%s", res.code, res.stderr)
	}
}

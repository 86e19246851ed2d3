//go:build integration

package web_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/relay/pades/padestest"
)

// The verification page with a PDF: it hashes the file's candidate revisions
// in the browser (as relay/pdfrev does; the relay must recognise them) and
// shows the recorded ones; bytes added after the registered file are
// reported as not on the ledger rather than the file as unknown.
func TestVerifyPageShowsPDFRevisionsInChromium(t *testing.T) {
	s := newSite(t)
	b := launchChromium(t)
	p := b.page(t)
	p.navigate(s.srv.URL + "/verify")
	p.eval(`sessionStorage.removeItem("qrsign.apiKey")`, nil)

	orig := padestest.TextPDF("BT /F1 24 Tf 72 720 Td (" + unique("pdf-page") + ") Tj ET")
	s.upload(t, "PDF revisions page test", orig, s.enrollSigner(t).spec)
	added := "1 0 obj\n(added)\nendobj\n%%EOF\n"
	state := `document.getElementById("outcome").dataset.state`
	card := `document.querySelector("#revisions-list .card")`

	t.Run("the registered PDF", func(t *testing.T) {
		p.t = t
		p.setFiles("#file", writeFile(t, "orig.pdf", orig))
		p.waitFor(state+` === "match" && `+card+` !== null`, "match with its revisions")
		if got := p.text(card + `.dataset.complete + " " + ` + card + `.dataset.unrecognised`); got != "true 0" {
			t.Errorf("complete, unrecognised: %q", got)
		}
		if got := p.text(`[...document.querySelectorAll("#revisions-list tr[data-revision]")].map((r) => r.dataset.revision).join()`); got != "0" {
			t.Errorf("revisions %q", got)
		}
		p.clean()
	})

	t.Run("bytes added after it", func(t *testing.T) {
		p.t = t
		p.setFiles("#file", writeFile(t, "added.pdf", append(append([]byte{}, orig...), added...)))
		p.waitFor(state+` === "mismatch" && `+card+` !== null`, "the recorded part")
		if got := p.text(`document.getElementById("outcome").innerText`); !strings.Contains(got, "Part of added.pdf is on the ledger") {
			t.Errorf("outcome %q", got)
		}
		if got := p.text(card + `.dataset.unrecognised`); got != strconv.Itoa(len(added)) {
			t.Errorf("unrecognised bytes %q, want %d", got, len(added))
		}
		if got := p.text(`document.getElementById("revisions").innerText`); !strings.Contains(got, strconv.Itoa(len(added))+" bytes after revision 0 are not on the ledger") {
			t.Errorf("revisions section %q", got)
		}
		p.screenshot("verify-pdf-revisions")
		p.clean()
	})
}

//go:build integration

package web_test

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/internal/validators"
	"github.com/qrsign/qrsign/relay/pades/padestest"
)

// One scan of a batch QR on the phone page signs a PDF and a text file of
// the batch (issue 13 item 5): the page judges the PDF's increment with the
// signer module, shows what each document's signature states, and signs the
// batch payload, the PDF signature and the .p7s with one unlock; the download
// buttons give the recorded revision and .p7s, which pdfsig (the org root
// the only trust anchor), mutool, qpdf and openssl cms -verify accept.
func TestPhoneSignsBatchOfPDFAndTextInChromium(t *testing.T) {
	validators.Require(t)
	s := newSite(t)
	b := launchChromium(t)
	desk := b.page(t)
	desk.navigate(s.srv.URL + "/app/")
	desk.eval(`sessionStorage.setItem("qrsign.apiKey", `+jsString(s.org.Relay.APIKey)+`)`, nil)
	id, secret := s.registerSigner(t, "phonebatch")
	pass := "batch pdf horse"
	lease := padestest.TextPDF("BT /F1 24 Tf 72 720 Td (" + unique("lease") + ") Tj ET")
	notes := []byte("notes " + unique("n") + "\nThe parties agree.\n")
	desk.setFiles("#files", writeFile(t, "lease.pdf", lease), writeFile(t, "notes.txt", notes))
	desk.eval(`(() => {
		const set = (el, v) => { el.value = v; el.dispatchEvent(new Event("input", {bubbles: true})); };
		set(document.getElementById("title"), `+jsString("Lease and notes "+unique("t"))+`);
		document.getElementById("as-batch").checked = true;
		const row = document.querySelector("#signer-rows tr");
		set(row.querySelector('[name="mspId"]'), `+jsString(s.org.MSPID)+`);
		set(row.querySelector('[name="signerId"]'), `+jsString(id)+`);
		document.getElementById("upload-submit").click();
	})()`, nil)
	sc := `document.querySelector('.batch-card [data-signer="` + s.org.MSPID + "/" + id + `"]')`
	desk.waitFor(sc+` && `+sc+`.querySelector(".qr-box img") && `+sc+`.querySelector(".qr-box img").naturalWidth > 0`, "batch QR")
	var docIDs []string
	desk.eval(`[...document.querySelectorAll(".batch-docs tbody tr")].map((r) => r.dataset.doc)`, &docIDs)
	if len(docIDs) != 2 {
		t.Fatalf("batch table lists %v", docIDs)
	}
	u, err := url.Parse(desk.shownQR(sc + `.querySelector(".qr-box img")`))
	if err != nil || !strings.HasPrefix(u.Path, "/s/") {
		t.Fatalf("the batch QR says %v", u)
	}

	p := b.newTab(t)
	p.phone(true)
	p.navigate(s.localURL() + u.Path)
	phoneSetUp(p, secret, pass)
	var shown []string
	p.eval(`[...document.querySelectorAll("#batch-sigs li")].map((li) => li.textContent)`, &shown)
	if len(shown) != 2 || !strings.HasPrefix(shown[0], "lease.pdf: PDF signature 1 (field qrsign-1) by "+id+", ") ||
		shown[1] != "notes.txt: a .p7s signature of the file" {
		t.Fatalf("the phone shows %q", shown)
	}
	p.fits()
	shot(p, "batch-pdf-phone-before-sign")
	phoneSign(p, pass)
	var tm signTimings
	p.eval(`QRSign.timings`, &tm)
	t.Logf("phone batch of a PDF and a text file: signer module load %d ms, batch check %d ms; sign round trip %d ms, of which the callback %d ms",
		tm.WasmLoadMs, tm.PDFCheckMs, tm.TotalMs, tm.CallbackMs)
	var res api.CallbackResult
	p.eval(`QRSign.result`, &res)
	if len(res.Signed) != 2 || res.Signed[0].DocumentID != docIDs[0] || res.Signed[0].Revision == nil || res.Signed[0].Revision.Revision != 1 ||
		res.Signed[1].DocumentID != docIDs[1] || res.Signed[1].P7S == nil {
		t.Fatalf("the phone's batch callback made %+v", res.Signed)
	}
	shot(p, "batch-pdf-phone-signed")

	rev1 := s.relayBytes(t, fmt.Sprintf("/v1/documents/%s/signed.pdf?revision=1", docIDs[0]))
	if got := saved(p, "res-doc-0"); !bytes.Equal(got, rev1) {
		t.Fatalf("the PDF download button saved %d bytes, the relay serves %d for revision 1", len(got), len(rev1))
	}
	p7s := s.relayBytes(t, fmt.Sprintf("/v1/documents/%s/signatures/1.p7s", docIDs[1]))
	if got := saved(p, "res-doc-1"); !bytes.Equal(got, p7s) {
		t.Fatalf("the .p7s download button saved %d bytes, the relay serves %d", len(got), len(p7s))
	}
	p.clean()
	desk.clean()

	dir := t.TempDir()
	signed := s.relayBytes(t, fmt.Sprintf("/v1/documents/%s/signed.pdf", docIDs[0])) // with the DSS revision once made
	if !bytes.HasPrefix(rev1, lease) || !bytes.HasPrefix(signed, rev1) {
		t.Fatal("the signed PDF is not the original plus increments")
	}
	t.Logf("PDF size growth by the phone's batch signature: %d bytes", len(rev1)-len(lease))
	nss := validators.NSSTrusting(t, dir, s.org.CA.CACertFile)
	for name, b := range map[string][]byte{"lease-rev1.pdf": rev1, "lease-signed.pdf": signed} {
		path := validators.WriteTemp(t, dir, name, b)
		validators.QPDF(t, path)
		validators.PDFSig(t, nss, path, []string{id}, []bool{true})
		validators.Mutool(t, path, []string{id}, []bool{true})
	}
	sig, data := validators.WriteTemp(t, dir, "notes.p7s", p7s), validators.WriteTemp(t, dir, "notes.txt", notes)
	if out, ok := validators.CMSVerify(sig, data, s.org.CA.CACertFile); !ok {
		t.Fatalf("openssl cms -verify the phone's batch .p7s:\n%s", out)
	}
}

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
// batch payload, the PDF signature and the .p7s with one unlock. A parallel
// signer (qrsign) records revision 1 after the page judged it: the page's
// Sign is refused REVISION_STALE and the page judges and signs revision 2
// without asking again. The download buttons give the recorded revision and
// .p7s, which pdfsig (the org root the only trust anchor), mutool, qpdf and
// openssl cms -verify accept.
func TestPhoneSignsBatchOfPDFAndTextInChromium(t *testing.T) {
	validators.Require(t)
	s := newSite(t)
	b := launchChromium(t)
	desk := b.page(t)
	desk.navigate(s.srv.URL + "/app/")
	desk.eval(`sessionStorage.setItem("qrsign.apiKey", `+jsString(s.org.Relay.APIKey)+`)`, nil)
	id, secret := s.registerSigner(t, "phonebatch")
	pass := "batch pdf horse"
	bin, qpass, qhome := qrsignBinary(t), "qrsign batch horse", t.TempDir()
	qid, qsecret := s.registerUser(t, "qrbatch")
	if code, out, errs := qrsignRun(t, bin, qpass, s.enrollArgs(qid, qsecret, qhome)...); code != 0 {
		t.Fatalf("enroll: exit %d\n%s%s", code, out, errs)
	}
	lease := padestest.TextPDF("BT /F1 24 Tf 72 720 Td (" + unique("lease") + ") Tj ET")
	notes := []byte("notes " + unique("n") + "\nThe parties agree.\n")
	desk.setFiles("#files", writeFile(t, "lease.pdf", lease), writeFile(t, "notes.txt", notes))
	desk.eval(`(() => {
		const set = (el, v) => { el.value = v; el.dispatchEvent(new Event("input", {bubbles: true})); };
		set(document.getElementById("title"), `+jsString("Lease and notes "+unique("t"))+`);
		document.getElementById("as-batch").checked = true;
		document.getElementById("add-signer").click();
		const rows = document.querySelectorAll("#signer-rows tr");
		set(rows[0].querySelector('[name="signerId"]'), `+jsString(id)+`);
		set(rows[1].querySelector('[name="signerId"]'), `+jsString(qid)+`);
		set(rows[1].querySelector('[name="order"]'), "1");
		document.getElementById("upload-submit").click();
	})()`, nil)
	qrOf := func(who string) string {
		sc := `document.querySelector('.batch-card [data-signer="` + s.org.MSPID + "/" + who + `"]')`
		desk.waitFor(sc+` && `+sc+`.querySelector(".qr-box img") && `+sc+`.querySelector(".qr-box img").naturalWidth > 0`, "batch QR of "+who)
		return desk.shownQR(sc + `.querySelector(".qr-box img")`)
	}
	u, err := url.Parse(qrOf(id))
	var docIDs []string
	desk.eval(`[...document.querySelectorAll(".batch-docs tbody tr")].map((r) => r.dataset.doc)`, &docIDs)
	if len(docIDs) != 2 {
		t.Fatalf("batch table lists %v", docIDs)
	}
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
	if code, out, errs := qrsignRun(t, bin, qpass, "scan", qrOf(qid), "--yes", "--passphrase-stdin", "--home", qhome); code != 0 {
		t.Fatalf("qrsign scan of the batch QR: exit %d\n%s%s", code, out, errs)
	}
	p.call("Page.bringToFront", nil, nil)
	phoneSign(p, pass)
	p.eval(`[...document.querySelectorAll("#batch-sigs li")].map((li) => li.textContent)`, &shown)
	if len(shown) != 2 || !strings.HasPrefix(shown[0], "lease.pdf: PDF signature 2 (field qrsign-2) by "+id+", ") {
		t.Errorf("after re-preparing the phone shows %q", shown)
	}
	var tm signTimings
	p.eval(`QRSign.timings`, &tm)
	t.Logf("phone batch of a PDF and a text file: signer module load %d ms, batch check %d ms; sign round trip %d ms, of which the callback %d ms",
		tm.WasmLoadMs, tm.PDFCheckMs, tm.TotalMs, tm.CallbackMs)
	var res api.CallbackResult
	p.eval(`QRSign.result`, &res)
	if len(res.Signed) != 2 || res.Signed[0].DocumentID != docIDs[0] || res.Signed[0].Revision == nil || res.Signed[0].Revision.Revision != 2 ||
		res.Signed[1].DocumentID != docIDs[1] || res.Signed[1].P7S == nil {
		t.Fatalf("the phone's batch callback made %+v", res.Signed)
	}
	shot(p, "batch-pdf-phone-signed")

	rev2 := s.relayBytes(t, fmt.Sprintf("/v1/documents/%s/signed.pdf?revision=2", docIDs[0]))
	if got := saved(p, "res-doc-0"); !bytes.Equal(got, rev2) {
		t.Fatalf("the PDF download button saved %d bytes, the relay serves %d for revision 2", len(got), len(rev2))
	}
	p7s := saved(p, "res-doc-1") // checked by the page against the recorded SHA-256
	pu, err := url.Parse(res.Signed[1].P7S.URL)
	if err != nil {
		t.Fatal(err)
	}
	if want := s.relayBytes(t, pu.Path); !bytes.Equal(p7s, want) {
		t.Fatalf("the .p7s download button saved %d bytes, the relay serves %d", len(p7s), len(want))
	}
	p.clean()
	desk.clean()

	dir := t.TempDir()
	rev1 := s.relayBytes(t, fmt.Sprintf("/v1/documents/%s/signed.pdf?revision=1", docIDs[0])) // qrsign's
	signed := s.relayBytes(t, fmt.Sprintf("/v1/documents/%s/signed.pdf", docIDs[0]))          // with the DSS revision once made
	if !bytes.HasPrefix(rev1, lease) || !bytes.HasPrefix(rev2, rev1) || !bytes.HasPrefix(signed, rev2) {
		t.Fatal("the signed PDF is not the original plus increments")
	}
	t.Logf("PDF size growth by the phone's batch signature: %d bytes", len(rev2)-len(rev1))
	nss := validators.NSSTrusting(t, dir, s.org.CA.CACertFile)
	for name, b := range map[string][]byte{"lease-rev2.pdf": rev2, "lease-signed.pdf": signed} {
		path := validators.WriteTemp(t, dir, name, b)
		validators.QPDF(t, path)
		validators.PDFSig(t, nss, path, []string{qid, id}, validators.Each(2, true))
		validators.Mutool(t, path, []string{qid, id}, validators.Each(2, true))
	}
	sig, data := validators.WriteTemp(t, dir, "notes.p7s", p7s), validators.WriteTemp(t, dir, "notes.txt", notes)
	if out, ok := validators.CMSVerify(sig, data, s.org.CA.CACertFile); !ok {
		t.Fatalf("openssl cms -verify the phone's batch .p7s:\n%s", out)
	}
}

//go:build integration

package web_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/internal/validators"
	"github.com/qrsign/qrsign/relay/pades/padestest"
	"github.com/qrsign/qrsign/relay/web"
)

// relayBytes reads path from the org's relay with its API key.
func (s *site) relayBytes(t *testing.T, path string) []byte {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.org.Relay.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+s.org.Relay.APIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d %s", path, resp.StatusCode, b.Bytes())
	}
	return b.Bytes()
}

// phoneSetUp enrolls a passphrase identity on the signer page open in p.
func phoneSetUp(p *page, secret, pass string) {
	p.t.Helper()
	p.waitFor(`document.getElementById("check").dataset.state !== "checking" && (document.getElementById("setup-form") || document.getElementById("check").dataset.state !== "verified")`, "set-up form or a refusal")
	if p.text(`document.getElementById("check").dataset.state`) != "verified" {
		p.t.Fatalf("the signer page says %q: %s", p.text(`document.getElementById("check").dataset.state`), p.text(`document.getElementById("check").textContent`))
	}
	p.fill("enroll-secret", secret)
	if p.text(`document.getElementById("setup-form").dataset.mode`) == "passphrase" {
		p.fill("new-pass", pass)
		p.fill("new-pass2", pass)
	}
	p.click("enroll-btn")
	p.waitFor(`!document.getElementById("sign-btn").disabled`, "enrolled identity")
}

// phoneSign presses Sign (the passphrase typed) and waits for the outcome.
func phoneSign(p *page, pass string) {
	p.t.Helper()
	if p.text(`document.getElementById("passphrase") ? "y" : ""`) == "y" {
		p.fill("passphrase", pass)
	}
	p.click("sign-btn")
	p.waitFor(`document.getElementById("check").dataset.state === "signed" || document.getElementById("sign-status").dataset.state === "error"`, "signed")
	if st := p.text(`document.getElementById("check").dataset.state`); st != "signed" {
		p.t.Fatalf("signing failed: %s", p.text(`document.getElementById("sign-status").textContent`))
	}
}

// saved presses the download button id on the signer page and returns the
// bytes it saved.
func saved(p *page, id string) []byte {
	p.t.Helper()
	p.click(id)
	p.waitFor(`document.getElementById(`+jsString(id)+`) === null || document.getElementById(`+jsString(id)+`).dataset.ready === "1"`, "download "+id)
	if p.text(`document.getElementById(`+jsString(id)+`) ? "y" : ""`) != "y" {
		p.t.Fatalf("download %s refused: %s", id, p.text(`document.getElementById("res-downloads").textContent`))
	}
	return p.blob(`QRSign.lastSave.blob`)
}

// deskUpload registers file through the desktop page open in desk (its
// API key in the tab) for signers in order; the document id and each
// signer's signing URL, from the card the page shows.
func deskUpload(desk *page, base, file, title string, signers ...model.SignerSpec) (string, []string) {
	desk.t.Helper()
	desk.navigate(base + "/app/") // a fresh form: one signer row
	desk.setFiles("#files", file)
	for range signers[1:] {
		desk.click("add-signer")
	}
	for i, sg := range signers {
		desk.eval(`(() => {
			const set = (el, v) => { el.value = v; el.dispatchEvent(new Event("input", {bubbles: true})); };
			const row = document.querySelectorAll("#signer-rows tr")[`+fmt.Sprint(i)+`];
			set(row.querySelector('[name="mspId"]'), `+jsString(sg.MSPID)+`);
			set(row.querySelector('[name="signerId"]'), `+jsString(sg.ID)+`);
			set(row.querySelector('[name="order"]'), `+jsString(fmt.Sprint(sg.RoutingOrder))+`);
		})()`, nil)
	}
	desk.eval(`(() => { const e = document.getElementById("title"); e.value = `+jsString(title)+`; document.getElementById("upload-submit").click(); })()`, nil)
	card := `[...document.querySelectorAll(".doc-card")].find((c) => c.querySelector("h3").textContent === ` + jsString(title) + `)`
	desk.waitFor(card+` !== undefined`, "the document's card")
	var urls []string
	for _, sg := range signers {
		urls = append(urls, desk.text(card+`.querySelector('[data-signer="`+sg.MSPID+"/"+sg.ID+`"]').dataset.url`))
	}
	return desk.text(card + `.dataset.doc`), urls
}

// deskSaved presses the download button cls of document id once it shows
// within scope (a CSS selector: a registered card or the search results) and
// returns the bytes it saved.
func deskSaved(desk *page, scope, id, cls string) []byte {
	desk.t.Helper()
	btn := `document.querySelector('` + scope + ` [data-doc="` + id + `"] button.` + cls + `')`
	desk.waitFor(btn+` !== null`, "download button "+cls)
	desk.eval(`window.QRApp = null; `+btn+`.click()`, nil)
	desk.waitFor(`window.QRApp && window.QRApp.lastSave`, "saved "+cls)
	return desk.blob(`QRApp.lastSave.blob`)
}

// token is the session token of a signing URL.
func token(t *testing.T, u string) string {
	i := strings.LastIndex(u, "/s/")
	if i < 0 {
		t.Fatalf("signing URL %q", u)
	}
	return u[i+3:]
}

// shot brings pg's tab to the front (a background tab takes no
// screenshots) and saves what it shows.
func shot(pg *page, name string) {
	pg.t.Helper()
	pg.call("Page.bringToFront", nil, nil)
	pg.screenshot(name)
}

type signTimings struct {
	TotalMs, CallbackMs, WasmLoadMs, PDFCheckMs int
}

// Two signers of two orgs sign a PDF in turn: the first with qrsign (Org2),
// the second with the phone page in Chromium (Org1, enrolled in the
// browser), which judges the increment over qrsign's revision with the
// signer module and signs the ledger payload and the PDF signature in one
// action. pdfsig (the org roots the only trust anchors), mutool and qpdf
// validate the result; the page's download button gives the recorded
// revision. Then a CSV signed on the phone gives a .p7s openssl accepts.
func TestPhoneSignsPDFAfterQrsignInChromium(t *testing.T) {
	validators.Require(t)
	s := newSite(t)
	if len(s.info.Orgs) < 2 {
		t.Fatal("the test needs two orgs")
	}
	org2 := &s.info.Orgs[1]
	b := launchChromium(t)
	p := b.page(t)
	p.phone(true)
	base := s.localURL()
	bin := qrsignBinary(t)

	qid := unique("qrsigner")
	qsecret := "secret-" + hex.EncodeToString([]byte(qid))[:12]
	if err := org2.RegisterUser(s.info.BinDir, qid, qsecret); err != nil {
		t.Fatal(err)
	}
	qhome, qpass := t.TempDir(), "qrsign correct horse"
	if code, out, errOut := qrsignRun(t, bin, qpass, "enroll", "--ca", org2.CA.URL, "--ca-tls", org2.CA.TLSCertFile,
		"--id", qid, "--secret", qsecret, "--home", qhome, "--passphrase-stdin"); code != 0 {
		t.Fatalf("qrsign enroll: exit %d\n%s%s", code, out, errOut)
	}
	pid, psecret := s.registerSigner(t, "phonepdf")
	ppass := "phone correct horse"

	// The desktop registers the PDF (and later shows its downloads).
	desk := b.newTab(t)
	desk.navigate(s.srv.URL + "/app/")
	desk.eval(`sessionStorage.setItem("qrsign.apiKey", `+jsString(s.org.Relay.APIKey)+`)`, nil)
	orig := padestest.TextPDF("BT /F1 24 Tf 72 720 Td (" + unique("lease") + ") Tj ET")
	title := "Lease signed on a phone " + unique("t")
	id, urls := deskUpload(desk, s.srv.URL, writeFile(t, "lease.pdf", orig), title,
		model.SignerSpec{ID: qid, MSPID: org2.MSPID, RoutingOrder: 1}, model.SignerSpec{ID: pid, MSPID: s.org.MSPID, RoutingOrder: 2})

	code, out, errOut := qrsignRun(t, bin, qpass, "scan", urls[0], "--yes", "--json", "--passphrase-stdin", "--home", qhome)
	var qcb api.CallbackResult
	if code != 0 || json.Unmarshal([]byte(out), &qcb) != nil || qcb.Revision == nil || qcb.Revision.Revision != 1 {
		t.Fatalf("qrsign scan: exit %d %s\n%s", code, out, errOut)
	}

	p.call("Page.bringToFront", nil, nil)
	p.navigate(base + "/s/" + token(t, urls[1]))
	phoneSetUp(p, psecret, ppass)
	// The statement read from the bytes, as qrsign prints it.
	stmt := p.text(`document.getElementById("pdf-statement").textContent`)
	if !strings.HasPrefix(stmt, "Signature 2 (field qrsign-2) by "+pid+", ") {
		t.Errorf("the page states %q", stmt)
	}
	// ... after qrsign's signature, verified by the module and named.
	if earlier := p.text(`document.getElementById("pdf-earlier").textContent`); !strings.HasPrefix(earlier, "after signature 1 by "+qid+" (certificate CN="+qid) {
		t.Errorf("the page names the earlier signature %q", earlier)
	}
	p.fits()
	shot(p, "websign-pdf-statement")
	phoneSign(p, ppass)
	var tm signTimings
	p.eval(`QRSign.timings`, &tm)
	t.Logf("phone PDF signature: signer module load %d ms, increment check %d ms; sign round trip %d ms, of which the callback %d ms",
		tm.WasmLoadMs, tm.PDFCheckMs, tm.TotalMs, tm.CallbackMs)
	var res api.CallbackResult
	p.eval(`QRSign.result`, &res)
	if res.Revision == nil || res.Revision.Revision != 2 {
		t.Fatalf("the phone's callback made no revision 2: %+v", res)
	}
	shot(p, "websign-pdf-signed")

	signed := s.relayBytes(t, fmt.Sprintf("/v1/documents/%s/signed.pdf?revision=2", id))
	if got := saved(p, "res-pdf"); !bytes.Equal(got, signed) {
		t.Fatalf("the download button saved %d bytes, the relay serves %d for revision 2", len(got), len(signed))
	}
	p.clean()

	// The completed document gets its DSS revision (B-LT) in the background: revision 3, the latest.
	for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		var v model.DocumentView
		if json.Unmarshal(s.relayBytes(t, "/v1/documents/"+id), &v) == nil && v.Revisions >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no DSS revision 3 after 90 s")
		}
	}
	final := s.relayBytes(t, fmt.Sprintf("/v1/documents/%s/signed.pdf", id))
	dir := t.TempDir()
	var revs [][]byte
	for n := 0; n <= 3; n++ {
		rev := s.relayBytes(t, fmt.Sprintf("/v1/documents/%s/signed.pdf?revision=%d", id, n))
		validators.QPDF(t, validators.WriteTemp(t, dir, fmt.Sprintf("rev%d.pdf", n), rev))
		revs = append(revs, rev)
	}
	if !bytes.Equal(revs[0], orig) || !bytes.HasPrefix(revs[1], revs[0]) || !bytes.Equal(revs[2], signed) || !bytes.HasPrefix(revs[2], revs[1]) ||
		!bytes.Equal(revs[3], final) || !bytes.HasPrefix(revs[3], revs[2]) {
		t.Fatal("the revisions are not the original plus increments")
	}
	// The desktop's buttons: the latest signed PDF and each revision.
	desk.waitFor(`document.querySelector('[data-doc="`+id+`"] button.dl-pdf-2') !== null`, "both revisions offered")
	for cls, want := range map[string][]byte{"dl-pdf": final, "dl-pdf-1": revs[1], "dl-pdf-2": revs[2]} {
		if got := deskSaved(desk, "#results", id, cls); !bytes.Equal(got, want) {
			t.Errorf("the desktop's %s saved %d bytes, want the recorded %d", cls, len(got), len(want))
		}
	}
	shot(desk, "app-pdf-downloads")
	// A records search offers the same files for any document on the ledger,
	// not only those registered from this tab: here the DSS revision too.
	desk.eval(`(() => {
		document.getElementById("rs-by").value = "signer";
		document.getElementById("rs-by").dispatchEvent(new Event("change"));
		document.getElementById("rs-msp").value = `+jsString(s.org.MSPID)+`;
		document.getElementById("rs-who").value = `+jsString(pid)+`;
		document.getElementById("rs-search").click();
	})()`, nil)
	for cls, want := range map[string][]byte{"dl-pdf": final, "dl-pdf-3": revs[3], "dl-pdf-1": revs[1]} {
		if got := deskSaved(desk, "#rs-body", id, cls); !bytes.Equal(got, want) {
			t.Errorf("the search row's %s saved %d bytes, want the recorded %d", cls, len(got), len(want))
		}
	}
	t.Logf("PDF size growth: %d bytes (qrsign), %d bytes (phone)", len(revs[1])-len(revs[0]), len(revs[2])-len(revs[1]))
	nss := validators.NSSTrusting(t, dir, org2.CA.CACertFile, s.org.CA.CACertFile)
	for _, name := range []string{"rev2.pdf", "rev3.pdf"} {
		path := filepath.Join(dir, name)
		validators.PDFSig(t, nss, path, []string{qid, pid}, validators.Each(2, true))
		validators.Mutool(t, path, []string{qid, pid}, validators.Each(2, true))
	}
	flipped := bytes.Clone(final)
	i := bytes.Index(flipped, []byte("Td ("))
	flipped[i+4] ^= 0x01
	bad := validators.WriteTemp(t, dir, "flipped.pdf", flipped)
	validators.PDFSig(t, nss, bad, []string{qid, pid}, validators.Each(2, false))
	validators.Mutool(t, bad, []string{qid, pid}, validators.Each(2, false))

	// Parallel signers: the phone's page judged revision 1 over the original,
	// then qrsign's revision 1 landed first; Sign is refused REVISION_STALE
	// and the page judges and signs revision 2 without asking again.
	orig3 := padestest.TextPDF("BT /F1 24 Tf 72 720 Td (" + unique("race") + ") Tj ET")
	reg3 := s.uploadMedia(t, "web-test", "Lease signed in parallel", model.PDFMediaType, orig3,
		model.SignerSpec{ID: qid, MSPID: org2.MSPID, RoutingOrder: 1}, model.SignerSpec{ID: pid, MSPID: s.org.MSPID, RoutingOrder: 1})
	p.navigate(base + "/s/" + reg3.Signing[1].Token)
	p.waitFor(`!document.getElementById("sign-btn").disabled`, "known identity")
	if stmt := p.text(`document.getElementById("pdf-statement").textContent`); !strings.HasPrefix(stmt, "Signature 1 ") {
		t.Fatalf("before qrsign signs the page states %q", stmt)
	}
	if code, out, errOut := qrsignRun(t, bin, qpass, "scan", reg3.Signing[0].URL, "--yes", "--json", "--passphrase-stdin", "--home", qhome); code != 0 {
		t.Fatalf("qrsign scan: exit %d %s\n%s", code, out, errOut)
	}
	phoneSign(p, ppass)
	p.eval(`QRSign.result`, &res)
	if res.Revision == nil || res.Revision.Revision != 2 {
		t.Fatalf("after a stale revision the phone's callback made %+v", res.Revision)
	}
	if stmt := p.text(`document.getElementById("pdf-statement").textContent`); !strings.HasPrefix(stmt, "Signature 2 ") {
		t.Errorf("after re-preparing the page states %q", stmt)
	}
	race := s.relayBytes(t, fmt.Sprintf("/v1/documents/%s/signed.pdf", reg3.Document.ID))
	racePath := validators.WriteTemp(t, dir, "race.pdf", race)
	validators.QPDF(t, racePath)
	validators.PDFSig(t, nss, racePath, []string{qid, pid}, validators.Each(2, true))
	p.clean()

	// Not a PDF: the phone signs a detached .p7s over the bytes too.
	csv := []byte("item,amount\n" + unique("row") + ",12\n")
	csvID, csvURLs := deskUpload(desk, s.srv.URL, writeFile(t, "sheet.csv", csv), "Sheet signed on a phone "+unique("t"),
		model.SignerSpec{ID: pid, MSPID: s.org.MSPID, RoutingOrder: 1})
	p.navigate(base + "/s/" + token(t, csvURLs[0]))
	p.waitFor(`!document.getElementById("sign-btn").disabled`, "known identity")
	phoneSign(p, ppass)
	p.eval(`QRSign.result`, &res)
	if res.P7S == nil {
		t.Fatalf("the phone's callback made no .p7s: %+v", res)
	}
	p7s := s.relayBytes(t, fmt.Sprintf("/v1/documents/%s/signatures/1.p7s", csvID))
	if got := saved(p, "res-p7s"); !bytes.Equal(got, p7s) {
		t.Fatalf("the download button saved %d bytes, the relay serves %d", len(got), len(p7s))
	}
	if got := deskSaved(desk, "#results", csvID, "dl-p7s-1"); !bytes.Equal(got, p7s) {
		t.Fatalf("the desktop's .p7s button saved %d bytes, the relay serves %d", len(got), len(p7s))
	}
	desk.clean()
	sig, data := validators.WriteTemp(t, dir, "sheet.p7s", p7s), validators.WriteTemp(t, dir, "sheet.csv", csv)
	if out, ok := validators.CMSVerify(sig, data, s.org.CA.CACertFile); !ok {
		t.Fatalf("openssl cms -verify the phone's .p7s:\n%s", out)
	}
	csv[0] ^= 1
	if out, ok := validators.CMSVerify(sig, validators.WriteTemp(t, dir, "flipped.csv", csv), s.org.CA.CACertFile); ok {
		t.Fatalf("openssl accepted the phone's .p7s for a flipped byte:\n%s", out)
	}
	p.clean()
}

// A relay (or a middlebox) that prepares an increment adding more than the
// signature: the page's signer module refuses it, says so, and offers
// nothing to sign; the ledger still waits for the signer.
func TestPhoneRefusesATamperedIncrementInChromium(t *testing.T) {
	s := newSite(t)
	hostile := rewritingSite(t, s, web.Config{PublicURL: s.org.Relay.URL, Channel: s.info.Channel, MSPID: s.org.MSPID, Wasm: signerWasm(t)},
		func(path string) bool { return strings.HasSuffix(path, "/pdf") },
		func(b []byte) ([]byte, error) {
			var inc api.PDFIncrement
			if err := json.Unmarshal(b, &inc); err != nil {
				return nil, err
			}
			inc.Increment = append(inc.Increment, "1 0 obj\n<</Type /Catalog>>\nendobj\n"...) // one more object than the signature
			return json.Marshal(inc)
		})

	b := launchChromium(t)
	p := b.page(t)
	p.phone(true)
	pid, _ := s.registerSigner(t, "phonerefuse")
	orig := padestest.TextPDF("BT /F1 24 Tf 72 720 Td (" + unique("deed") + ") Tj ET")
	reg := s.uploadMedia(t, "web-test", "Deed with a tampered increment", model.PDFMediaType, orig,
		model.SignerSpec{ID: pid, MSPID: s.org.MSPID, RoutingOrder: 1})
	p.navigate(strings.Replace(hostile.URL, "127.0.0.1", "localhost", 1) + "/s/" + reg.Signing[0].Token)
	p.waitFor(`document.getElementById("check").dataset.state !== "checking"`, "the page's verdict")
	if st := p.text(`document.getElementById("check").dataset.state`); st != "mismatch" {
		t.Fatalf("a tampered increment: the page's state is %q: %s", st, p.text(`document.getElementById("check").textContent`))
	}
	if got := p.text(`document.getElementById("check").textContent`); !strings.Contains(got, "The PDF signature the relay prepared is refused") ||
		!strings.Contains(got, "nothing was signed") {
		t.Errorf("the page says %q", got)
	}
	if p.signerPage().SignShown {
		t.Error("signing is offered for a tampered increment")
	}
	shot(p, "websign-pdf-refused")
	if pv := s.provenance(t, reg.Document.ID); pv.Document.Signers[0].Status != model.SignerPending {
		t.Errorf("after a refused increment the ledger has %+v", pv.Document.Signers[0])
	}
}

// The signer page builds every payload with the signer module
// (chaincode/payload compiled to WebAssembly): in Chromium it gives
// chaincode/payload's vectors byte for byte and refuses as Go does.
func TestSignerModulePayloadMatchesTheVectorsInChromium(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "chaincode", "payload", "testdata", "vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var vf struct {
		Vectors []struct {
			Name       string          `json:"name"`
			Fields     json.RawMessage `json:"fields"`
			PayloadHex string          `json:"payloadHex"`
		} `json:"vectors"`
	}
	if err := json.Unmarshal(raw, &vf); err != nil || len(vf.Vectors) == 0 {
		t.Fatalf("vectors: %v", err)
	}
	s := newSite(t)
	b := launchChromium(t)
	p := b.page(t)
	// Any signer page loads the module's glue; a token of the right shape
	// that names no session is enough.
	p.navigate(s.localURL() + "/s/eyJ2IjoxLCJkIjoiZG9jLTEiLCJoIjoiYWJjIn0.c2lnbmF0dXJlLXRhZy1ieXRlcw")
	p.waitFor(`typeof Go !== "undefined"`, "wasm_exec.js")
	p.eval(`(async () => { if (window.QRSignWasm) return true;
		const go = new Go();
		const r = await WebAssembly.instantiateStreaming(fetch(document.querySelector('meta[name="qrsign-signer-wasm"]').content), go.importObject);
		go.run(r.instance); return true; })()`, nil)
	p.waitFor(`window.QRSignWasm !== undefined`, "the signer module")
	hexOf := func(fields string) string {
		return p.text(`(() => { const r = QRSignWasm.payload(` + jsString(fields) + `);
			return r.error ? "error: " + r.error : Array.from(r.bytes, (x) => x.toString(16).padStart(2, "0")).join(""); })()`)
	}
	for _, v := range vf.Vectors {
		if got := hexOf(string(v.Fields)); got != v.PayloadHex {
			t.Errorf("vector %s: the module's payload %s, want %s", v.Name, got, v.PayloadHex)
		}
	}
	for fields, want := range map[string]string{
		`{"purpose": "sign", "channel": "c", "documentId": "d", "documentSha256": "AB", "nonce": "n", "signerFingerprint": "x"}`: "error: payload: sha256 and signer must be 64 lowercase hex characters",
		`{"purpose": "vote", "channel": "c", "documentId": "d", "nonce": "n"}`:                                                   `error: payload: unknown purpose "vote"`,
		`{"purpose": "decline", "channel": "c", "documentId": "d", "documentSha256": "` + strings.Repeat("a", 64) + `", "nonce": "n", "signerFingerprint": "` + strings.Repeat("b", 64) +
			`", "reason": "r", "pdf": {"revision": 1, "prevSha256": "` + strings.Repeat("c", 64) + `", "digest": "` + strings.Repeat("d", 64) + `"}}`: "error: payload: a PDF revision is bound only for sign",
	} {
		if got := hexOf(fields); got != want {
			t.Errorf("payload(%s) = %q, want %q", fields, got, want)
		}
	}
}

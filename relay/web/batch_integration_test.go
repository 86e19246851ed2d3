//go:build integration

package web_test

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/websocket"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/service"
)

// newTab opens a second tab in the browser (a phone next to the desktop).
func (b *browser) newTab(t *testing.T) *page {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, "http://127.0.0.1:"+b.port+"/json/new?about:blank", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tg struct{ WebSocketDebuggerURL string }
	err = json.NewDecoder(resp.Body).Decode(&tg)
	resp.Body.Close()
	if err != nil || tg.WebSocketDebuggerURL == "" {
		t.Fatalf("new tab: %v %+v", err, tg)
	}
	ws, err := websocket.Dial(tg.WebSocketDebuggerURL, "", "http://127.0.0.1/")
	if err != nil {
		t.Fatal(err)
	}
	ws.MaxPayloadBytes = 64 << 20
	p := &page{t: t, ws: ws, pending: map[int]chan cdpMessage{}}
	t.Cleanup(func() { ws.Close() })
	go p.read()
	for _, m := range []string{"Page.enable", "Runtime.enable", "Log.enable"} {
		p.call(m, nil, nil)
	}
	return p
}

// blob reads a Blob the page saved or opened (an export, a sheet, a
// bundle); expr names it. (The pages' CSP keeps fetch off blob: URLs.)
func (p *page) blob(expr string) []byte {
	p.t.Helper()
	var b64 string
	p.eval(`Promise.resolve(`+expr+`).then((b) => new Promise((ok) => {
		const fr = new FileReader(); fr.onload = () => ok(fr.result.split(",")[1] || ""); fr.readAsDataURL(b); }))`, &b64)
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		p.t.Fatal(err)
	}
	return b
}

// shownQR decodes, with zbarimg, the QR image the page shows (imgExpr: a JS
// expression for the <img>), as a phone camera would.
func (p *page) shownQR(imgExpr string) string {
	p.t.Helper()
	var b64 string
	p.eval(`(() => { const img = `+imgExpr+`;
		const c = document.createElement("canvas"); c.width = img.naturalWidth + 64; c.height = img.naturalHeight + 64;
		const g = c.getContext("2d"); g.fillStyle = "#fff"; g.fillRect(0, 0, c.width, c.height); g.drawImage(img, 32, 32);
		return c.toDataURL("image/png").split(",")[1]; })()`, &b64)
	png, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		p.t.Fatal(err)
	}
	f := writeFile(p.t, "qr.png", png)
	out, err := exec.Command("zbarimg", "--quiet", "--raw", f).Output()
	if err != nil {
		p.t.Fatalf("zbarimg on the page's QR: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// auditorTrust is what an auditor of the test network passes to
// verify-evidence: each org's CA root, the orderer org's, and how many orgs
// must endorse (the network's policy is a majority of its orgs).
func auditorTrust(t *testing.T, s *site) []string {
	t.Helper()
	var args []string
	for _, o := range s.info.Orgs {
		args = append(args, "--ca", o.MSPID+"="+o.CA.CACertFile)
	}
	cacerts, _ := filepath.Glob(filepath.Join(s.info.Orderers[0].MSPDir, "cacerts", "*.pem"))
	if len(cacerts) != 1 {
		t.Fatalf("orderer cacerts %v", cacerts)
	}
	return append(args, "--orderer-ca", "OrdererMSP="+cacerts[0], "--endorsing-orgs", strconv.Itoa(len(s.info.Orgs)/2+1))
}

// The desktop page's batches, records search and evidence download, and the
// phone page's batch signing, on the real network in real Chromium.
func TestBatchRecordsAndEvidenceInChromium(t *testing.T) {
	s := newSite(t)
	b := launchChromium(t)
	desk := b.page(t)
	desk.navigate(s.srv.URL + "/app/")
	desk.eval(`sessionStorage.setItem("qrsign.apiKey", `+jsString(s.org.Relay.APIKey)+`)`, nil)
	id, secret := s.registerSigner(t, "batchweb")
	tag := unique("b")
	contents := map[string][]byte{}
	var paths []string
	for _, n := range []string{"lease.txt", "inventory.txt", "house-rules.txt"} {
		contents[n] = []byte(n + " " + tag + "\nThe parties agree.\n")
		paths = append(paths, writeFile(t, n, contents[n]))
	}
	fillTitled := func(p *page, title string) {
		p.eval(`(() => {
			const set = (el, v) => { el.value = v; el.dispatchEvent(new Event("input", {bubbles: true})); };
			set(document.getElementById("title"), `+jsString(title)+`);
			document.getElementById("as-batch").checked = true;
			const row = document.querySelector("#signer-rows tr");
			set(row.querySelector('[name="mspId"]'), `+jsString(s.org.MSPID)+`);
			set(row.querySelector('[name="signerId"]'), `+jsString(id)+`);
			document.getElementById("upload-submit").click();
		})()`, nil)
	}
	fill := func(p *page) { fillTitled(p, "Flat move-in "+tag) }

	t.Run("a batch with one invalid document is refused whole and the error stands next to that file", func(t *testing.T) {
		desk.t = t
		// A control character in a file name is not a printable title.
		bad := writeFile(t, "scan\x07copy.txt", []byte("scanner output "+tag+"\n"))
		desk.setFiles("#files", paths[0], bad)
		fill(desk)
		desk.waitFor(`document.getElementById("upload-status").classList.contains("error")`, "refusal")
		if got := desk.text(`document.getElementById("upload-status").textContent`); got != "1 of 2 documents are invalid; nothing was registered (BATCH_INVALID)" {
			t.Errorf("status line %q", got)
		}
		var items []string
		desk.eval(`[...document.querySelectorAll("#file-list li")].map((li) => li.textContent)`, &items)
		if len(items) != 2 || strings.Contains(items[0], "INVALID") ||
			!strings.Contains(items[1], "scan") || !strings.HasSuffix(items[1], "documents[1]: title: U+0007 at byte 4 is a control character (INVALID_FIELD)") {
			t.Errorf("file list %q: want the error next to the second file only", items)
		}
		if desk.text(`String(document.getElementById("results-section").hidden)`) != "true" {
			t.Error("a refused batch is shown as registered")
		}
		desk.screenshot("batch-invalid")
		desk.clean()
	})

	var batchID string
	var docIDs []string
	t.Run("a batch from the page: one QR per signer, its sheets, signed by the phone page and shown signed live", func(t *testing.T) {
		desk.t = t
		desk.setFiles("#files", paths...)
		fill(desk)
		card := `document.querySelector(".batch-card")`
		sc := card + `.querySelector('[data-signer="` + s.org.MSPID + "/" + id + `"]')`
		desk.waitFor(sc+` && `+sc+`.querySelector(".qr-box img") && `+sc+`.querySelector(".qr-box img").naturalWidth > 0`, "batch QR")
		batchID = desk.text(card + `.dataset.batch`)
		desk.eval(`[...document.querySelectorAll(".batch-docs tbody tr")].map((r) => r.dataset.doc)`, &docIDs)
		if len(docIDs) != 3 {
			t.Fatalf("batch table lists %v", docIDs)
		}
		code := desk.text(sc + `.querySelector(".code-line strong").textContent`)
		if len(code) != 6 {
			t.Errorf("match code %q", code)
		}
		if got := desk.text(`document.getElementById("upload-status").textContent`); got != "Registered a batch of 3 documents on the ledger." {
			t.Errorf("status %q", got)
		}
		desk.screenshot("batch-qr")

		// The sheets, fetched with the key.
		desk.eval(`document.querySelector('[data-sheet="pdf"]').click()`, nil)
		desk.waitFor(`QRBatch.lastSheet && QRBatch.lastSheet.format === "pdf"`, "PDF sheet")
		if pdf := desk.blob(`QRBatch.lastSheet.blob`); !bytes.HasPrefix(pdf, []byte("%PDF-")) {
			t.Errorf("the PDF sheet starts %q", pdf[:min(len(pdf), 16)])
		}
		desk.eval(`document.querySelector('[data-sheet="html"]').click()`, nil)
		desk.waitFor(`QRBatch.lastSheet && QRBatch.lastSheet.format === "html"`, "HTML sheet")
		html := string(desk.blob(`QRBatch.lastSheet.blob`))
		for _, want := range []string{"lease.txt", "inventory.txt", "house-rules.txt", batchID, "data:image/png;base64,"} {
			if !strings.Contains(html, want) {
				t.Errorf("the HTML sheet lacks %q", want)
			}
		}

		// The phone reads the QR the desktop shows and opens it.
		qr := desk.shownQR(sc + `.querySelector(".qr-box img")`)
		u, err := url.Parse(qr)
		if err != nil || !strings.HasPrefix(u.Path, "/s/") {
			t.Fatalf("the batch QR says %q", qr)
		}
		phone := b.newTab(t)
		phone.phone(true)
		// Through a middlebox that flips a byte of every document, the
		// phone refuses the batch before anything is signable.
		evil := serveSite(t, s.info, s.relay, true)
		phone.navigate(evil.srv.URL + u.Path)
		phone.waitFor(`document.getElementById("check").dataset.state === "mismatch"`, "tampered batch refused")
		if got := phone.text(`document.querySelector("#check .big").textContent + "|" + document.getElementById("sign-section").hidden`); got != "Do not sign: lease.txt does not match|true" {
			t.Errorf("a tampered batch: %q", got)
		}
		phone.screenshot("batch-phone-tampered")
		phone.navigate(s.localURL() + u.Path)
		phone.waitFor(`document.getElementById("check").dataset.state === "verified" && document.getElementById("setup-form")`, "batch verified, set-up form")
		var listed []string
		phone.eval(`[...document.querySelectorAll("#batch-docs li")].map((li) => li.textContent)`, &listed)
		if len(listed) != 3 || !strings.HasPrefix(listed[0], "lease.txt (") || !strings.HasPrefix(listed[2], "house-rules.txt (") {
			t.Errorf("the phone lists %q before signing", listed)
		}
		if got := phone.text(`document.getElementById("match-code").textContent`); got != code {
			t.Errorf("phone match code %q, desktop %q", got, code)
		}
		if got := phone.text(`document.getElementById("sign-btn").textContent + "|" + document.getElementById("decline-btn").hidden`); got != "Sign all 3 documents|false" {
			t.Errorf("sign controls %q", got)
		}
		phone.fill("enroll-secret", secret)
		phone.fill("new-pass", "batch horse battery")
		phone.fill("new-pass2", "batch horse battery")
		phone.click("enroll-btn")
		phone.waitFor(`!document.getElementById("sign-btn").disabled`, "enrolled identity")
		phone.fits()
		phone.screenshot("batch-phone-before-sign")
		phone.fill("passphrase", "batch horse battery")
		phone.click("sign-btn")
		phone.waitFor(`document.getElementById("check").dataset.state === "signed"`, "batch signed")
		if got := phone.text(`document.querySelector("#check .big").textContent`); got != "Signed 3 of 3 documents" {
			t.Errorf("phone says %q", got)
		}
		var timing timings
		phone.eval(`QRSign.timings`, &timing)
		t.Logf("measure: batch of 3 signed in the browser (PBKDF2 unwrap, ECDSA, callback, endorse, commit): %d ms, callback %d ms", timing.TotalMs, timing.CallbackMs)
		phone.fits()
		phone.screenshot("batch-phone-signed")
		phone.clean()
		desk.call("Page.bringToFront", nil, nil) // a background tab takes no screenshots

		// The desktop turns every document signed without a reload, pushed
		// by the batch's event stream, which then says done and ends.
		desk.waitFor(`[...document.querySelectorAll(".batch-docs tbody tr")].every((r) => r.dataset.status === "COMPLETED") && `+
			sc+`.dataset.status === "SIGNED"`, "every document COMPLETED")
		desk.waitFor(card+`.dataset.lastEvent === "done"`, "the batch stream's done")
		for _, d := range docIDs { // this tab's records list the batch's documents too
			desk.waitFor(`!!document.querySelector("#records-body") && document.getElementById("records-body").innerText.includes(`+jsString(d)+`)`, "tab record "+d)
		}
		desk.screenshot("batch-signed")
		desk.phone(true)
		desk.fits()
		desk.screenshot("batch-signed-375")
		desk.phone(false)
		desk.clean()

		// On the ledger: one chaincode-verified signature per document, each
		// with the batch evidence (this batch, its root, the document's leaf).
		for i, d := range docIDs {
			sig := s.answered(t, d, id, model.SignerSigned, model.EventSignatureRecorded)
			if sig.Batch == nil || sig.Batch.BatchID != batchID {
				t.Errorf("document %s: batch evidence %+v, want batch %s", d, sig.Batch, batchID)
			}
			n := 0
			for _, e := range s.provenance(t, d).Events {
				if e.Event.Type == model.EventSignatureRecorded {
					n++
				}
			}
			if n != 1 {
				t.Errorf("document %d has %d signatures", i, n)
			}
		}
	})
	if t.Failed() {
		return
	}

	t.Run("records search: filters, cursor paging and CSV, TXT and PDF exports", func(t *testing.T) {
		desk.t = t
		searchBy := func(by, who, status, typ, from, to, limit string) []string {
			desk.eval(`(() => {
				document.getElementById("rs-by").value = `+jsString(by)+`;
				document.getElementById("rs-by").dispatchEvent(new Event("change"));
				document.getElementById("rs-msp").value = `+jsString(s.org.MSPID)+`;
				document.getElementById("rs-who").value = `+jsString(who)+`;
				document.getElementById("rs-state").value = `+jsString(status)+`;
				document.getElementById("rs-type").value = `+jsString(typ)+`;
				document.getElementById("rs-from").value = `+jsString(from)+`;
				document.getElementById("rs-to").value = `+jsString(to)+`;
				document.getElementById("rs-limit").value = `+jsString(limit)+`;
				document.getElementById("rs-body").replaceChildren();
				document.getElementById("rs-results").hidden = true;
				document.getElementById("rs-search").click();
			})()`, nil)
			desk.waitFor(`!document.getElementById("rs-results").hidden || document.getElementById("rs-status").classList.contains("error")`, "search answer")
			var ids []string
			desk.eval(`[...document.querySelectorAll("#rs-body tr")].map((r) => r.dataset.doc)`, &ids)
			return ids
		}
		search := func(status, typ, from, to, limit string) []string {
			return searchBy("signer", id, status, typ, from, to, limit)
		}
		statusLine := func() string { return desk.text(`document.getElementById("rs-status").textContent`) }
		var days []string // the browser's local today and yesterday, as a date input holds them
		desk.eval(`(() => { const f = (d) => d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");
			return [f(new Date()), f(new Date(Date.now() - 86400e3))]; })()`, &days)
		today, yesterday := days[0], days[1]
		for _, c := range []struct {
			name                         string
			status, typ, from, to, limit string
			want                         int
		}{
			{"all three documents of the signer", "", "", "", "", "25", 3},
			{"status COMPLETED keeps them", "COMPLETED", "", "", "", "25", 3},
			{"status PENDING drops them", "PENDING", "", "", "", "25", 0},
			{"type contract keeps them", "", "contract", "", "", "25", 3},
			{"type invoice drops them", "", "invoice", "", "", "25", 0},
			{"created from today keeps them", "", "", today, "", "25", 3},
			{"created up to yesterday drops them", "", "", "", yesterday, "25", 0},
		} {
			got := search(c.status, c.typ, c.from, c.to, c.limit)
			if len(got) != c.want {
				t.Errorf("%s: %d rows %v (status line %q)", c.name, len(got), got, desk.text(`document.getElementById("rs-status").textContent`))
			}
			if c.want == 0 && desk.text(`String(document.getElementById("rs-empty").hidden)`) != "false" {
				t.Errorf("%s: no 'No records match.'", c.name)
			}
		}
		// Pages of two: "More" follows the cursor to the third.
		if got := search("", "", "", "", "2"); len(got) != 2 || desk.text(`String(document.getElementById("rs-more").hidden)`) != "false" {
			t.Fatalf("first page of 2: %v, more hidden %s", got, desk.text(`String(document.getElementById("rs-more").hidden)`))
		}
		desk.click("rs-more")
		desk.waitFor(`document.querySelectorAll("#rs-body tr").length === 3 && document.getElementById("rs-more").hidden`, "second page")
		var all []string
		desk.eval(`[...document.querySelectorAll("#rs-body tr")].map((r) => r.dataset.doc)`, &all)
		for _, d := range docIDs {
			if !strings.Contains(strings.Join(all, " "), d) {
				t.Errorf("paging lost %s: %v", d, all)
			}
		}
		desk.screenshot("records-search")
		// The other lists: nothing waits for the signer now; the owner's
		// completed documents of today include the batch.
		if got := searchBy("pending", id, "", "", "", "", "25"); len(got) != 0 {
			t.Errorf("waiting for the signer after signing: %v", got)
		}
		owned := strings.Join(searchBy("owner", "web-app", "COMPLETED", "contract", today, "", "100"), " ")
		for _, d := range docIDs {
			if !strings.Contains(owned, d) {
				t.Errorf("owner web-app's completed contracts of today lack %s (%s)", d, statusLine())
			}
		}
		// Refused queries say why, with the relay's code, and show no rows.
		for _, c := range []struct{ name, by, who, from, to, want string }{
			{"a malformed tag", "tag", "no such tag!", "", "", "tag \"no such tag!\" is not a valid tag (INVALID_FIELD)"},
			{"from after to", "signer", id, today, yesterday, "from must be before to (INVALID_FIELD)"},
		} {
			searchBy(c.by, c.who, "", "", c.from, c.to, "25")
			if got := statusLine(); got != c.want || desk.text(`String(document.getElementById("rs-status").classList.contains("error"))`) != "true" {
				t.Errorf("%s: status line %q, want the error %q", c.name, got, c.want)
			}
		}
		search("", "", "", "", "25")

		export := func(f string) []byte {
			desk.eval(`QRRecords.lastExport = null; document.getElementById("rs-export-`+f+`").click()`, nil)
			desk.waitFor(`QRRecords.lastExport && QRRecords.lastExport.format === "`+f+`"`, f+" export")
			return desk.blob(`QRRecords.lastExport.blob`)
		}
		rows, err := csv.NewReader(bytes.NewReader(export("csv"))).ReadAll()
		if err != nil {
			t.Fatalf("the CSV export does not parse: %v", err)
		}
		if len(rows) != 4 {
			t.Errorf("CSV has %d rows, want a header and 3: %q", len(rows), rows)
		}
		csvText := strings.Join(func() []string {
			var o []string
			for _, r := range rows {
				o = append(o, strings.Join(r, "|"))
			}
			return o
		}(), "\n")
		txt := string(export("txt"))
		pdf := export("pdf")
		if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
			t.Fatalf("the PDF export starts %q", pdf[:min(len(pdf), 16)])
		}
		pf := writeFile(t, "records.pdf", pdf)
		out, err := exec.Command("pdftotext", "-layout", pf, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext: %v", err)
		}
		pdfText := strings.Join(strings.Fields(string(out)), " ")
		for _, d := range docIDs {
			if !strings.Contains(csvText, d) || !strings.Contains(txt, d) {
				t.Errorf("an export lacks %s", d)
			}
		}
		for _, title := range []string{"lease.txt", "inventory.txt", "house-rules.txt"} {
			if !strings.Contains(pdfText, title) {
				t.Errorf("the PDF export (pdftotext) lacks %q", title)
			}
		}
		desk.clean()
	})

	t.Run("the evidence bundle downloaded from /verify passes qrsign verify-evidence", func(t *testing.T) {
		desk.t = t
		bin := qrsignBinary(t)
		desk.navigate(s.srv.URL + "/verify?doc=" + docIDs[0])
		desk.waitFor(`document.getElementById("outcome").dataset.state === "found" && !document.getElementById("evidence").hidden`, "evidence offer")
		if got := desk.text(`document.getElementById("evidence-cmd").textContent`); !strings.HasPrefix(got, "qrsign verify-evidence evidence-"+docIDs[0]+".json") {
			t.Errorf("the auditor line says %q", got)
		}
		desk.click("evidence-btn")
		desk.waitFor(`window.QRVerify && QRVerify.lastEvidence`, "evidence bundle")
		bundle := desk.blob(`QRVerify.lastEvidence.blob`)
		desk.screenshot("verify-evidence")
		bf := writeFile(t, "evidence.json", bundle)
		df := writeFile(t, "lease.txt", contents["lease.txt"])
		args := append([]string{"verify-evidence", bf, df}, auditorTrust(t, s)...)
		code, stdout, stderr := qrsignRun(t, bin, "", args...)
		if code != 0 || !strings.Contains(stdout, "VERIFIED") {
			t.Fatalf("verify-evidence: exit %d\n%s%s", code, stdout, stderr)
		}
		t.Logf("verify-evidence of the bundle the page saved (%d bytes):\n%s", len(bundle), stdout)
		// One byte of the document changed: the same bundle no longer verifies it.
		tampered := writeFile(t, "lease-tampered.txt", append(bytes.Clone(contents["lease.txt"]), '!'))
		if code, stdout, _ := qrsignRun(t, bin, "", append([]string{"verify-evidence", bf, tampered}, args[3:]...)...); code == 0 {
			t.Errorf("a changed document verified:\n%s", stdout)
		}
		desk.clean()
	})

	t.Run("a two-signer batch signed by the qrsign app: the first signer's card turns signed live, the documents wait for the second", func(t *testing.T) {
		desk.t = t
		bin := qrsignBinary(t)
		pass, home := "app horse battery", t.TempDir()
		first, sec := s.registerUser(t, "batchapp")
		if code, out, errs := qrsignRun(t, bin, pass, s.enrollArgs(first, sec, home)...); code != 0 {
			t.Fatalf("enroll: exit %d\n%s%s", code, out, errs)
		}
		second := unique("later")
		desk.navigate(s.srv.URL + "/app/")
		var two []string
		for _, n := range []string{"offer.txt", "annex.txt"} {
			two = append(two, writeFile(t, n, []byte(n+" "+unique("two")+"\n")))
		}
		desk.setFiles("#files", two...)
		desk.eval(`(() => {
			const set = (el, v) => { el.value = v; el.dispatchEvent(new Event("input", {bubbles: true})); };
			set(document.getElementById("title"), "Offer and annex");
			document.getElementById("as-batch").checked = true;
			document.getElementById("add-signer").click();
			const rows = document.querySelectorAll("#signer-rows tr");
			set(rows[0].querySelector('[name="signerId"]'), `+jsString(first)+`);
			set(rows[1].querySelector('[name="signerId"]'), `+jsString(second)+`);
			set(rows[1].querySelector('[name="order"]'), "2");
			document.getElementById("upload-submit").click();
		})()`, nil)
		card := `document.querySelector(".batch-card")`
		sc := func(who string) string {
			return card + `.querySelector('[data-signer="` + s.org.MSPID + "/" + who + `"]')`
		}
		for _, who := range []string{first, second} {
			desk.waitFor(sc(who)+` && `+sc(who)+`.querySelector(".qr-box img") && `+sc(who)+`.querySelector(".qr-box img").naturalWidth > 0`, "QR of "+who)
		}
		qr := desk.shownQR(sc(first) + `.querySelector(".qr-box img")`)
		code, out, errs := qrsignRun(t, bin, pass, "scan", qr, "--yes", "--passphrase-stdin", "--home", home)
		if code != 0 {
			t.Fatalf("qrsign scan of the batch QR: exit %d\n%s%s", code, out, errs)
		}
		committed := time.Now() // qrsign exits once the relay says committed
		if mc := desk.text(sc(first) + `.querySelector(".code-line strong").textContent`); !strings.Contains(out, mc) {
			t.Errorf("qrsign showed no match code %s:\n%s", mc, out)
		}
		desk.waitFor(sc(first)+`.dataset.status === "SIGNED" && [...document.querySelectorAll(".batch-docs tbody tr")].every((r) => r.querySelector(".doc-signed").textContent === "1 of 2")`,
			"first signer SIGNED, each document 1 of 2")
		t.Logf("measure: the desktop showed the batch signature %d ms after qrsign exited (page checked every 200 ms)",
			time.Since(committed).Milliseconds())
		if got := desk.text(`[...document.querySelectorAll(".batch-docs tbody tr")].map((r) => r.dataset.status).join(",") + "|" + ` + sc(second) + `.dataset.status`); got != "PENDING,PENDING|PENDING" {
			t.Errorf("documents and second signer: %q, want all still pending", got)
		}
		if got := desk.text(card + `.dataset.lastEvent`); got != "batch" {
			t.Errorf("the last message of the batch stream is %q, want batch (open documents: no done)", got)
		}
		desk.screenshot("batch-two-signers-first-signed")
		desk.clean()
	})

	t.Run("at 375 px the batch, records search and evidence fit, and every control is labelled", func(t *testing.T) {
		desk.t = t
		desk.phone(true)
		defer desk.phone(false)
		desk.navigate(s.srv.URL + "/app/")
		desk.fits()
		var unlabelled []string
		desk.eval(`[...document.querySelectorAll("#upload-form input, #upload-form select, #rs-form input, #rs-form select")]
			.filter((i) => i.type !== "hidden" && (!i.labels || i.labels.length === 0) && !i.getAttribute("aria-label")).map((i) => i.id || i.name)`, &unlabelled)
		if len(unlabelled) > 0 {
			t.Errorf("controls without a label: %v", unlabelled)
		}
		// Keyboard: Tab reaches the batch option and the export buttons.
		desk.eval(`document.body.focus()`, nil)
		seen := map[string]bool{}
		for i := 0; i < 60; i++ {
			desk.tab()
			seen[desk.text(`document.activeElement.id`)] = true
		}
		for _, want := range []string{"as-batch", "rs-who", "rs-export-csv", "rs-export-pdf"} {
			if !seen[want] {
				t.Errorf("Tab does not reach #%s", want)
			}
		}
		desk.screenshot("app-375")
		desk.navigate(s.srv.URL + "/verify?doc=" + docIDs[0])
		desk.waitFor(`!document.getElementById("evidence").hidden`, "evidence offer")
		desk.fits()
		desk.screenshot("verify-evidence-375")
		desk.clean()
	})

	t.Run("a second batch declined as a whole from the phone: every document DECLINED with the reason, re-verified, shown live", func(t *testing.T) {
		desk.t = t
		desk.navigate(s.srv.URL + "/app/") // the key stays in this tab's session storage
		desk.setFiles("#files", paths...)
		fillTitled(desk, "Flat move-in, second offer "+tag) // another batch (the same request again would be the same batch)
		card := `document.querySelector(".batch-card")`     // the newest card comes first
		sc := card + `.querySelector('[data-signer="` + s.org.MSPID + "/" + id + `"]')`
		desk.waitFor(card+`.dataset.batch !== `+jsString(batchID)+` && `+sc+` && `+sc+`.querySelector(".qr-box img") && `+
			sc+`.querySelector(".qr-box img").naturalWidth > 0`, "second batch QR")
		var declined []string
		desk.eval(`[...`+card+`.querySelectorAll(".batch-docs tbody tr")].map((r) => r.dataset.doc)`, &declined)
		u, err := url.Parse(desk.shownQR(sc + `.querySelector(".qr-box img")`))
		if err != nil || len(declined) != 3 {
			t.Fatalf("QR %v, documents %v", err, declined)
		}
		phone := b.newTab(t)
		phone.phone(true)
		phone.navigate(s.localURL() + u.Path) // the key enrolled above is in this browser
		phone.waitFor(`document.getElementById("check").dataset.state === "verified" && !document.getElementById("decline-btn").disabled`, "batch verified, key ready")
		if got := phone.text(`document.getElementById("decline-btn").textContent + "|" + document.getElementById("decline-btn").hidden`); got != "Decline all 3|false" {
			t.Errorf("decline control %q", got)
		}
		phone.click("decline-btn")
		phone.waitFor(`!document.getElementById("reason-field").hidden`, "reason asked")
		reason := "Rent differs from the offer — " + tag
		phone.fill("reason", reason)
		phone.fill("passphrase", "batch horse battery")
		phone.click("decline-btn")
		phone.waitFor(`document.getElementById("check").dataset.state === "declined"`, "batch declined")
		if got := phone.text(`document.querySelector("#check .big").textContent + "|" + document.getElementById("res-event").textContent`); got != "Declined 3 of 3 documents|Declined" {
			t.Errorf("phone says %q", got)
		}
		phone.fits()
		phone.screenshot("batch-phone-declined")
		phone.clean()
		desk.call("Page.bringToFront", nil, nil)

		// Live on the desktop: the batch stream pushes every document DECLINED, then done.
		desk.waitFor(`[...`+card+`.querySelectorAll(".batch-docs tbody tr")].every((r) => r.dataset.status === "DECLINED") && `+
			card+`.dataset.lastEvent === "done"`, "every document DECLINED")
		desk.screenshot("batch-declined")
		desk.clean()

		// On the ledger: one chaincode-verified decline per document with the
		// reason and the batch evidence, and VerifyRecord re-verifies each.
		for i, d := range declined {
			ev := s.answered(t, d, id, model.SignerDeclined, model.EventSignatureDeclined)
			if ev.Reason != reason || ev.Batch == nil || ev.Batch.Index != i || ev.Batch.Size != 3 {
				t.Errorf("document %s: reason %q, batch evidence %+v", d, ev.Reason, ev.Batch)
			}
			if v := s.document(t, d); v.Status != model.StatusDeclined {
				t.Errorf("document %s is %s", d, v.Status)
			}
		}
		var lk service.Lookup
		res, err := http.Get(s.srv.URL + "/v1/verify?doc=" + url.QueryEscape(declined[1]))
		if err != nil {
			t.Fatal(err)
		}
		json.NewDecoder(res.Body).Decode(&lk)
		res.Body.Close()
		if len(lk.Matches) != 1 || !lk.Matches[0].Verified || lk.Matches[0].Status != model.StatusDeclined {
			t.Errorf("verify of a declined batch document: %+v", lk)
		}
		// And an auditor verifies the decline offline from the evidence bundle.
		req, _ := http.NewRequest("GET", s.srv.URL+"/v1/documents/"+url.PathEscape(declined[2])+"/evidence", nil)
		req.Header.Set("Authorization", "Bearer "+s.org.Relay.APIKey)
		res, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		bundle, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("evidence: %d %s", res.StatusCode, bundle)
		}
		args := append([]string{"verify-evidence", writeFile(t, "declined-evidence.json", bundle), writeFile(t, "house-rules.txt", contents["house-rules.txt"])},
			auditorTrust(t, s)...)
		code, stdout, stderr := qrsignRun(t, qrsignBinary(t), "", args...)
		if code != 0 || !strings.Contains(stdout, "VERIFIED") || !regexp.MustCompile(`event 1 SignatureDeclined by .*leaf 2 of 3 of batch`).MatchString(stdout) {
			t.Fatalf("verify-evidence of a batch decline: exit %d\n%s%s", code, stdout, stderr)
		}
	})
}

//go:build integration

package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/pades/padestest"
	"github.com/qrsign/qrsign/relay/signer/relayapi"
	"github.com/qrsign/qrsign/relay/signer/upload"
)

// titles are what a consortium's documents are called: every script the
// PDFs must carry through.
var titles = []string{"劳动合同 2026", "秘密保持契約書 ひらがな カタカナ", "Vertrag über Lieferung – Müller & Söhne", "Договор поставки № 7"}

// englishWordRE finds words of three or more Latin letters: on a Chinese
// page each must be on the allow-list (product and protocol names, codes).
var englishWordRE = regexp.MustCompile(`[A-Za-z]{3,}`)

var hexRE = regexp.MustCompile(`\b[0-9a-f]{16,}\b`)

var allowEnglish = map[string]bool{
	"qrsign": true, "SHA": true, "Hyperledger": true, "Fabric": true, "Merkle": true, "API": true, "UTC": true,
	"VerifyRecord": true, "https": true,
	"documents": true, "read": true, // the scope documents:read
	"login": true,              // the command `qrsign login`
	"KiB":   true, "MiB": true, // IEC unit symbols
	"PDF": true, "CSV": true, "TXT": true, "HTML": true,
}

// visibleEnglish lists the English words a page shows outside values the
// page holds as data (ids, hashes, codes: elements with class mono, code,
// match-code, relay-url, or inside <code>), minus the allow-list.
func (p *page) visibleEnglish(data ...string) []string {
	var text string
	p.eval(`(() => {
		const out = [];
		const walk = (n) => {
			if (n.nodeType === 3) { out.push(n.textContent); return; }
			if (n.nodeType !== 1) return;
			if (n.offsetParent === null && n.tagName !== "BODY") return;
			if (n.matches("code, .mono, .match-code, .relay-url, script, style, #lang-switch, .brand")) return;
			for (const c of n.childNodes) walk(c);
		};
		walk(document.body);
		return out.join(" ") + " " + document.title;
	})()`, &text)
	for _, d := range data {
		text = strings.ReplaceAll(text, d, " ")
	}
	text = hexRE.ReplaceAllString(text, " ") // transaction ids and hashes inside sentences
	var bad []string
	for _, w := range englishWordRE.FindAllString(text, -1) {
		if !allowEnglish[w] && !allowEnglish[strings.ToLower(w)] && strings.ToUpper(w) != w { // CODES stay as they are
			bad = append(bad, w)
		}
	}
	return bad
}

// Every page in Chromium with --lang=zh-CN and --lang=en: a screenshot of
// each under var/artifacts/web/i18n-*, the page's language as the browser
// asks, and no English UI words on the Chinese pages outside the allow-list.
func TestPagesInChineseAndEnglishInChromium(t *testing.T) {
	s := newSite(t)
	signer := model.SignerSpec{ID: unique("zh-signer"), MSPID: s.org.MSPID, RoutingOrder: 1}
	doc := s.upload(t, titles[0], []byte("劳动合同正文"), signer)
	batchID := s.batch(t, "入职文件", signer)

	for _, lang := range []string{"zh-CN", "en"} {
		t.Run(lang, func(t *testing.T) {
			b := launchChromium(t, "--lang="+lang, "--accept-lang="+lang)
			p := b.page(t)
			ch := newChallenge(t, s.org.Relay.URL)
			pages := []struct {
				name, path, ready string
				phone             bool
				data              []string
			}{
				{"app", "/app/", `true`, false, nil},
				{"verify", "/verify?doc=" + doc.Document.ID, `document.getElementById("record").hidden === false`, false,
					[]string{doc.Document.ID, doc.Document.SHA256, titles[0], s.info.Channel, signer.MSPID, "application/octet-stream"}},
				{"sign", "/s/" + doc.Signing[0].Token, `document.getElementById("check").dataset.state !== "checking"`, true,
					[]string{doc.Document.ID, doc.Document.SHA256, titles[0], signer.ID, signer.MSPID, "application/octet-stream"}},
				{"login", "/l/" + ch.Token, `document.getElementById("details").hidden === false`, true,
					[]string{s.org.Relay.URL, "Go-http-client"}}, // the challenge was asked for by this test's Go client
				{"notfound", "/s/not-a-token", `true`, false, nil},
			}
			for _, pg := range pages {
				p.phone(pg.phone)
				p.navigate(s.srv.URL + pg.path)
				p.waitFor(pg.ready, pg.name+" ready")
				if got := p.text(`document.documentElement.lang`); got != lang {
					t.Errorf("%s: <html lang=%q>, want %q", pg.name, got, lang)
				}
				if got := p.text(`(() => { const b = document.getElementById("lang-switch"); return b && b.offsetParent !== null ? b.lang : "none"; })()`); got != map[string]string{"zh-CN": "en", "en": "zh-CN"}[lang] {
					t.Errorf("%s: the language switch offers %q", pg.name, got)
				}
				if strings.Contains(p.text(`document.body.innerText`), "null") {
					t.Errorf("%s shows \"null\"", pg.name)
				}
				p.screenshot("i18n-" + pg.name + "-" + lang)
				if lang == "zh-CN" {
					if bad := p.visibleEnglish(pg.data...); len(bad) > 0 {
						t.Errorf("%s in Chinese shows English words %q", pg.name, bad)
					}
				}
			}
			p.phone(false)

			// The switch overrides the browser's language and is remembered
			// on the next page; switching back restores it.
			other := map[string]string{"zh-CN": "en", "en": "zh-CN"}[lang]
			p.navigate(s.srv.URL + "/verify")
			p.click("lang-switch")
			p.waitFor(`document.readyState === "complete" && document.documentElement.lang === `+jsString(other), "switched page")
			p.navigate(s.srv.URL + "/app/")
			if got := p.text(`document.documentElement.lang + "|" + document.title`); got != other+"|"+map[string]string{"zh-CN": "发起签署 · qrsign", "en": "Send for signing · qrsign"}[other] {
				t.Errorf("after switching to %s, /app/ is %q", other, got)
			}
			p.click("lang-switch")
			p.waitFor(`document.readyState === "complete" && document.documentElement.lang === `+jsString(lang), "switched back")

			// The batch sheet (HTML) follows Accept-Language; it needs the key.
			p.call("Network.enable", nil, nil)
			p.call("Network.setExtraHTTPHeaders", map[string]any{"headers": map[string]string{"Authorization": "Bearer " + s.org.Relay.APIKey}}, nil)
			sheet := s.srv.URL + "/v1/batches/" + batchID + "/sheet.html"
			p.call("Page.navigate", map[string]any{"url": sheet}, nil)
			p.waitFor(`document.readyState === "complete" && document.querySelector("h1")`, "sheet")
			if got := p.text(`document.documentElement.lang`); got != lang {
				t.Errorf("sheet: <html lang=%q>, want %q", got, lang)
			}
			want := map[string]string{"zh-CN": "签署单：入职文件", "en": "Signing sheet: 入职文件"}[lang]
			if got := p.text(`document.querySelector("h1").textContent`); got != want {
				t.Errorf("sheet heading %q, want %q", got, want)
			}
			p.screenshot("i18n-sheet-" + lang)
		})
	}
}

// batch uploads a small batch with the relay's API key and returns its id.
func (s *site) batch(t *testing.T, title string, signers ...model.SignerSpec) string {
	t.Helper()
	var files []batchFile
	for i, name := range []string{"a.txt", "b.txt"} {
		files = append(files, batchFile{name, titles[i], "text/plain", []byte(unique("batch-doc") + name)})
	}
	return s.batchOf(t, title, files, signers...)
}

// batchFile is one document of a batch uploaded by batchOf.
type batchFile struct {
	name, title, mediaType string
	content                []byte
}

// batchOf uploads files as one batch with the relay's API key, in order, and
// returns its id.
func (s *site) batchOf(t *testing.T, title string, files []batchFile, signers ...model.SignerSpec) string {
	t.Helper()
	dir := t.TempDir()
	var docs []upload.Doc
	for i, f := range files {
		path := filepath.Join(dir, f.name)
		os.WriteFile(path, f.content, 0o600)
		docs = append(docs, upload.Doc{Path: path, File: f.name, Title: f.title, DocType: "contract", MediaType: f.mediaType,
			Order: i + 1, Size: int64(len(f.content))})
	}
	rc, err := relayapi.New(s.org.Relay.URL)
	if err != nil {
		t.Fatal(err)
	}
	rc.APIKey = s.org.Relay.APIKey
	b, err := upload.Upload(context.Background(), rc, upload.Batch{Title: title, Signers: signers, Docs: docs}, nil)
	if err != nil {
		t.Fatalf("batch upload: %v", err)
	}
	return b.ID
}

// Documents titled in Chinese, Japanese kana, accented Latin and Cyrillic,
// registered and signed on the real network, come back out of the relay's
// PDF export (certificates of completion, in Chinese) as the same text, with
// every font embedded as a subset; the CSV export for zh starts with a BOM
// and parses back to the same titles.
func TestExportsCarryEveryScriptFromTheLedger(t *testing.T) {
	s := newSite(t)
	e := s.enrollSigner(t)
	owner := unique("i18n-owner")
	var ids []string
	for _, title := range titles {
		r := s.uploadAs(t, owner, title, []byte(unique("content")), e.spec)
		s.sign(t, e, r.Signing[0].Token, "sign")
		ids = append(ids, r.Document.ID)
	}
	get := func(query string) []byte {
		req, _ := http.NewRequest(http.MethodGet, s.org.Relay.URL+"/v1/owners/"+owner+"/records?"+query, nil)
		req.Header.Set("Authorization", "Bearer "+s.org.Relay.APIKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || resp.Trailer.Get("X-Export-Records") != "4" {
			t.Fatalf("%s: HTTP %d, %s records: %.200s", query, resp.StatusCode, resp.Trailer.Get("X-Export-Records"), b)
		}
		return b
	}

	pdf := filepath.Join(artifacts(t), "i18n-certificates-zh.pdf")
	if err := os.WriteFile(pdf, get("format=pdf&lang=zh-CN"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	text := strings.Join(strings.Fields(string(out)), " ")
	for _, want := range append([]string{"签署完成证书", "已完成"}, titles...) {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF's text lacks %q", want)
		}
	}
	fonts, err := exec.Command("pdffonts", pdf).Output()
	if err != nil {
		t.Fatalf("pdffonts: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(fonts)), "\n")
	if len(lines) < 3 {
		t.Fatalf("pdffonts lists no font:\n%s", fonts)
	}
	for _, l := range lines[2:] {
		if f := strings.Fields(l); len(f) < 7 || f[len(f)-5] != "yes" || f[len(f)-4] != "yes" {
			t.Errorf("font not embedded as a subset: %s", l)
		}
	}

	b := get("format=csv&lang=zh-CN")
	if !bytes.HasPrefix(b, []byte("\ufeff")) {
		t.Fatalf("a zh CSV export starts % x, not with a UTF-8 BOM", b[:3])
	}
	rows, err := csv.NewReader(bytes.NewReader(b[3:])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rows[1:] {
		got[r[0]] = r[1]
	}
	for i, id := range ids {
		if got[id] != titles[i] {
			t.Errorf("CSV row of %s has title %q, want %q", id, got[id], titles[i])
		}
	}
}

// zhClean fails the test when the page in view shows English words outside
// the allow-list and the given data, and keeps a screenshot of it.
func (p *page) zhClean(name string, data ...string) {
	p.t.Helper()
	p.screenshot("i18n-flow-" + name)
	if bad := p.visibleEnglish(data...); len(bad) > 0 {
		p.t.Errorf("%s in Chinese shows English words %q", name, bad)
	}
}

// The main flows in Chromium with --lang=zh-CN on the real network, each
// step checked for English left in view: on /app/, register a document
// (QR card, signed live by a signer's key), a batch, search and export
// records and start a QR sign-in; on the phone page, set up a key with the
// org's Fabric CA and sign. Titles and the status lines are in Chinese.
func TestMainFlowsInChineseInChromium(t *testing.T) {
	s := newSite(t)
	b := launchChromium(t, "--lang=zh-CN", "--accept-lang=zh-CN")
	p := b.page(t)
	signer := s.enrollSigner(t)
	data := []string{signer.spec.ID, signer.spec.MSPID, "web-app"}

	p.navigate(s.srv.URL + "/app/")
	if got := p.text(`document.title`); got != "发起签署 · qrsign" {
		t.Errorf("/app/ title %q", got)
	}
	p.zhClean("app-empty", data...)
	p.fill("api-key", s.org.Relay.APIKey)
	p.eval(`document.getElementById("key-form").requestSubmit()`, nil)
	if got := p.text(`document.getElementById("key-state").textContent`); got != "本标签页已设置密钥。" {
		t.Errorf("key state %q", got)
	}

	t.Run("register a document, see its QR and its signature live", func(t *testing.T) {
		p.t = t
		p.setFiles("#files", writeFile(t, "hetong.txt", []byte("劳动合同 "+unique("zh")+"\n")))
		p.fill("title", titles[0])
		p.eval(`(() => { document.querySelector('#signer-rows [name="signerId"]').value = `+jsString(signer.spec.ID)+`;
			document.getElementById("upload-submit").click(); })()`, nil)
		p.waitFor(`document.getElementById("upload-status").textContent === "已在账本上登记 1 份文件。" || document.getElementById("upload-status").classList.contains("error")`, "registration")
		if got := p.text(`document.getElementById("upload-status").textContent`); got != "已在账本上登记 1 份文件。" {
			t.Fatalf("upload status %q", got)
		}
		card := `document.querySelector(".doc-card [data-signer]")`
		p.waitFor(card+`.querySelector(".qr-box img") && `+card+`.querySelector(".qr-box img").naturalWidth > 0`, "QR code")
		var docID, link string
		p.eval(`document.querySelector(".doc-card").dataset.doc`, &docID)
		p.eval(card+`.dataset.url`, &link)
		if got := p.text(`document.querySelector(".doc-card .doc-meta").textContent`); !strings.HasPrefix(got, "文件 "+docID+" · SHA-256 ") {
			t.Errorf("document line %q", got)
		}
		data = append(data, docID, titles[0], "hetong.txt")
		p.zhClean("app-registered", data...)
		s.sign(t, signer, link[strings.LastIndex(link, "/")+1:], "sign")
		p.waitFor(card+`.dataset.status === "SIGNED"`, "signed live")
		if got := p.text(card + `.querySelector(".qr-box").textContent`); got != "✓ 已签署" {
			t.Errorf("signed card shows %q", got)
		}
		p.waitFor(`document.querySelector("#records-body tr") && document.querySelector("#records-body tr").innerText.includes("1/1")`, "tab record signed")
		p.zhClean("app-signed", data...)
	})

	t.Run("register a batch and open its sheet", func(t *testing.T) {
		p.t = t
		p.setFiles("#files", writeFile(t, "a.txt", []byte("甲 "+unique("a"))), writeFile(t, "b.txt", []byte("乙 "+unique("b"))))
		p.eval(`document.getElementById("as-batch").click()`, nil)
		p.fill("title", "入职文件")
		p.click("upload-submit")
		p.waitFor(`document.getElementById("upload-status").textContent === "已在账本上登记一个批次，共 2 份文件。" || document.getElementById("upload-status").classList.contains("error")`, "batch registration")
		if got := p.text(`document.getElementById("upload-status").textContent`); got != "已在账本上登记一个批次，共 2 份文件。" {
			t.Fatalf("batch upload status %q", got)
		}
		bc := `document.querySelector(".batch-card")`
		p.waitFor(bc+`.querySelector(".qr-box img") && `+bc+`.querySelector(".qr-box img").naturalWidth > 0`, "batch QR code")
		var batchID string
		p.eval(bc+`.dataset.batch`, &batchID)
		p.eval(bc+`.querySelector('[data-sheet="html"]').click()`, nil)
		p.waitFor(bc+`.querySelector(".status-line a")`, "sheet saved")
		if got := p.text(bc + `.querySelector(".status-line").textContent`); !strings.HasPrefix(got, "签署单已保存为 sheet-"+batchID+".html（HTML，") {
			t.Errorf("sheet status %q", got)
		}
		data = append(data, "sheet-"+batchID+".html", batchID, "入职文件", "a.txt", "b.txt") // the file name before the id it holds
		p.zhClean("app-batch", data...)
	})

	t.Run("search and export records", func(t *testing.T) {
		p.t = t
		p.fill("rs-who", signer.spec.ID)
		p.eval(`document.getElementById("rs-form").requestSubmit()`, nil)
		p.waitFor(`!document.getElementById("rs-results").hidden || document.getElementById("rs-status").classList.contains("error")`, "search answer")
		if got := p.text(`document.getElementById("rs-status").textContent`); got != "3 条记录。" {
			t.Errorf("search status %q", got)
		}
		var ids []string
		p.eval(`[...document.querySelectorAll("#rs-body tr")].map((r) => r.dataset.doc)`, &ids)
		p.click("rs-export-csv")
		p.waitFor(`document.querySelector("#rs-status a")`, "export saved")
		if got := p.text(`document.getElementById("rs-status").textContent`); !strings.HasPrefix(got, "已保存 records.csv（") {
			t.Errorf("export status %q", got)
		}
		data = append(append(data, ids...), "records.csv")
		p.zhClean("app-records", data...)
		p.fill("rs-limit", "0")
		p.eval(`document.getElementById("rs-form").requestSubmit()`, nil)
		if got := p.text(`document.getElementById("rs-status").textContent`); got != "每页条数须在 1 到 100 之间。" {
			t.Errorf("a bad page size says %q", got)
		}
	})

	t.Run("start a QR sign-in", func(t *testing.T) {
		p.t = t
		p.click("login-start")
		p.waitFor(`!document.getElementById("login-box").hidden && document.getElementById("login-expiry").textContent !== ""`, "sign-in QR")
		if got := p.text(`document.getElementById("login-status").textContent`); got != "等待您扫码…" {
			t.Errorf("sign-in status %q", got)
		}
		p.zhClean("app-login", data...)
		p.click("login-cancel")
		if got := p.text(`document.getElementById("login-status").textContent`); got != "已取消登录。" {
			t.Errorf("cancelled sign-in says %q", got)
		}
	})

	t.Run("phone: set up a key with the Fabric CA and sign", func(t *testing.T) {
		p.t = t
		id, secret := s.registerSigner(t, "zhphone")
		spec := model.SignerSpec{ID: id, MSPID: s.org.MSPID, RoutingOrder: 1}
		reg := s.upload(t, titles[0], []byte("劳动合同 "+unique("p")+"\n"), spec)
		pdata := []string{id, s.org.MSPID, reg.Document.ID, reg.Document.SHA256, titles[0], "application/octet-stream"}
		p.phone(true)
		defer p.phone(false)
		p.navigate(s.localURL() + "/s/" + reg.Signing[0].Token)
		p.waitFor(`document.getElementById("check").dataset.state === "verified" && document.getElementById("setup-form")`, "set-up form")
		if got := p.text(`document.title`); got != titles[0]+" · qrsign" { // the document's own title
			t.Errorf("phone page title %q", got)
		}
		p.zhClean("phone-setup", pdata...)
		p.fill("enroll-secret", secret)
		p.fill("new-pass", "correct horse battery")
		p.fill("new-pass2", "correct horse battery")
		p.click("enroll-btn")
		p.waitFor(`!document.getElementById("sign-btn").disabled`, "enrolled identity")
		p.zhClean("phone-enrolled", pdata...)
		p.fill("passphrase", "wrong horse battery")
		p.click("sign-btn")
		p.waitFor(`document.getElementById("sign-status").dataset.state === "error"`, "wrong passphrase refused")
		p.zhClean("phone-wrong-passphrase", pdata...)
		p.fill("passphrase", "correct horse battery")
		p.click("sign-btn")
		p.waitFor(`document.getElementById("check").dataset.state === "signed"`, "signed")
		if got := p.text(`document.getElementById("res-status").textContent + "|" + document.getElementById("res-valid").textContent`); got != "已完成|有效" {
			t.Errorf("the phone shows the outcome as %q", got)
		}
		tx := p.text(`document.getElementById("res-tx").textContent`)
		p.zhClean("phone-signed", append(pdata, tx)...)
		s.answered(t, reg.Document.ID, id, model.SignerSigned, model.EventSignatureRecorded)
	})

	t.Run("verify page: ledger checks and history", func(t *testing.T) {
		p.t = t
		reg := s.upload(t, titles[0], []byte("劳动合同 "+unique("v")+"\n"), signer.spec)
		s.sign(t, signer, reg.Signing[0].Token, "sign")
		p.navigate(s.srv.URL + "/verify?doc=" + reg.Document.ID)
		p.waitFor(`document.querySelector("#checks-body tr[data-code=completion]") && !document.getElementById("history").hidden`, "checks and history")
		var names, events []string
		p.eval(`[...document.querySelectorAll("#checks-body tr")].map((r) => r.cells[0].textContent + "|" + r.cells[1].textContent)`, &names)
		key := signer.spec.MSPID + "/" + signer.spec.ID
		want := []string{"事件流|通过", "存储的记录|通过", key + " 在事件 1（签署）中的证书链|通过", key + " 在事件 1（签署）中的签名|通过",
			key + " 在事件 1（签署）中的防重放随机数|通过", "签署完成|通过"}
		if strings.Join(names, "\n") != strings.Join(want, "\n") {
			t.Errorf("checks\n%s\nwant\n%s", strings.Join(names, "\n"), strings.Join(want, "\n"))
		}
		if got := p.text(`document.querySelector("#checks-body tr[data-code=projection]").cells[2].textContent`); got != "存储的记录与由事件推演的结果一致" {
			t.Errorf("projection detail %q", got)
		}
		p.eval(`[...document.querySelectorAll("#events-body tr")].map((r) => r.cells[1].textContent)`, &events)
		if strings.Join(events, ",") != "登记,签署,完成" {
			t.Errorf("history events %q", events)
		}
		p.zhClean("verify-checks", append(data, reg.Document.ID, reg.Document.SHA256, titles[0], "application/octet-stream")...)
	})

	t.Run("verify page: a PDF with bytes added after its recorded revision", func(t *testing.T) {
		p.t = t
		orig := padestest.TextPDF("BT /F1 24 Tf 72 720 Td (" + unique("zh-pdf") + ") Tj ET")
		reg := s.upload(t, titles[0], orig, signer.spec)
		p.navigate(s.srv.URL + "/verify")
		p.setFiles("#file", writeFile(t, "hetong.pdf", append(append([]byte{}, orig...), "1 0 obj\n(added)\nendobj\n%%EOF\n"...)))
		p.waitFor(`document.getElementById("outcome").dataset.state === "mismatch" && document.querySelector("#revisions-list .card") !== null`, "the recorded part")
		p.zhClean("verify-pdf", append(data, reg.Document.ID, reg.Document.SHA256, titles[0], "hetong.pdf", "application/pdf")...)
	})
}

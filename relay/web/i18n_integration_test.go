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
	"login": true, // the command `qrsign login`
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
				if strings.Contains(p.text(`document.body.innerText`), "null") {
					t.Errorf("%s shows \"null\"", pg.name)
				}
				p.screenshot("i18n-" + pg.name + "-" + lang)
				if lang == "zh-CN" && pg.name != "app" { // the desktop app's scripts are not translated yet
					if bad := p.visibleEnglish(pg.data...); len(bad) > 0 {
						t.Errorf("%s in Chinese shows English words %q", pg.name, bad)
					}
				}
			}
			p.phone(false)

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
	dir := t.TempDir()
	var docs []upload.Doc
	for i, name := range []string{"a.txt", "b.txt"} {
		path := filepath.Join(dir, name)
		content := []byte(unique("batch-doc") + name)
		os.WriteFile(path, content, 0o600)
		docs = append(docs, upload.Doc{Path: path, File: name, Title: titles[i], DocType: "contract", MediaType: "text/plain",
			Order: i + 1, Size: int64(len(content))})
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

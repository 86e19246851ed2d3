package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const testToken = "eyJ2IjoxLCJkIjoiZG9jLTEiLCJoIjoiYWJjIn0.c2lnbmF0dXJlLXRhZy1ieXRlcw"

func serve(t *testing.T, method, target string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	h := Handler(Config{PublicURL: "https://sign.example/", Channel: "qrsign", MSPID: "Org1MSP"})
	req := httptest.NewRequest(method, target, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestRoutesAnswerWithStatusTypeAndCaching(t *testing.T) {
	js, _ := assetURL("app.js")
	css, _ := assetURL("style.css")
	tests := []struct {
		name, method, target string
		status               int
		ctype, cache         string
	}{
		{"desktop app", "GET", "/app/", 200, "text/html; charset=utf-8", "no-cache"},
		{"verify page", "GET", "/verify", 200, "text/html; charset=utf-8", "no-cache"},
		{"verify page with a document", "GET", "/verify?doc=doc-1", 200, "text/html; charset=utf-8", "no-cache"},
		{"signer page is never stored", "GET", "/s/" + testToken, 200, "text/html; charset=utf-8", "no-store"},
		{"HEAD of a page", "HEAD", "/app/", 200, "text/html; charset=utf-8", "no-cache"},
		{"versioned script is immutable", "GET", js, 200, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"},
		{"versioned style is immutable", "GET", css, 200, "text/css; charset=utf-8", "public, max-age=31536000, immutable"},
		{"stale version revalidates", "GET", "/app/assets/app.js?v=0000000000000000", 200, "text/javascript; charset=utf-8", "no-cache"},
		{"unversioned asset revalidates", "GET", "/app/assets/icon.svg", 200, "image/svg+xml", "no-cache"},
		{"unknown asset", "GET", "/app/assets/nope.js", 404, "text/html; charset=utf-8", "no-cache"},
		{"templates are not assets", "GET", "/app/assets/layout.html", 404, "text/html; charset=utf-8", "no-cache"},
		{"unknown app page", "GET", "/app/records", 404, "text/html; charset=utf-8", "no-cache"},
		{"signer page without a token", "GET", "/s/", 404, "text/html; charset=utf-8", "no-cache"},
		{"signer page with a malformed token", "GET", "/s/not-a-token", 404, "text/html; charset=utf-8", "no-cache"},
		{"signer page with a sub-path", "GET", "/s/" + testToken + "/x", 404, "text/html; charset=utf-8", "no-cache"},
		{"login page is never stored", "GET", "/l/" + testToken, 200, "text/html; charset=utf-8", "no-store"},
		{"login page with a malformed token", "GET", "/l/not-a-token", 404, "text/html; charset=utf-8", "no-cache"},
		{"login page with a sub-path", "GET", "/l/" + testToken + "/x", 404, "text/html; charset=utf-8", "no-cache"},
		{"verify sub-path", "GET", "/verify/x", 404, "text/html; charset=utf-8", "no-cache"},
		{"POST is refused", "POST", "/app/", 405, "text/html; charset=utf-8", "no-store"},
		{"DELETE is refused", "DELETE", "/verify", 405, "text/html; charset=utf-8", "no-store"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := serve(t, tc.method, tc.target, nil)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d", rec.Code, tc.status)
			}
			h := rec.Header()
			if got := h.Get("Content-Type"); got != tc.ctype {
				t.Errorf("Content-Type %q, want %q", got, tc.ctype)
			}
			if got := h.Get("Cache-Control"); got != tc.cache {
				t.Errorf("Cache-Control %q, want %q", got, tc.cache)
			}
			want := CSP
			if tc.name == "signer page is never stored" {
				want = SignCSP // it compiles the signer module
			}
			if got := h.Get("Content-Security-Policy"); got != want {
				t.Errorf("CSP %q, want %q", got, want)
			}
			for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"} {
				if got := h.Get(k); got != want {
					t.Errorf("%s %q, want %q", k, got, want)
				}
			}
			if tc.method == "HEAD" && rec.Body.Len() != 0 {
				t.Errorf("HEAD answered %d body bytes", rec.Body.Len())
			}
			if tc.status == 405 && h.Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow %q", h.Get("Allow"))
			}
		})
	}
}

func TestAppWithoutSlashRedirects(t *testing.T) {
	rec := serve(t, "GET", "/app", nil)
	if rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/app/" {
		t.Fatalf("got %d Location %q, want 301 to /app/", rec.Code, rec.Header().Get("Location"))
	}
}

func TestRootRedirectsToTheApp(t *testing.T) {
	for _, method := range []string{"GET", "HEAD"} {
		rec := serve(t, method, "/", nil)
		if rec.Code != http.StatusFound || rec.Header().Get("Location") != "/app/" {
			t.Errorf("%s /: got %d Location %q, want 302 to /app/", method, rec.Code, rec.Header().Get("Location"))
		}
	}
}

func TestAssetETagRevalidates(t *testing.T) {
	rec := serve(t, "GET", "/app/assets/common.js", nil)
	etag := rec.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	rec = serve(t, "GET", "/app/assets/common.js", map[string]string{"If-None-Match": `"x", ` + etag})
	if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Fatalf("got %d with %d bytes, want 304 and no body", rec.Code, rec.Body.Len())
	}
	rec = serve(t, "GET", "/app/assets/common.js", map[string]string{"If-None-Match": `"other"`})
	if rec.Code != http.StatusOK {
		t.Fatalf("a stale ETag got %d, want 200", rec.Code)
	}
}

// The signer module is served as a versioned asset of the signer page:
// application/wasm, immutable, gzipped for clients that take it; a file
// that is not WebAssembly is refused at load.
func TestSignerModuleIsServedVersionedAndGzipped(t *testing.T) {
	dir := t.TempDir()
	module := append([]byte("\x00asm\x01\x00\x00\x00"), bytes.Repeat([]byte("qrsign wasm "), 20000)...)
	mp, xp := filepath.Join(dir, "signer.wasm"), filepath.Join(dir, "wasm_exec.js")
	os.WriteFile(mp, module, 0o600)
	os.WriteFile(xp, []byte("\"use strict\";\n"), 0o600)
	w, err := LoadWasm(mp, xp)
	if err != nil {
		t.Fatal(err)
	}
	h := Handler(Config{PublicURL: "https://sign.example", Channel: "qrsign", MSPID: "Org1MSP", Wasm: w})
	get := func(target, enc string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", target, nil)
		if enc != "" {
			req.Header.Set("Accept-Encoding", enc)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	page := get("/s/"+testToken, "").Body.String()
	m := regexp.MustCompile(`<meta name="qrsign-signer-wasm" content="([^"]+)">`).FindStringSubmatch(page)
	if m == nil || !regexp.MustCompile(`<script defer src="/app/assets/wasm_exec\.js\?v=[0-9a-f]{16}"></script>`).MatchString(page) {
		t.Fatalf("the signer page names no module or glue:\n%s", page)
	}
	plain := get(m[1], "")
	if plain.Code != 200 || !bytes.Equal(plain.Body.Bytes(), module) || plain.Header().Get("Content-Type") != "application/wasm" ||
		plain.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" || plain.Header().Get("Content-Encoding") != "" {
		t.Fatalf("plain: %d %v, %d bytes", plain.Code, plain.Header(), plain.Body.Len())
	}
	z := get(m[1], "br, gzip;q=0.8")
	if z.Header().Get("Content-Encoding") != "gzip" || z.Header().Get("Vary") != "Accept-Encoding" || z.Body.Len() >= len(module)/10 {
		t.Fatalf("gzip: %v, %d bytes", z.Header(), z.Body.Len())
	}
	zr, err := gzip.NewReader(z.Body)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := io.ReadAll(zr); !bytes.Equal(b, module) {
		t.Fatal("the gzipped module is not the module")
	}
	if get(m[1], "gzip;q=0").Header().Get("Content-Encoding") != "" {
		t.Error("gzip sent to a client that refuses it")
	}
	if get("/app/", "").Body.String() == "" || strings.Contains(get("/app/", "").Body.String(), "signer-wasm") {
		t.Error("the desktop page loads the signer module")
	}
	if _, err := LoadWasm(xp, xp); err == nil {
		t.Error("a script was accepted as the module")
	}
}

func TestPagesCarryConfigEscaped(t *testing.T) {
	h := Handler(Config{PublicURL: `https://x.example/"><script>`, Channel: "qrsign", MSPID: "Org1MSP"})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/app/", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`<meta name="qrsign-channel" content="qrsign">`,
		`<meta name="qrsign-msp" content="Org1MSP">`,
		`<meta name="qrsign-public-url" content="https://x.example/&#34;&gt;&lt;script&gt;">`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
}

// The CSP forbids inline script and style: the pages must not need them, and
// every asset they name must exist.
func TestPagesNeedNothingTheCSPForbids(t *testing.T) {
	scriptTag := regexp.MustCompile(`<script[^>]*>`)
	assetRef := regexp.MustCompile(`(?:src|href)="(/app/assets/[^"?]+)\?v=([0-9a-f]+)"`)
	for _, target := range []string{"/app/", "/verify", "/s/" + testToken, "/l/" + testToken, "/nope"} {
		body := serve(t, "GET", target, nil).Body.String()
		for _, tag := range scriptTag.FindAllString(body, -1) {
			if !strings.Contains(tag, ` src="/app/assets/`) {
				t.Errorf("%s: inline or foreign script %s", target, tag)
			}
		}
		for _, bad := range []string{" style=", "<style", " onclick=", " onload=", " onerror=", "javascript:", `src="http`, `href="http`, `src="//`, `href="//`} {
			if strings.Contains(body, bad) {
				t.Errorf("%s: contains %q", target, bad)
			}
		}
		refs := assetRef.FindAllStringSubmatch(body, -1)
		if len(refs) < 3 {
			t.Errorf("%s: only %d asset references", target, len(refs))
		}
		for _, m := range refs {
			rec := serve(t, "GET", m[1]+"?v="+m[2], nil)
			if rec.Code != 200 || rec.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" {
				t.Errorf("%s: asset %s answered %d %q", target, m[1], rec.Code, rec.Header().Get("Cache-Control"))
			}
		}
	}
}

// Scripts build the DOM with textContent (relay data is never parsed as
// HTML) and set no inline styles, which the CSP would block.
func TestScriptsAvoidHTMLInjectionAndInlineStyles(t *testing.T) {
	files, _ := fs.Glob(staticFS, "static/*.js")
	if len(files) < 4 {
		t.Fatalf("found %d scripts", len(files))
	}
	for _, f := range files {
		b, _ := fs.ReadFile(staticFS, f)
		for _, bad := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", ".style.", "eval(", "new Function"} {
			if strings.Contains(string(b), bad) {
				t.Errorf("%s uses %s", f, bad)
			}
		}
	}
}

func TestEveryAssetHasAType(t *testing.T) {
	for name, a := range assets {
		if a.ctype == "" {
			t.Errorf("%s has no content type", name)
		}
	}
}

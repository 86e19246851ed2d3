// Package web serves qrsign's browser pages: the desktop app (upload, QR codes,
// live signing status), the public verification page and the mobile signer
// page a phone opens from a QR code. The pages are plain HTML, CSS and
// JavaScript embedded in the binary; they call the relay's JSON API on the
// same origin and run under a strict Content-Security-Policy (no inline
// script or style, nothing from other origins).
//
// Mount Handler on the relay for the paths in Routes:
//
//	/                redirects to /app/ (the relay's root URL opens the desktop app)
//	/app/            desktop app (and /app/assets/* for scripts, styles, icons)
//	/verify          public verification page (?doc=<id>, ?sha256=<hex> or ?txId=<id> preselects a lookup)
//	/s/{token}       mobile signer page (the URL carried by the QR code)
//	/l/{token}       phone login page (the URL carried by a login QR code)
//
// /app without the slash redirects to /app/. Anything else under those
// prefixes is 404; methods other than GET and HEAD are 405. With Echo:
//
//	h := echo.WrapHandler(web.Handler(cfg))
//	for _, p := range []string{"/", "/app", "/app/*", "/verify", "/s/:token", "/l/:token"} {
//		e.Match([]string{http.MethodGet, http.MethodHead}, p, h)
//	}
//
// (the last replaces the relay's interim /s/ summary page). The pages need
// the relay's API on the same origin: they use relative /v1/ URLs.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"maps"
	"mime"
	"net/http"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// Routes are the path patterns (net/http ServeMux syntax) the relay must route
// to Handler. Prefix patterns end in "/"; "/{$}" is the root alone.
var Routes = []string{"/{$}", "/app", "/app/", "/verify", "/s/", "/l/"}

// Config is what the pages need to know about the relay serving them.
type Config struct {
	PublicURL string // the relay's public base URL, shown to users (QR links point there)
	Channel   string // the Fabric channel the ledger lives on, shown on records
	MSPID     string // the serving org's MSP id: the default signer org in the upload form
	// Wasm is the phone page's signer module (LoadWasm); without it the
	// page signs no PDF revision or .p7s and says so.
	Wasm *Wasm
}

// Wasm is relay/cmd/signer-wasm built for GOOS=js GOARCH=wasm and the
// wasm_exec.js of the Go that built it, served as assets of the signer
// page (versioned, gzip to clients that take it).
type Wasm struct{ module, exec asset }

// The asset names the signer module and its glue are served under.
const (
	WasmAsset     = "signer.wasm"
	WasmExecAsset = "wasm_exec.js"
)

// LoadWasm reads the signer module and wasm_exec.js.
func LoadWasm(module, wasmExec string) (*Wasm, error) {
	m, err := os.ReadFile(module)
	if err != nil {
		return nil, fmt.Errorf("web: the phone page's signer module: %w", err)
	}
	x, err := os.ReadFile(wasmExec)
	if err != nil {
		return nil, fmt.Errorf("web: the signer module's wasm_exec.js: %w", err)
	}
	if !bytes.HasPrefix(m, []byte("\x00asm")) {
		return nil, fmt.Errorf("web: %s is not a WebAssembly module", module)
	}
	return &Wasm{module: newAsset(m, "application/wasm"), exec: newAsset(x, "text/javascript; charset=utf-8")}, nil
}

// CSP is the Content-Security-Policy of every page: scripts, styles and
// connections only from this origin; images also from blob: URLs (QR codes
// fetched with an API key, previews of verified bytes).
const CSP = "default-src 'self'; img-src 'self' blob:; object-src 'none'; base-uri 'none'; " +
	"frame-ancestors 'none'; form-action 'self'"

// SignCSP is the signer page's: CSP, and WebAssembly may be compiled (the
// signer module, from this origin like every script); still no eval.
const SignCSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self' blob:; object-src 'none'; base-uri 'none'; " +
	"frame-ancestors 'none'; form-action 'self'"

//go:embed static
var staticFS embed.FS

var pageTmpl = template.Must(template.New("").Funcs(template.FuncMap{"asset": assetURL}).
	ParseFS(staticFS, "static/*.html"))

// assets are the embedded static files other than pages, with content hashes.
type asset struct {
	body  []byte
	gz    []byte // body gzipped, when that saves much (the signer module)
	ctype string
	hash  string // first 16 hex chars of the SHA-256: the cache-busting version
}

func newAsset(b []byte, ctype string) asset {
	sum := sha256.Sum256(b)
	a := asset{body: b, ctype: ctype, hash: hex.EncodeToString(sum[:8])}
	if len(b) >= 64<<10 {
		var z bytes.Buffer
		w, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
		w.Write(b)
		w.Close()
		if z.Len() < len(b)*9/10 {
			a.gz = z.Bytes()
		}
	}
	return a
}

var assets = loadAssets()

func loadAssets() map[string]asset {
	out := map[string]asset{}
	entries, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasSuffix(name, ".html") {
			continue
		}
		b, err := staticFS.ReadFile("static/" + name)
		if err != nil {
			panic(err)
		}
		ct := mime.TypeByExtension(path.Ext(name))
		switch path.Ext(name) { // the host's mime table may be missing or differ
		case ".js":
			ct = "text/javascript; charset=utf-8"
		case ".css":
			ct = "text/css; charset=utf-8"
		case ".svg":
			ct = "image/svg+xml"
		}
		out[name] = newAsset(b, ct)
	}
	return out
}

// assetURL is the versioned URL of an asset; pages reference assets only
// through it, so a changed file gets a new URL and caches can keep old ones forever.
func assetURL(name string) (string, error) {
	a, ok := assets[name]
	if !ok {
		return "", &missingAssetError{name}
	}
	return "/app/assets/" + name + "?v=" + a.hash, nil
}

type missingAssetError struct{ name string }

func (e *missingAssetError) Error() string { return "web: no asset " + e.name }

// tokenRE is the shape of a session token (relay/token: base64url "head.tag";
// the claims of a real token are a few hundred characters).
var tokenRE = regexp.MustCompile(`^[A-Za-z0-9_-]{16,1000}\.[A-Za-z0-9_-]{16,128}$`)

// pageData is what the templates see.
type pageData struct {
	Config
	Page                 string
	WasmURL, WasmExecURL string // the signer module's versioned URLs; empty without one
}

type handler struct {
	pages  map[string][]byte // rendered once: the pages hold no per-request data
	assets map[string]asset  // the embedded ones and the signer module's
}

// Handler serves the pages and their assets.
func Handler(cfg Config) http.Handler {
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	h := &handler{pages: map[string][]byte{}, assets: maps.Clone(assets)}
	data := pageData{Config: cfg}
	if w := cfg.Wasm; w != nil {
		h.assets[WasmAsset], h.assets[WasmExecAsset] = w.module, w.exec
		data.WasmURL = "/app/assets/" + WasmAsset + "?v=" + w.module.hash
		data.WasmExecURL = "/app/assets/" + WasmExecAsset + "?v=" + w.exec.hash
	}
	for _, p := range []string{"app", "verify", "sign", "login", "notfound"} {
		var b bytes.Buffer
		data.Page = p
		if err := pageTmpl.ExecuteTemplate(&b, p+".html", data); err != nil {
			panic(err) // the templates are embedded: a failure is a build defect the unit tests catch
		}
		h.pages[p] = b.Bytes()
	}
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", CSP)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer") // /s/ URLs carry bearer tokens
	hd.Set("X-Frame-Options", "DENY")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hd.Set("Allow", "GET, HEAD")
		h.page(w, r, http.StatusMethodNotAllowed, "notfound", "no-store")
		return
	}
	p := r.URL.Path
	switch {
	case p == "/":
		// Found, not Moved Permanently: the root may one day serve a page of its own.
		http.Redirect(w, r, "/app/", http.StatusFound)
	case p == "/app":
		http.Redirect(w, r, "/app/", http.StatusMovedPermanently)
	case p == "/app/":
		h.page(w, r, http.StatusOK, "app", "no-cache")
	case p == "/verify":
		h.page(w, r, http.StatusOK, "verify", "no-cache")
	case strings.HasPrefix(p, "/s/") && tokenRE.MatchString(p[len("/s/"):]):
		// The token stays in the URL; the page reads it from there. The
		// page itself is the same for every token, but no copy of a
		// tokened URL's response should be kept anywhere.
		hd.Set("Content-Security-Policy", SignCSP)
		h.page(w, r, http.StatusOK, "sign", "no-store")
	case strings.HasPrefix(p, "/l/") && tokenRE.MatchString(p[len("/l/"):]):
		h.page(w, r, http.StatusOK, "login", "no-store") // login tokens have the session tokens' shape
	case strings.HasPrefix(p, "/app/assets/"):
		h.asset(w, r, p[len("/app/assets/"):])
	default:
		h.page(w, r, http.StatusNotFound, "notfound", "no-cache")
	}
}

func (h *handler) page(w http.ResponseWriter, r *http.Request, status int, name, cache string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", cache)
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(h.pages[name])
	}
}

// asset serves an embedded file: forever-cacheable when asked for by its
// current version, else revalidated by ETag.
func (h *handler) asset(w http.ResponseWriter, r *http.Request, name string) {
	a, ok := h.assets[name]
	if !ok {
		h.page(w, r, http.StatusNotFound, "notfound", "no-cache")
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", a.ctype)
	hd.Set("ETag", `"`+a.hash+`"`)
	if r.URL.Query().Get("v") == a.hash {
		hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hd.Set("Cache-Control", "no-cache")
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatch(inm, a.hash) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.body
	if a.gz != nil {
		hd.Set("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			hd.Set("Content-Encoding", "gzip")
			body = a.gz
		}
	}
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Write(body)
}

// acceptsGzip: the Accept-Encoding header lists gzip with a q above 0.
func acceptsGzip(header string) bool {
	for _, c := range strings.Split(header, ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(c), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

func etagMatch(header, hash string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == `"`+hash+`"` || t == "*" {
			return true
		}
	}
	return false
}

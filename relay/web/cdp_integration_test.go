//go:build integration

package web_test

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/websocket"
)

// A tiny Chrome DevTools Protocol client: enough to drive one page
// (navigate, evaluate, set file inputs, emulate a phone, screenshot).

type browser struct {
	port string
}

var devtoolsRE = regexp.MustCompile(`DevTools listening on ws://127\.0\.0\.1:(\d+)/`)

// launchChromium starts headless Chromium with a throwaway profile; extra
// flags (e.g. --lang=zh-CN) are added to the command line.
func launchChromium(t *testing.T, extra ...string) *browser {
	t.Helper()
	bin := "/usr/bin/chromium"
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("%s is missing: apt-get update -qq && apt-get install -y -qq chromium", bin)
	}
	// Not t.TempDir: Chromium's helpers may still be writing to the profile
	// as the test ends; removing it is best effort.
	profile, err := os.MkdirTemp("", "qrsign-web-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+profile, "--remote-debugging-port=0", "--remote-allow-origins=*",
		"--window-size=1280,900", "--hide-scrollbars")
	cmd.Args = append(append(cmd.Args, extra...), "about:blank")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // its own process group: the browser and its helpers
		cmd.Wait()
		os.RemoveAll(profile)
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := devtoolsRE.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case port := <-found:
		return &browser{port: port}
	case <-time.After(2 * time.Minute):
		t.Fatal("chromium did not announce its DevTools port")
	}
	return nil
}

type cdpMessage struct {
	ID     int             `json:"id,omitempty"`
	Method string          `json:"method,omitempty"`
	Params json.RawMessage `json:"params,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  *struct {
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

type page struct {
	t       *testing.T
	ws      *websocket.Conn
	mu      sync.Mutex
	next    int
	pending map[int]chan cdpMessage
	logs    []string // exceptions and security (CSP) messages the page produced
}

// page attaches to the browser's first tab.
func (b *browser) page(t *testing.T) *page {
	t.Helper()
	resp, err := http.Get("http://127.0.0.1:" + b.port + "/json/list")
	if err != nil {
		t.Fatal(err)
	}
	var targets []struct{ Type, WebSocketDebuggerURL string }
	err = json.NewDecoder(resp.Body).Decode(&targets)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range targets {
		if tg.Type != "page" {
			continue
		}
		ws, err := websocket.Dial(tg.WebSocketDebuggerURL, "", "http://127.0.0.1/")
		if err != nil {
			t.Fatal(err)
		}
		ws.MaxPayloadBytes = 64 << 20 // full-page screenshots
		p := &page{t: t, ws: ws, pending: map[int]chan cdpMessage{}}
		t.Cleanup(func() { ws.Close() })
		go p.read()
		for _, m := range []string{"Page.enable", "Runtime.enable", "Log.enable"} {
			p.call(m, nil, nil)
		}
		return p
	}
	t.Fatal("chromium has no page target")
	return nil
}

func (p *page) read() {
	for {
		var raw []byte
		if err := websocket.Message.Receive(p.ws, &raw); err != nil {
			return
		}
		var m cdpMessage
		if json.Unmarshal(raw, &m) != nil {
			continue
		}
		p.mu.Lock()
		if m.ID != 0 {
			if ch := p.pending[m.ID]; ch != nil {
				ch <- m
				delete(p.pending, m.ID)
			}
		} else {
			p.event(m)
		}
		p.mu.Unlock()
	}
}

// event keeps what shows the page is broken: uncaught exceptions and
// security messages (CSP violations).
func (p *page) event(m cdpMessage) {
	switch m.Method {
	case "Runtime.exceptionThrown":
		p.logs = append(p.logs, "exception: "+string(m.Params))
	case "Log.entryAdded":
		var e struct {
			Entry struct{ Source, Level, Text string } `json:"entry"`
		}
		json.Unmarshal(m.Params, &e)
		if e.Entry.Source == "security" || strings.Contains(e.Entry.Text, "Content Security Policy") {
			p.logs = append(p.logs, "security: "+e.Entry.Text)
		}
	case "Runtime.consoleAPICalled":
		if strings.Contains(string(m.Params), "Content Security Policy") {
			p.logs = append(p.logs, "console: "+string(m.Params))
		}
	}
}

// call sends one command and decodes its result into out (when not nil).
func (p *page) call(method string, params any, out any) {
	p.t.Helper()
	if params == nil {
		params = struct{}{}
	}
	b, _ := json.Marshal(params)
	ch := make(chan cdpMessage, 1)
	p.mu.Lock()
	p.next++
	id := p.next
	p.pending[id] = ch
	p.mu.Unlock()
	msg, _ := json.Marshal(cdpMessage{ID: id, Method: method, Params: b})
	if err := websocket.Message.Send(p.ws, string(msg)); err != nil {
		p.t.Fatalf("%s: %v", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			p.t.Fatalf("%s: %s", method, m.Error.Message)
		}
		if out != nil {
			if err := json.Unmarshal(m.Result, out); err != nil {
				p.t.Fatalf("%s result %s: %v", method, m.Result, err)
			}
		}
	case <-time.After(2 * time.Minute):
		p.t.Fatalf("%s: no answer", method)
	}
}

// eval runs a JavaScript expression (awaiting promises) and decodes its value.
func (p *page) eval(expr string, out any) {
	p.t.Helper()
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	p.call("Runtime.evaluate", map[string]any{"expression": expr, "awaitPromise": true, "returnByValue": true}, &r)
	if r.ExceptionDetails != nil {
		p.t.Fatalf("eval %s: %s %s", expr, r.ExceptionDetails.Text, r.ExceptionDetails.Exception.Description)
	}
	if out != nil && len(r.Result.Value) > 0 {
		if err := json.Unmarshal(r.Result.Value, out); err != nil {
			p.t.Fatalf("eval %s = %s: %v", expr, r.Result.Value, err)
		}
	}
}

func (p *page) text(expr string) string {
	p.t.Helper()
	var s string
	p.eval(expr, &s)
	return s
}

// navigate loads url and waits until its scripts have run.
func (p *page) navigate(url string) {
	p.t.Helper()
	p.call("Page.navigate", map[string]any{"url": url}, nil)
	p.waitFor(`document.readyState === "complete" && !!window.QR && location.href === `+jsString(url), "page load of "+url)
}

// waitFor polls a boolean expression. The deadline only bounds a broken
// run; nothing asserts how long the page took.
func (p *page) waitFor(expr, what string) {
	p.t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		var ok bool
		p.eval("(() => { try { return !!("+expr+"); } catch (e) { return false; } })()", &ok)
		if ok {
			return
		}
		if time.Now().After(deadline) {
			p.screenshot("failed-" + strings.NewReplacer(" ", "-", "/", "-", ":", "").Replace(what))
			p.t.Fatalf("waiting for %s: gave up; page says:\n%s", what, p.text("document.body.innerText"))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// setFiles puts files into the <input type=file> matched by selector, as a
// user choosing them would (input and change events fire).
func (p *page) setFiles(selector string, files ...string) {
	p.t.Helper()
	var doc struct {
		Root struct {
			NodeID int `json:"nodeId"`
		} `json:"root"`
	}
	p.call("DOM.getDocument", nil, &doc)
	var q struct {
		NodeID int `json:"nodeId"`
	}
	p.call("DOM.querySelector", map[string]any{"nodeId": doc.Root.NodeID, "selector": selector}, &q)
	if q.NodeID == 0 {
		p.t.Fatalf("no element %s", selector)
	}
	p.call("DOM.setFileInputFiles", map[string]any{"nodeId": q.NodeID, "files": files}, nil)
}

// tab presses the Tab key.
func (p *page) tab() {
	p.t.Helper()
	for _, typ := range []string{"keyDown", "keyUp"} {
		p.call("Input.dispatchKeyEvent", map[string]any{"type": typ, "key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9}, nil)
	}
}

// phone emulates a 375 px wide phone (or undoes it with width 0).
func (p *page) phone(on bool) {
	p.t.Helper()
	if on {
		p.call("Emulation.setDeviceMetricsOverride", map[string]any{"width": 375, "height": 812, "deviceScaleFactor": 2, "mobile": true}, nil)
	} else {
		p.call("Emulation.clearDeviceMetricsOverride", nil, nil)
	}
}

// artifacts is where screenshots go: var/artifacts/web at the repository root.
func artifacts(t *testing.T) string {
	dir, err := filepath.Abs(filepath.Join("..", "..", "var", "artifacts", "web"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// screenshot saves the whole page as var/artifacts/web/<name>.png.
func (p *page) screenshot(name string) string {
	p.t.Helper()
	var m struct {
		CSSContentSize struct{ Width, Height float64 } `json:"cssContentSize"`
	}
	p.call("Page.getLayoutMetrics", nil, &m)
	var shot struct{ Data string }
	p.call("Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true,
		"clip": map[string]any{"x": 0, "y": 0, "width": m.CSSContentSize.Width, "height": m.CSSContentSize.Height, "scale": 1}}, &shot)
	b, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil {
		p.t.Fatal(err)
	}
	path := filepath.Join(artifacts(p.t), name+".png")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.t.Logf("screenshot %s", path)
	return path
}

// lowContrastJS lists visible text whose colour has a contrast ratio below
// 4.5:1 against the first opaque background behind it (WCAG 2 formula).
const lowContrastJS = `(() => {
	const rgb = (s) => (s.match(/[\d.]+/g) || []).map(Number);
	const lum = ([r, g, b]) => { const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); };
		return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
	const bg = (el) => { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor);
		if (c.length === 3 || c[3] === 1) return c; } return [255, 255, 255]; };
	const bad = [];
	for (const el of document.querySelectorAll("body *")) {
		if (![...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
		if (el.offsetParent === null || el.closest(".visually-hidden")) continue;
		const cs = getComputedStyle(el);
		const l1 = lum(rgb(cs.color)), l2 = lum(bg(el));
		const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
		if (ratio < 4.5) bad.push(el.tagName + "." + el.className + " '" + el.textContent.trim().slice(0, 30) + "' " + ratio.toFixed(2));
	}
	return bad;
})()`

// clean fails the test if the page threw, violated its CSP or shows text
// with too little contrast.
func (p *page) clean() {
	p.t.Helper()
	var low []string
	p.eval(lowContrastJS, &low)
	if len(low) > 0 {
		p.t.Errorf("text below 4.5:1 contrast:\n%s", strings.Join(low, "\n"))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.logs) > 0 {
		p.t.Errorf("the page reported problems:\n%s", strings.Join(p.logs, "\n"))
	}
	p.logs = nil
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

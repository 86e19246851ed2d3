//go:build integration

package web_test

import (
	"bytes"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
)

// qrsignBinary builds the real signer client.
func qrsignBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "qrsign")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/qrsign/qrsign/relay/cmd/qrsign").CombinedOutput(); err != nil {
		t.Fatalf("go build qrsign: %v\n%s", err, out)
	}
	return bin
}

// qrsignRun runs the client with the passphrase on stdin.
func qrsignRun(t *testing.T, bin, pass string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Stdin = strings.NewReader(pass + "\n")
	cmd.Env = append(os.Environ(), "QRSIGN_PASSPHRASE=", "QRSIGN_API_KEY=")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errb.String()
}

// shootElement saves what the page shows inside the element matched by
// selector as var/artifacts/web/<name>.png.
func (p *page) shootElement(selector, name string) string {
	p.t.Helper()
	var r struct{ X, Y, W, H float64 }
	p.eval(`(() => { const b = document.querySelector(`+jsString(selector)+`).getBoundingClientRect();
		return { x: b.left + scrollX, y: b.top + scrollY, w: b.width, h: b.height }; })()`, &r)
	var shot struct{ Data string }
	p.call("Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true,
		"clip": map[string]any{"x": r.X - 16, "y": r.Y - 16, "width": r.W + 32, "height": r.H + 32, "scale": 2}}, &shot)
	b, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil {
		p.t.Fatal(err)
	}
	path := filepath.Join(artifacts(p.t), name+".png")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		p.t.Fatal(err)
	}
	return path
}

// The records page signs a person in with QR: it shows the login QR, the
// real qrsign client scans it (decoding the page's pixels) and signs with a
// Fabric CA identity, and the page then lists that signer's records, using
// the session instead of an API key.
func TestLoginOnRecordsPage(t *testing.T) {
	s := newSite(t)
	bin := qrsignBinary(t)
	pass, home := "correct horse battery", t.TempDir()
	id, secret := s.registerUser(t, "weblogin")
	if code, out, errs := qrsignRun(t, bin, pass, s.enrollArgs(id, secret, home)...); code != 0 {
		t.Fatalf("enroll: exit %d\n%s%s", code, out, errs)
	}
	mine := s.upload(t, "Lease for the QR sign-in test", []byte("lease "+unique("c")),
		model.SignerSpec{ID: id, MSPID: s.org.MSPID, RoutingOrder: 1})
	theirs := s.upload(t, "Someone else's contract", []byte("other "+unique("c")),
		model.SignerSpec{ID: unique("other"), MSPID: s.org.MSPID, RoutingOrder: 1})

	b := launchChromium(t)
	p := b.page(t)
	p.navigate(s.srv.URL + "/app/")
	p.eval(`sessionStorage.removeItem("qrsign.apiKey")`, nil) // no API key: the session is the only access
	p.eval(`document.getElementById("login-start").click()`, nil)
	p.waitFor(`(() => { const i = document.getElementById("login-qr"); return i && i.complete && i.naturalWidth > 0; })()`, "the login QR")
	code := p.text(`document.getElementById("login-code").textContent`)
	p.screenshot("login-qr-page")
	png := p.shootElement("#login-qr", "login-qr")

	t0 := time.Now()
	rc, out, errs := qrsignRun(t, bin, pass, "login", png, "--yes", "--passphrase-stdin", "--home", home)
	if rc != 0 || !strings.Contains(out, "Match code: "+code) || !strings.Contains(out, "Signed in as "+s.org.MSPID+"/"+id) {
		t.Fatalf("qrsign login on the page's QR: exit %d\n%s%s", rc, out, errs)
	}
	p.waitFor(`!document.getElementById("my-records").hidden && !!document.querySelector('#my-records-body tr[data-doc=`+
		jsString(mine.Document.ID)+`]')`, "my records")
	t.Logf("page showed the records %v after qrsign login started (the page polls every 1.5 s)", time.Since(t0).Round(time.Millisecond))
	if who := p.text(`document.getElementById("my-who").textContent`); who != id+" ("+s.org.MSPID+")" {
		t.Errorf("signed in as %q", who)
	}
	if got := p.text(`document.getElementById("my-records-body").innerText`); strings.Contains(got, theirs.Document.ID) {
		t.Errorf("another signer's document is listed: %q", got)
	}
	p.eval(`document.getElementById("my-view").value = "pending"; document.getElementById("my-view").dispatchEvent(new Event("change"))`, nil)
	p.waitFor(`document.querySelectorAll("#my-records-body tr").length === 1 && !!document.querySelector('#my-records-body tr[data-doc=`+
		jsString(mine.Document.ID)+`]')`, "my pending records")
	p.screenshot("login-records")
	p.clean()

	p.eval(`document.getElementById("login-signout").click()`, nil)
	p.waitFor(`!document.getElementById("login-start-box").hidden && document.getElementById("my-records").hidden`, "signed out")
	if st := p.text(`document.getElementById("login-status").textContent`); st != "Signed out." {
		t.Errorf("status %q", st)
	}
	p.clean()
}

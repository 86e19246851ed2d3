//go:build integration

package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/network/guide"
	"github.com/qrsign/qrsign/relay/pades/padestest"
)

// The README's verify block (steps 4 and 5 of "Try it") runs as written on
// the network under test, a newcomer's placeholders filled in: a PDF signed
// by a signer of the first org re-verifies with `qrsign verify` and its
// evidence bundle with `verify-evidence`, trusting only what the orgs
// published in exchange/. A README that names the wrong certificates, flags
// or paths fails here.
func TestReadmeVerifySteps(t *testing.T) {
	e := setup(t)
	if len(e.info.Orgs) < 2 || e.info.Orgs[0].Name != "org1" || e.info.Orgs[1].Name != "org2" {
		t.Fatalf("the README's block names org1 and org2; the network has %d orgs, %s first", len(e.info.Orgs), e.org.Name)
	}
	alice := e.enroll(t, "readme")
	pdf := padestest.TextPDF("BT /F1 24 Tf 72 720 Td (" + unique("readme") + ") Tj ET")
	doc := e.upload(t, "Contract", pdf, []*signer{alice}, []int{1}) // registered as application/pdf
	_, qr := doc.link(t, alice)
	if res, cb := alice.scan(t, "scan", e.scanQR(t, qr)); cb == nil || cb.DocumentStatus != "COMPLETED" {
		t.Fatalf("scan: exit %d %+v\n%s", res.code, cb, res.stderr)
	}

	md, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	lines, err := guide.Block(string(md), "verify")
	if err != nil {
		t.Fatal(err)
	}
	script := strings.NewReplacer(
		"go run ./relay/cmd/qrsign", qrsignBin,
		"var/net/default", e.info.StateDir,
		"http://127.0.0.3:7080", e.org.Relay.URL,
		"<doc-id>", doc.Document.ID,
	).Replace(strings.Join(lines, "\n"))
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "contract.pdf"), pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", "-e", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "KEY="+e.org.Relay.APIKey, "LC_ALL=C.UTF-8", "QRSIGN_API_KEY=")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("the README's verify block: %v\n%s\n--- script:\n%s", err, out.String(), script)
	}
	// verify prints its verdict line "VERIFIED", verify-evidence "VERIFIED: n checks passed".
	if got := strings.Count(out.String(), "\nVERIFIED"); got != 2 {
		t.Fatalf("want two VERIFIED verdicts, got %d:\n%s", got, out.String())
	}
	t.Logf("the README's verify block:\n%s", out.String())
}

//go:build integration

package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/relay/evidence"
)

// auditorScript is the bash block of relay/evidence/README.md that follows
// the auditor-script marker: the test runs what the README tells auditors.
func auditorScript(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "evidence", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "<!-- auditor-script")
	if i < 0 {
		t.Fatal("relay/evidence/README.md has no auditor-script marker")
	}
	s = s[i:]
	start := strings.Index(s, "```bash\n")
	if start < 0 {
		t.Fatal("no bash block after the auditor-script marker")
	}
	s = s[start+len("```bash\n"):]
	end := strings.Index(s, "```")
	if end < 0 {
		t.Fatal("unterminated bash block")
	}
	return s[:end]
}

// An auditor with only a peer: the README's peer CLI commands and `qrsign
// evidence assemble` give the same bundle as the relay, and it verifies.
func TestEvidenceFromPeerCLIAlone(t *testing.T) {
	e := setup(t)
	if len(e.info.Orgs) < 2 {
		t.Fatal("the network needs two orgs")
	}
	other := &env{info: e.info, org: &e.info.Orgs[1], http: e.http}
	alice, dave := e.enroll(t, "alice"), other.enroll(t, "dave")
	body := content("peer-audit")
	doc := e.upload(t, "Peer audit", body, []*signer{alice, dave}, []int{1, 1})
	for _, s := range []*signer{dave, alice} {
		_, qr := doc.link(t, s)
		if res, cb := s.scan(t, "scan", e.scanQR(t, qr)); cb == nil {
			t.Fatalf("%s: exit %d\n%s", s.id, res.code, res.stderr)
		}
	}
	fromRelay, _ := e.fetchEvidence(t, doc.Document.ID)

	// The auditor's working directory, PATH with the network's Fabric
	// binaries and the qrsign under test, and the peer CLI as org2's admin
	// against org2's peer (not the relay's org).
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(qrsignBin, filepath.Join(bin, "qrsign")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "contract.pdf"), body, 0o644); err != nil {
		t.Fatal(err)
	}
	envv, err := e.info.PeerEnv(other.org.Peers[0].Name)
	if err != nil {
		t.Fatal(err)
	}
	r := e.roots(t)
	var orgs []string
	for _, o := range e.info.Orgs {
		orgs = append(orgs, o.MSPID)
	}
	envv = append(envv, "PATH="+bin+":"+e.info.BinDir+":"+os.Getenv("PATH"),
		"CHANNEL="+e.info.Channel, "CC="+e.info.Chaincode, "DOC="+doc.Document.ID, "ORGS="+strings.Join(orgs, " "),
		"DOCUMENT=contract.pdf", "ROOTS="+strings.Join(r.args(), " "))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", auditorScript(t))
	cmd.Dir, cmd.Env = dir, envv
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	t0 := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("the README's auditor commands: %v\n%s%s", err, out.String(), errb.String())
	}
	t.Logf("measure: the README's peer CLI commands, assemble and verify: %v", time.Since(t0))
	if !strings.Contains(out.String(), "VERIFIED: ") {
		t.Fatalf("no VERIFIED line:\n%s", out.String())
	}

	assembled, err := os.ReadFile(filepath.Join(dir, "bundle.json"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := evidence.Decode(assembled)
	if err != nil {
		t.Fatal(err)
	}
	b, err := evidence.Decode(fromRelay)
	if err != nil {
		t.Fatal(err)
	}
	// The relay adds a freshness witness (endorsed when it built the
	// bundle); the peer CLI cannot endorse without submitting.
	if b.Witness == "" {
		t.Fatal("the relay's bundle has no freshness witness")
	}
	b.Witness = ""
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("the bundle assembled from the peer differs from the relay's:\npeer:  %s\nrelay: %s", assembled, fromRelay)
	}
}

//go:build integration

package e2e

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/network/guide"
	"github.com/qrsign/qrsign/relay/signer/keystore"
)

// network/README.md's rotate-ca block, run as written on the harness's org:
// a signer enrolled before signs under the CA about to retire; after the
// rotation a new signer's certificate comes from the new CA and signs; the
// ledger trusts both CAs; the earlier signature still verifies on the ledger
// (VerifyRecord), with `qrsign verify` given the retired CA alone, and with
// `verify-evidence`; the new one verifies with the new CA alone and not
// with the retired one.
func TestRotateSignerCA(t *testing.T) {
	e := setup(t)
	retired := writeCert(t, e.signerCA(t))
	alice := e.enroll(t, "alice-retiring-ca")
	before := e.upload(t, "Signed under the CA about to retire", content("rotate-before"), []*signer{alice}, []int{1})
	_, qr := before.link(t, alice)
	aliceURL := e.scanQR(t, qr)
	if res, cb := alice.scan(t, "scan", aliceURL); cb == nil || cb.DocumentStatus != "COMPLETED" {
		t.Fatalf("alice signs before the rotation: exit %d %+v\n%s", res.code, cb, res.stderr)
	}
	bundle, _ := e.fetchEvidence(t, before.Document.ID)

	md, err := os.ReadFile("../../network/README.md")
	if err != nil {
		t.Fatal(err)
	}
	cmds, err := guide.Block(string(md), "rotate-ca")
	if err != nil {
		t.Fatal(err)
	}
	// The guide rotates org1's; the harness's org is the network's first.
	if e.org.Name != "org1" {
		t.Fatalf("the harness's org is %s, the guide's block rotates org1's CA", e.org.Name)
	}
	if err := guide.Run(cmds, map[string]string{"STATE": e.info.StateDir}, func(cmd, out string) { t.Logf("%s\n%s", cmd, out) }); err != nil {
		t.Fatal(err)
	}

	e.info = reload(t)
	e.org = mustOrg(t, e.info, e.org.Name)
	current := e.signerCA(t)
	if current.Equal(readCertFile(t, retired)) {
		t.Fatal("network.json names the same signer CA after the rotation")
	}
	fresh := writeCert(t, current)
	var trust model.OrgTrust
	evaluate(t, contract(t, e.info, e.org), &trust, "GetOrgTrust", e.org.MSPID)
	registered := map[string]bool{}
	for _, ca := range trust.CAs {
		registered[ca.Fingerprint] = true
	}
	for _, f := range []string{retired, fresh} {
		if fp := payload.Fingerprint(readCertFile(t, f).Raw); !registered[fp] {
			t.Errorf("%s: CA %s is not registered on the ledger (%d CAs are)", f, fp[:16], len(trust.CAs))
		}
	}

	bob := e.enroll(t, "bob-new-ca")
	after := e.upload(t, "Signed under the new CA", content("rotate-after"), []*signer{bob}, []int{1})
	_, qr = after.link(t, bob)
	bobURL := e.scanQR(t, qr)
	if res, cb := bob.scan(t, "scan", bobURL); cb == nil || cb.DocumentStatus != "COMPLETED" {
		t.Fatalf("bob signs after the rotation: exit %d %+v\n%s", res.code, cb, res.stderr)
	}

	c := contract(t, e.info, e.org)
	for _, id := range []string{before.Document.ID, after.Document.ID} {
		var rep model.VerifyReport
		evaluate(t, c, &rep, "VerifyRecord", id)
		if !rep.OK {
			t.Fatalf("VerifyRecord of %s after the rotation: %+v", id, rep)
		}
	}
	verify := func(id, url, caFile string) result {
		return run(t, "", "verify", id, "--relay", e.org.Relay.URL, "--token", url,
			"--ca-cert", e.org.MSPID+"="+caFile, "--channel", e.info.Channel)
	}
	for _, tc := range []struct {
		what, id, url, ca string
		ok                bool
	}{
		{"alice's, with the retired CA", before.Document.ID, aliceURL, retired, true},
		{"alice's, with the trust bundle", before.Document.ID, aliceURL, e.org.CA.CACertFile, true},
		{"bob's, with the new CA", after.Document.ID, bobURL, fresh, true},
		{"bob's, with the retired CA", after.Document.ID, bobURL, retired, false},
	} {
		v := verify(tc.id, tc.url, tc.ca)
		if ok := v.code == 0 && strings.Contains(v.stdout, "VERIFIED"); ok != tc.ok {
			t.Errorf("qrsign verify %s: exit %d, want verified=%v\n%s%s", tc.what, v.code, tc.ok, v.stdout, v.stderr)
		}
	}
	bf := filepath.Join(t.TempDir(), "bundle.json")
	if err := os.WriteFile(bf, bundle, 0o644); err != nil {
		t.Fatal(err)
	}
	if res := run(t, "", append([]string{"verify-evidence", bf}, e.roots(t).args()...)...); res.code != 0 || !strings.Contains(res.stdout, "VERIFIED") {
		t.Fatalf("verify-evidence of alice's after the rotation: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// writeCert writes c to a PEM file of the test's.
func writeCert(t *testing.T, c *x509.Certificate) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(f, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

func readCertFile(t *testing.T, file string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	c, err := keystore.ParseCert(b)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return c
}

//go:build integration

package integration

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/network/cli"
)

// Every org's gateway endorses, orders and commits a transaction.
func TestEveryOrgGatewayCommitsPing(t *testing.T) {
	in := mustInfo(t)
	for i := range in.Orgs {
		org := &in.Orgs[i]
		t.Run(org.Name, func(t *testing.T) {
			if err := ping(contract(t, in, org, 0)); err != nil {
				t.Fatalf("Ping through %s: %v", org.Peers[0].Name, err)
			}
		})
	}
}

// `network status` lists every process as up with a block height per peer.
func TestStatusReportsEveryProcessUp(t *testing.T) {
	in := mustInfo(t)
	var out, errOut bytes.Buffer
	if code := cli.Main([]string{"status", "--state", in.StateDir}, &out, &errOut); code != 0 {
		t.Fatalf("status exited %d: %s\n%s", code, errOut.String(), out.String())
	}
	var want []string
	for _, o := range in.Orderers {
		want = append(want, o.Name)
	}
	for _, g := range in.Orgs {
		want = append(want, g.CA.Name, g.ChaincodeServer.Name)
		for _, p := range g.Peers {
			want = append(want, p.Name)
		}
		if g.Relay != nil {
			want = append(want, "relay."+g.Name)
		}
	}
	lines := map[string][]string{}
	for _, l := range strings.Split(out.String(), "\n") {
		if f := strings.Fields(l); len(f) > 1 {
			lines[f[0]] = f
		}
	}
	for _, name := range want {
		f, ok := lines[name]
		if !ok || f[1] != "up" {
			t.Errorf("%s: not reported up:\n%s", name, out.String())
		}
		if strings.HasPrefix(name, "peer") && (len(f) < 6 || f[5] == "?") {
			t.Errorf("%s: no block height:\n%s", name, out.String())
		}
	}
}

// The test helpers drive the org's Fabric CA: a registered user enrolls with a
// certificate from the org CA, and after revocation the CA's CRL lists it.
func TestCARegisterEnrollRevokeCRL(t *testing.T) {
	in := mustInfo(t)
	org := &in.Orgs[0]
	id := fmt.Sprintf("itest-%d", time.Now().UnixNano())
	if err := org.RegisterUser(in.BinDir, id, "s3cret", "role=tester"); err != nil {
		t.Fatal(err)
	}
	ident, err := org.Enroll(in.BinDir, id, "s3cret", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cert := readCert(t, ident.CertFile)
	caCert := readCert(t, org.CA.CACertFile)
	if err := cert.CheckSignatureFrom(caCert); err != nil {
		t.Fatalf("enrolled cert not signed by the org CA: %v", err)
	}
	if cert.Subject.CommonName != id || !contains(cert.Subject.OrganizationalUnit, "client") {
		t.Fatalf("subject %v, want CN=%s with OU client", cert.Subject, id)
	}
	if err := org.RevokeUser(in.BinDir, id); err != nil {
		t.Fatal(err)
	}
	crlPEM, err := org.GenCRL(in.BinDir)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(crlPEM)
	if blk == nil {
		t.Fatalf("GenCRL: no PEM in %q", crlPEM)
	}
	crl, err := x509.ParseRevocationList(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if err := crl.CheckSignatureFrom(caCert); err != nil {
		t.Fatalf("CRL not signed by the org CA: %v", err)
	}
	found := false
	for _, e := range crl.RevokedCertificateEntries {
		found = found || e.SerialNumber.Cmp(cert.SerialNumber) == 0
	}
	if !found {
		t.Fatalf("revoked serial %s not in the CRL", cert.SerialNumber)
	}
}

// A signer's secret (network register-signer, the phone page's enrollment)
// enrolls once: whoever sees it later cannot mint a second key for the signer.
func TestRegisteredSignerSecretEnrollsOnce(t *testing.T) {
	in := mustInfo(t)
	org := &in.Orgs[0]
	id := fmt.Sprintf("itest-once-%d", time.Now().UnixNano())
	if err := org.RegisterSigner(in.BinDir, id, "0ne-time"); err != nil {
		t.Fatal(err)
	}
	if _, err := org.Enroll(in.BinDir, id, "0ne-time", t.TempDir()); err != nil {
		t.Fatalf("first enrollment: %v", err)
	}
	if _, err := org.Enroll(in.BinDir, id, "0ne-time", t.TempDir()); err == nil {
		t.Fatal("the secret enrolled a second time")
	}
}

func readCert(t *testing.T, file string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatalf("%s: no PEM", file)
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

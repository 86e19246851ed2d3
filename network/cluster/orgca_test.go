package cluster

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"github.com/qrsign/qrsign/network/config"
)

// A rotated signer CA is what RegisterSignerCA accepts (CA, keyCertSign)
// with its key beside it, and signerCA follows signer-ca/current.
func TestNewSignerCAAndGenerations(t *testing.T) {
	n := &Net{State: t.TempDir()}
	g := &config.Org{Name: "org1", Domain: "org1.example.com"}
	first := filepath.Join(n.signerCADir(g), "1")
	if ca := n.signerCA(g); ca.Gen != 1 || ca.Cert != filepath.Join(first, "ca-cert.pem") || ca.Trust != filepath.Join(first, "trust.pem") {
		t.Fatalf("before any rotation: %+v", ca)
	}
	dir := filepath.Join(n.signerCADir(g), "2")
	if err := newCA(dir, "signer-ca2.org1.example.com", g.Domain); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "ca-cert.pem"))
	if err := newCA(dir, "signer-ca2.org1.example.com", g.Domain); err != nil { // again: kept
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "ca-cert.pem")); string(after) != string(before) {
		t.Fatal("newCA replaced an existing CA")
	}
	cert, err := readCert(filepath.Join(dir, "ca-cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	if !cert.IsCA || !cert.BasicConstraintsValid || cert.KeyUsage&x509.KeyUsageCertSign == 0 || cert.CheckSignatureFrom(cert) != nil {
		t.Fatalf("not a self-signed CA with keyCertSign: %+v", cert)
	}
	kb, _ := os.ReadFile(filepath.Join(dir, "priv_sk"))
	blk, _ := pem.Decode(kb)
	key, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !key.(*ecdsa.PrivateKey).PublicKey.Equal(cert.PublicKey) {
		t.Fatal("priv_sk is not the certificate's key")
	}
	if fi, _ := os.Stat(filepath.Join(dir, "priv_sk")); fi.Mode().Perm() != 0o600 {
		t.Fatalf("priv_sk mode %v", fi.Mode().Perm())
	}
	if err := os.WriteFile(filepath.Join(n.signerCADir(g), "current"), []byte("2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if ca := n.signerCA(g); ca.Gen != 2 || ca.Cert != filepath.Join(dir, "ca-cert.pem") || ca.Trust != filepath.Join(dir, "trust.pem") ||
		ca.Home != filepath.Join(dir, "fabric-ca") || ca.Registrar != filepath.Join(dir, "registrar") {
		t.Fatalf("after rotation: %+v", ca)
	}
}

// OrgSignerCA makes generation 1 once: its trust bundle is its certificate
// then the MSP CA's, current names it and exchange/<org>/signer-cas/1.pem
// publishes it.
func TestOrgSignerCAFirstGeneration(t *testing.T) {
	n := &Net{State: t.TempDir()}
	g := &config.Org{Name: "org1", Domain: "org1.example.com"}
	msp := mspCA(t, n, g)
	if err := n.OrgSignerCA(g); err != nil {
		t.Fatal(err)
	}
	ca := n.signerCA(g)
	cert, _ := os.ReadFile(ca.Cert)
	if err := n.OrgSignerCA(g); err != nil { // again: kept
		t.Fatal(err)
	}
	trust, _ := os.ReadFile(ca.Trust)
	published, _ := os.ReadFile(filepath.Join(n.ExchangeDir(g.Name), "signer-cas", "1.pem"))
	current, _ := os.ReadFile(filepath.Join(n.signerCADir(g), "current"))
	if again, _ := os.ReadFile(ca.Cert); len(cert) == 0 || string(again) != string(cert) || string(trust) != string(cert)+string(msp) ||
		string(published) != string(cert) || string(current) != "1\n" {
		t.Fatalf("cert %q, trust %q, published %q, current %q", cert, trust, published, current)
	}
	if c, err := readCert(ca.Cert); err != nil || len(c.ExtKeyUsage) != 0 || c.CheckSignatureFrom(c) != nil {
		t.Fatalf("not a self-signed CA without extended key usage: %v", err)
	}
}

// The relay identity comes from the MSP CA (valid from the CA's own start,
// as Fabric's MSP checks), carries qrsign.role=relay and its key.
func TestRelayIdentityFromMSPCA(t *testing.T) {
	n := &Net{State: t.TempDir()}
	g := &config.Org{Name: "org1", Domain: "org1.example.com"}
	mspCA(t, n, g)
	certFile := filepath.Join(n.relayIDHome(g), "msp", "signcerts", "cert.pem")
	if err := n.relayIdentity(g, certFile); err != nil {
		t.Fatal(err)
	}
	ca, _ := readCert(n.orgCACert(g))
	c, err := readCert(certFile)
	if err != nil || c.CheckSignatureFrom(ca) != nil || !c.NotBefore.Equal(ca.NotBefore) || !hasRelayRole(certFile) {
		t.Fatalf("relay certificate: %v", err)
	}
	key, err := readKey(filepath.Join(n.relayIDHome(g), "msp", "keystore", "priv_sk"))
	if err != nil || !key.Public().(*ecdsa.PublicKey).Equal(c.PublicKey) {
		t.Fatalf("relay key: %v", err)
	}
}

// mspCA stands for cryptogen's org CA (certificate and key where it writes
// them); it returns the certificate.
func mspCA(t *testing.T, n *Net, g *config.Org) []byte {
	t.Helper()
	dir := filepath.Dir(n.orgCACert(g))
	if err := newCA(dir, "ca."+g.Domain, g.Domain); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "ca-cert.pem"), n.orgCACert(g)); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(n.orgCACert(g))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

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

// Package cmstest makes a throwaway PKI shaped like a Fabric CA's for tests
// of signatures that outside validators check: an ECDSA P-256 root, signer
// leaves, a time-stamping leaf (extended key usage timeStamping, critical)
// and CRLs. Validity is around the clock given, because the validators judge
// certificates at their own wall-clock time.
package cmstest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Identity is a certificate with its key and its chain up to (not including) the root.
type Identity struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
}

// CA is a root certificate authority.
type CA struct {
	Identity
	now    time.Time
	serial int64
}

// NewCA makes a self-signed P-256 root valid from now-1h to now+24h.
func NewCA(t testing.TB, cn string, now time.Time) *CA {
	t.Helper()
	ca := &CA{now: now, serial: 1}
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: cn, Organization: []string{cn}},
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	ca.Identity = ca.issue(t, tmpl, nil)
	return ca
}

var (
	oidEKU          = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidTimeStamping = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
)

// Signer issues a signer leaf (digitalSignature, nonRepudiation), as an org's
// Fabric CA enrols a client.
func (ca *CA) Signer(t testing.TB, cn string) Identity {
	t.Helper()
	return ca.issue(t, &x509.Certificate{
		Subject:  pkix.Name{CommonName: cn, OrganizationalUnit: []string{"client"}, Organization: []string{ca.Cert.Subject.CommonName}},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}, ca)
}

// TSA issues a time-stamping leaf: RFC 3161 2.3 wants the extended key usage
// timeStamping alone and critical.
func (ca *CA) TSA(t testing.TB, cn string) Identity {
	t.Helper()
	eku, err := asn1.Marshal([]asn1.ObjectIdentifier{oidTimeStamping})
	if err != nil {
		t.Fatal(err)
	}
	return ca.issue(t, &x509.Certificate{
		Subject:         pkix.Name{CommonName: cn, Organization: []string{ca.Cert.Subject.CommonName}},
		KeyUsage:        x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtraExtensions: []pkix.Extension{{Id: oidEKU, Critical: true, Value: eku}},
	}, ca)
}

func (ca *CA) issue(t testing.TB, tmpl *x509.Certificate, parent *CA) Identity {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca.serial++
	tmpl.SerialNumber = big.NewInt(ca.now.UnixNano()/1000 + ca.serial)
	tmpl.NotBefore, tmpl.NotAfter = ca.now.Add(-time.Hour), ca.now.Add(24*time.Hour)
	issuer, signer := tmpl, any(key)
	if parent != nil {
		issuer, signer = parent.Cert, parent.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return Identity{Cert: cert, Key: key}
}

// CRL is the root's current revocation list, revoking the serials given.
func (ca *CA) CRL(t testing.TB, revoked ...*big.Int) []byte {
	t.Helper()
	var entries []x509.RevocationListEntry
	for _, s := range revoked {
		entries = append(entries, x509.RevocationListEntry{SerialNumber: s, RevocationTime: ca.now.Add(-time.Minute)})
	}
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(1), ThisUpdate: ca.now.Add(-time.Minute), NextUpdate: ca.now.Add(24 * time.Hour),
		RevokedCertificateEntries: entries,
	}, ca.Cert, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// WritePEM writes certificates to dir/name and returns the path.
func WritePEM(t testing.TB, dir, name string, certs ...*x509.Certificate) string {
	t.Helper()
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

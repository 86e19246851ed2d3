// Package testpki makes real certificates for the signer client's unit tests:
// a self-signed CA like a Fabric CA's root, and leaf certificates it issues.
package testpki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"time"
)

// CA is a self-signed ECDSA P-256 certificate authority.
type CA struct {
	Cert    *x509.Certificate
	Key     *ecdsa.PrivateKey
	CertPEM []byte
}

// NewCA makes a CA named cn.
func NewCA(cn string) *CA {
	key := must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"qrsign-test"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der := must(x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key))
	return &CA{Cert: must(x509.ParseCertificate(der)), Key: key, CertPEM: PEM(der)}
}

var serial int64 = 100

// Issue signs a leaf certificate for pub with common name cn and returns its PEM.
func (ca *CA) Issue(cn string, pub *ecdsa.PublicKey) []byte {
	serial++
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: cn, OrganizationalUnit: []string{"client"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	return PEM(must(x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, pub, ca.Key)))
}

// NewSigner makes a key and a certificate for it issued by ca.
func (ca *CA) NewSigner(cn string) (*ecdsa.PrivateKey, []byte) {
	key := must(ecdsa.GenerateKey(elliptic.P256(), rand.Reader))
	return key, ca.Issue(cn, &key.PublicKey)
}

// PEM encodes a certificate DER.
func PEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

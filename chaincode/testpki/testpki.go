// Package testpki makes real X.509 material for the tests of every part of
// qrsign: CAs, signer certificates (valid, expired, wrong curve, RSA,
// Ed25519), self-signed certificates, intermediates and CRLs, all with
// crypto/x509. Serial numbers count up per CA so runs repeat.
//
// Every validity window comes from the caller (NewCA's notBefore/notAfter,
// which leaves inherit unless Leaf says otherwise): a test passes its own
// clock, so a test that pins a clock never meets the wall clock. Only tests
// whose certificates meet a real network (a peer checks them at its own
// time) pass time.Now.
//
// It is not internal because the chaincode's tests and the relay's both use
// it (an internal package is importable only below its parent, and the top
// level holds no packages); no program imports it.
package testpki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"time"
)

// CA is a certificate authority with its key.
type CA struct {
	Cert   *x509.Certificate
	Key    crypto.Signer
	serial int64
}

// PEM is the CA certificate as PEM.
func (ca *CA) PEM() string { return PEM(ca.Cert) }

// PEM encodes certificates as one PEM text, in order.
func PEM(certs ...*x509.Certificate) string {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return string(out)
}

// P256 returns a new ECDSA P-256 key.
func P256() *ecdsa.PrivateKey { return mustKey(ecdsa.GenerateKey(elliptic.P256(), rand.Reader)) }

// P384 returns a new ECDSA P-384 key.
func P384() *ecdsa.PrivateKey { return mustKey(ecdsa.GenerateKey(elliptic.P384(), rand.Reader)) }

// Ed25519 returns a new Ed25519 key.
func Ed25519() ed25519.PrivateKey {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}

// RSA returns a new 2048-bit RSA key.
func RSA() *rsa.PrivateKey { return mustKey(rsa.GenerateKey(rand.Reader, 2048)) }

func mustKey[K any](k K, err error) K {
	if err != nil {
		panic(err)
	}
	return k
}

// NewCA makes a self-signed ECDSA P-256 root CA valid from notBefore to notAfter.
func NewCA(cn string, notBefore, notAfter time.Time) *CA {
	key := P256()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn, Organization: []string{cn}},
		NotBefore: notBefore, NotAfter: notAfter, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		panic(err)
	}
	return &CA{Cert: mustKey(x509.ParseCertificate(der)), Key: key, serial: 1}
}

// Leaf describes a certificate to issue. Zero values mean: a fresh P-256 key,
// OU client, valid for the CA's lifetime, digitalSignature, no EKU.
type Leaf struct {
	CN          string
	OUs         []string
	Key         crypto.Signer
	NotBefore   time.Time
	NotAfter    time.Time
	KeyUsage    x509.KeyUsage
	ExtKeyUsage []x509.ExtKeyUsage
	IsCA        bool
	// UnknownExtKeyUsage are extended key usages crypto/x509 has no name for
	// (e.g. document signing).
	UnknownExtKeyUsage []asn1.ObjectIdentifier
	Serial             int64 // 0: the issuer's next serial number
	// Attrs are Fabric CA attributes (e.g. qrsign.role=relay), written as
	// Fabric CA does: extension 1.2.3.4.5.6.7.8.1 holding {"attrs":{...}}.
	Attrs map[string]string
}

// OIDFabricAttrs is the extension Fabric CA puts enrollment attributes in.
var OIDFabricAttrs = asn1.ObjectIdentifier{1, 2, 3, 4, 5, 6, 7, 8, 1}

func attrsExtension(attrs map[string]string) []pkix.Extension {
	if len(attrs) == 0 {
		return nil
	}
	v, err := json.Marshal(struct {
		Attrs map[string]string `json:"attrs"`
	}{attrs})
	if err != nil {
		panic(err)
	}
	return []pkix.Extension{{Id: OIDFabricAttrs, Value: v}}
}

// Issue signs a certificate for l and returns it with its key.
func (ca *CA) Issue(l Leaf) (*x509.Certificate, crypto.Signer) {
	if l.Key == nil {
		l.Key = P256()
	}
	return ca.IssueFor(l, l.Key.Public()), l.Key
}

// IssueFor signs a certificate for l's fields and the public key pub (a CSR's,
// as a Fabric CA does); l.Key is ignored.
func (ca *CA) IssueFor(l Leaf, pub crypto.PublicKey) *x509.Certificate {
	if l.NotBefore.IsZero() {
		l.NotBefore = ca.Cert.NotBefore
	}
	if l.NotAfter.IsZero() {
		l.NotAfter = ca.Cert.NotAfter
	}
	if l.Serial == 0 {
		ca.serial++
		l.Serial = ca.serial
	}
	return create(template(l), ca.Cert, pub, ca.Key)
}

// SelfSigned makes a certificate for l signed by its own key (a fresh P-256
// key when l.Key is nil). There is no issuer to inherit a window from:
// l.NotBefore and l.NotAfter are required.
func SelfSigned(l Leaf) (*x509.Certificate, crypto.Signer) {
	if l.NotBefore.IsZero() || l.NotAfter.IsZero() {
		panic("testpki: a self-signed certificate needs its validity window")
	}
	if l.Key == nil {
		l.Key = P256()
	}
	if l.Serial == 0 {
		l.Serial = 1
	}
	tmpl := template(l)
	return create(tmpl, tmpl, l.Key.Public(), l.Key), l.Key
}

// template is the certificate l describes (defaults: OU client,
// digitalSignature, plus certSign and CRLSign for a CA).
func template(l Leaf) *x509.Certificate {
	if l.OUs == nil {
		l.OUs = []string{"client"}
	}
	if l.KeyUsage == 0 {
		l.KeyUsage = x509.KeyUsageDigitalSignature
		if l.IsCA {
			l.KeyUsage |= x509.KeyUsageCertSign | x509.KeyUsageCRLSign
		}
	}
	return &x509.Certificate{
		SerialNumber: big.NewInt(l.Serial), Subject: pkix.Name{CommonName: l.CN, OrganizationalUnit: l.OUs},
		NotBefore: l.NotBefore, NotAfter: l.NotAfter, KeyUsage: l.KeyUsage, ExtKeyUsage: l.ExtKeyUsage,
		UnknownExtKeyUsage: l.UnknownExtKeyUsage, BasicConstraintsValid: true, IsCA: l.IsCA,
		ExtraExtensions: attrsExtension(l.Attrs),
	}
}

func create(tmpl, parent *x509.Certificate, pub crypto.PublicKey, priv crypto.Signer) *x509.Certificate {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, priv)
	if err != nil {
		panic(err)
	}
	return mustKey(x509.ParseCertificate(der))
}

// Signer is a P-256 client identity, the shape a Fabric CA enrolls.
type Signer struct {
	Cert    *x509.Certificate
	Key     *ecdsa.PrivateKey
	CertPEM string
}

// Signer issues a P-256 client certificate with common name cn, valid for the
// CA's window.
func (ca *CA) Signer(cn string) *Signer {
	key := P256()
	cert, _ := ca.Issue(Leaf{CN: cn, Key: key})
	return &Signer{Cert: cert, Key: key, CertPEM: PEM(cert)}
}

// Intermediate issues a CA certificate under ca.
func (ca *CA) Intermediate(cn string) *CA {
	return ca.IntermediateWith(Leaf{CN: cn, OUs: []string{}})
}

// IntermediateWith issues a CA certificate under ca as l describes (IsCA is set).
func (ca *CA) IntermediateWith(l Leaf) *CA {
	l.IsCA = true
	c, k := ca.Issue(l)
	return &CA{Cert: c, Key: k, serial: 1}
}

// CRL makes a PEM CRL signed by ca. number 0 means no CRL number extension
// (as Fabric CA's gencrl writes).
func (ca *CA) CRL(number int64, thisUpdate time.Time, revoked ...*big.Int) string {
	tmpl := &x509.RevocationList{ThisUpdate: thisUpdate, NextUpdate: thisUpdate.Add(7 * 24 * time.Hour)}
	if number > 0 {
		tmpl.Number = big.NewInt(number)
	}
	for _, s := range revoked {
		tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries,
			x509.RevocationListEntry{SerialNumber: s, RevocationTime: thisUpdate})
	}
	var der []byte
	var err error
	if number > 0 {
		der, err = x509.CreateRevocationList(rand.Reader, tmpl, ca.Cert, ca.Key)
	} else {
		der, err = createNumberlessCRL(tmpl, ca)
	}
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}))
}

// createNumberlessCRL uses the old x509 API, which writes no CRL number: the
// shape of Fabric CA's CRLs.
func createNumberlessCRL(tmpl *x509.RevocationList, ca *CA) ([]byte, error) {
	var rc []pkix.RevokedCertificate
	for _, e := range tmpl.RevokedCertificateEntries {
		rc = append(rc, pkix.RevokedCertificate{SerialNumber: e.SerialNumber, RevocationTime: e.RevocationTime})
	}
	return ca.Cert.CreateCRL(rand.Reader, ca.Key, rc, tmpl.ThisUpdate, tmpl.NextUpdate) //nolint:staticcheck // Fabric CA's shape
}

// CRLWith makes a PEM CRL from tmpl as given (numbered or not, any
// nextUpdate), signed by ca with crypto/x509's current API.
func (ca *CA) CRLWith(tmpl x509.RevocationList) string {
	der, err := x509.CreateRevocationList(rand.Reader, &tmpl, ca.Cert, ca.Key)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}))
}

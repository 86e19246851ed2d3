package cluster

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/qrsign/qrsign/network/config"
)

var (
	oidExtKeyUsage  = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidTimeStamping = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
)

// relayTSA issues, once, the relay's time-stamping certificate (issue 13)
// with the key the org's Fabric CA signs with: extended key usage
// timeStamping alone and critical (RFC 3161 2.3), which a Fabric CA enrolment
// does not write. It returns the PEM files (certificate then the CA's, key);
// empty when the org has no CA key here (a joining org keeps its own).
func (n *Net) relayTSA(g *config.Org) (certFile, keyFile string, err error) {
	certFile, keyFile = filepath.Join(n.relayData(g), "tsa.pem"), filepath.Join(n.relayData(g), "tsa.key")
	if exists(certFile) && exists(keyFile) {
		return certFile, keyFile, nil
	}
	ca, err := readCert(n.orgCACert(g))
	if errors.Is(err, os.ErrNotExist) {
		return "", "", nil
	}
	if err != nil {
		return "", "", err
	}
	eku, _ := asn1.Marshal([]asn1.ObjectIdentifier{oidTimeStamping})
	der, key, err := n.issueFromOrgCA(g, &x509.Certificate{
		Subject:   pkix.Name{CommonName: "tsa." + g.Domain, Organization: ca.Subject.Organization, OrganizationalUnit: []string{"client"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: ca.NotAfter, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{{Id: oidExtKeyUsage, Critical: true, Value: eku}}})
	if err != nil {
		return "", "", err
	}
	certs := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw})...)
	if err := os.WriteFile(keyFile, key, 0o600); err != nil {
		return "", "", err
	}
	return certFile, keyFile, os.WriteFile(certFile, certs, 0o644)
}

// issueFromOrgCA issues tmpl (its serial drawn here) for a new P-256 key
// with g's MSP CA: the certificate's DER and the key as PKCS#8 PEM.
func (n *Net) issueFromOrgCA(g *config.Org, tmpl *x509.Certificate) (der, keyPEM []byte, err error) {
	ca, err := readCert(n.orgCACert(g))
	if err != nil {
		return nil, nil, err
	}
	caKey, err := readKey(n.orgCAKey(g))
	if err != nil {
		return nil, nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	if tmpl.SerialNumber, err = rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127)); err != nil {
		return nil, nil, err
	}
	if der, err = x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey); err != nil {
		return nil, nil, err
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return der, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), nil
}

// readKey reads a PKCS#8 PEM signing key (cryptogen's priv_sk).
func readKey(file string) (crypto.Signer, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("%s: no PEM key", file)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%s: not a signing key", file)
	}
	return s, nil
}

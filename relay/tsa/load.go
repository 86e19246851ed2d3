package tsa

import (
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"time"
)

// Policy is the TSA policy qrsign's authorities state (a private arc; RFC
// 3161 needs one, the validators only compare it with what was asked).
var Policy = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1, 1}

// Load makes an Authority from a PEM certificate file (the TSA certificate
// first, then its issuers) and a PEM key file (PKCS#8 or SEC 1), with Policy.
func Load(certFile, keyFile string, now func() time.Time) (*Authority, error) {
	b, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("tsa: %w", err)
	}
	var chain []*x509.Certificate
	for blk, rest := pem.Decode(b); blk != nil; blk, rest = pem.Decode(rest) {
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("tsa: %s: %w", certFile, err)
		}
		chain = append(chain, c)
	}
	if len(chain) == 0 {
		return nil, fmt.Errorf("tsa: %s holds no certificate", certFile)
	}
	kb, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("tsa: %w", err)
	}
	blk, _ := pem.Decode(kb)
	if blk == nil {
		return nil, fmt.Errorf("tsa: %s is not PEM", keyFile)
	}
	var key any
	if key, err = x509.ParsePKCS8PrivateKey(blk.Bytes); err != nil {
		if key, err = x509.ParseECPrivateKey(blk.Bytes); err != nil {
			return nil, fmt.Errorf("tsa: %s: not a PKCS#8 or SEC 1 key", keyFile)
		}
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, errors.New("tsa: the key cannot sign")
	}
	return New(chain, signer, Policy, now)
}

// ClientOf is a client of a that trusts a's own root (the last certificate
// of its chain), for the relay that runs a to stamp with it over url.
func ClientOf(a *Authority, url string) *Client {
	roots := x509.NewCertPool()
	roots.AddCert(a.Chain[len(a.Chain)-1])
	inter := x509.NewCertPool()
	for _, c := range a.Chain[1:] {
		inter.AddCert(c)
	}
	return &Client{URL: url, Verify: x509.VerifyOptions{Roots: roots, Intermediates: inter}}
}

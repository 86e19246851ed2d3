package contract

import (
	"crypto/x509"
	"encoding/pem"
	"sync"

	"github.com/qrsign/qrsign/chaincode/certchain"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
)

// The certificate checks themselves (leaf use, validity, path building,
// revocation links) live in chaincode/certchain, which the relay runs too;
// this file turns ledger values into its anchors.

// parsedCAs caches registered CA certificates by fingerprint. It is a cache
// of a pure function of the ledger value (the fingerprint is the DER's hash),
// so it cannot make endorsements differ.
var parsedCAs sync.Map

// parseCA parses a registered signer CA and checks it matches its fingerprint.
func parseCA(info model.SignerCA) (certchain.Anchor, error) {
	if c, ok := parsedCAs.Load(info.Fingerprint); ok {
		return certchain.Anchor{Fingerprint: info.Fingerprint, Cert: c.(*x509.Certificate)}, nil
	}
	b, _ := pem.Decode([]byte(info.CertPEM))
	if b == nil {
		return certchain.Anchor{}, internal("stored CA %s is not PEM", info.Fingerprint)
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil || payload.Fingerprint(c.Raw) != info.Fingerprint {
		return certchain.Anchor{}, internal("stored CA %s does not parse or match its fingerprint", info.Fingerprint)
	}
	parsedCAs.Store(info.Fingerprint, c)
	return certchain.Anchor{Fingerprint: info.Fingerprint, Cert: c}, nil
}

// clip keeps error messages short when echoing hostile input.
func clip(s string) string { return certchain.Clip(s) }

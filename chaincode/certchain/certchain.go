// Package certchain parses and checks the PEM certificate chains signers
// submit: strict parsing, leaf use, validity, path building to the org's
// registered CAs and the links revocation must cover. The chaincode and the
// relay share it so that both refuse exactly the same input with the same
// codes; it depends on nothing but the model and the payload fingerprint.
package certchain

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"

	"github.com/qrsign/qrsign/chaincode/model"
)

// MaxCerts bounds the certificates in a submitted chain (leaf + intermediates).
const MaxCerts = 4

// Parse parses a PEM certificate chain strictly: one or more CERTIFICATE
// blocks without headers, separated by nothing but whitespace, leaf first.
func Parse(text string) ([]*x509.Certificate, error) {
	rest := []byte(text)
	var certs []*x509.Certificate
	for {
		rest = bytes.TrimLeft(rest, " \t\r\n")
		if len(rest) == 0 {
			break
		}
		if !bytes.HasPrefix(rest, []byte("-----BEGIN ")) {
			return nil, model.Errorf(model.CodeBadCertificate, "certChainPem holds data outside PEM blocks")
		}
		var b *pem.Block
		b, rest = pem.Decode(rest)
		switch {
		case b == nil:
			return nil, model.Errorf(model.CodeBadCertificate, "certChainPem: malformed PEM block")
		case b.Type != "CERTIFICATE":
			return nil, model.Errorf(model.CodeBadCertificate, "certChainPem: block %d is %q, only CERTIFICATE is allowed", len(certs), clipType(b.Type))
		case len(b.Headers) != 0:
			return nil, model.Errorf(model.CodeBadCertificate, "certChainPem: block %d has PEM headers", len(certs))
		case len(certs) == MaxCerts:
			return nil, model.Errorf(model.CodeBadCertificate, "certChainPem: more than %d certificates", MaxCerts)
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, model.Errorf(model.CodeBadCertificate, "certChainPem: certificate %d: %v", len(certs), err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, model.Errorf(model.CodeBadCertificate, "certChainPem holds no certificate")
	}
	return certs, nil
}

// clipType keeps an error message short when a block type is hostile.
func clipType(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

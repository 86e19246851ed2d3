package service

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/problem"
)

// maxChainCerts matches the chaincode's bound (contract.MaxChainCerts).
const maxChainCerts = 4

// parseChain parses a PEM chain, leaf first, as strictly as the chaincode's
// contract.ParseChain (which the relay cannot import without pulling
// contractapi into its binary): only CERTIFICATE blocks without headers,
// nothing but whitespace between them, at most four.
func parseChain(text string) ([]*x509.Certificate, error) {
	if text == "" || len(text) > model.MaxChainPEMLen {
		return nil, problem.Newf(model.CodeInvalidField, "certChainPem must be 1..%d bytes", model.MaxChainPEMLen)
	}
	rest := []byte(text)
	var certs []*x509.Certificate
	for {
		rest = bytes.TrimLeft(rest, " \t\r\n")
		if len(rest) == 0 {
			break
		}
		if !bytes.HasPrefix(rest, []byte("-----BEGIN ")) {
			return nil, problem.New(model.CodeBadCertificate, "certChainPem holds data outside PEM blocks")
		}
		var b *pem.Block
		b, rest = pem.Decode(rest)
		switch {
		case b == nil:
			return nil, problem.New(model.CodeBadCertificate, "certChainPem: malformed PEM block")
		case b.Type != "CERTIFICATE":
			return nil, problem.Newf(model.CodeBadCertificate, "certChainPem: block %d is %q, only CERTIFICATE is allowed", len(certs), clip(b.Type))
		case len(b.Headers) != 0:
			return nil, problem.Newf(model.CodeBadCertificate, "certChainPem: block %d has PEM headers", len(certs))
		case len(certs) == maxChainCerts:
			return nil, problem.Newf(model.CodeBadCertificate, "certChainPem: more than %d certificates", maxChainCerts)
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, problem.Newf(model.CodeBadCertificate, "certChainPem: certificate %d does not parse", len(certs))
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, problem.New(model.CodeBadCertificate, "certChainPem holds no certificate")
	}
	return certs, nil
}

// checkOrg refuses a chain that does not lead to one of the signer CAs
// registered on the ledger for mspID (422 UNTRUSTED_CHAIN, the code the
// chaincode gives for the same chain): a certificate with the right CN from
// another org's CA never reaches the ledger. Validity
// periods and revocation stay the chaincode's checks (at the transaction's
// time), so the path is built at a time inside the leaf's validity.
func (s *Service) checkOrg(ctx context.Context, mspID string, chain []*x509.Certificate) error {
	trust, err := s.Ledger.GetOrgTrust(ctx, mspID)
	if err != nil {
		return fromLedger(err)
	}
	roots := x509.NewCertPool()
	n := 0
	for _, ca := range trust.CAs {
		if b, _ := pem.Decode([]byte(ca.CertPEM)); b != nil {
			if c, err := x509.ParseCertificate(b.Bytes); err == nil {
				roots.AddCert(c)
				n++
			}
		}
	}
	if n == 0 {
		return problem.Newf(model.CodeUntrustedChain, "%s has no signer CA registered on the ledger", mspID)
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	leaf := chain[0]
	_, err = leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: leaf.NotBefore,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil {
		return problem.Newf(model.CodeUntrustedChain, "the certificate of %q is not issued by a signer CA of %s, the org this session is for",
			clip(leaf.Subject.CommonName), mspID).WithCause(err)
	}
	return nil
}

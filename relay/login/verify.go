package login

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"sort"
	"time"

	"github.com/qrsign/qrsign/chaincode/certchain"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
)

// Trust reads an org's signer CAs and CRLs from the ledger (ledger.Ledger has it).
type Trust interface {
	GetOrgTrust(ctx context.Context, mspID string) (*model.OrgTrust, error)
}

// Proof is what a scanner sends to sign in.
type Proof struct {
	MSPID        string
	CertChainPEM string
	Signature    string // standard base64
	Algorithm    model.Algorithm
}

// verified is who a valid proof names.
type verified struct {
	leaf *x509.Certificate
}

// verifyProof checks p over the login payload f (SignerFingerprint is filled
// here) against trust at now, in the chaincode's order (RecordSignature):
// chain parse, leaf use, validity, chain to a registered CA, signature,
// revocation. Errors are *model.Error with the chaincode's codes.
func verifyProof(now time.Time, trust *model.OrgTrust, p Proof, f payload.Fields) (verified, error) {
	if p.CertChainPEM == "" || len(p.CertChainPEM) > model.MaxChainPEMLen {
		return verified{}, model.Errorf(model.CodeInvalidField, "certChainPem must be 1..%d bytes", model.MaxChainPEMLen)
	}
	chain, err := certchain.Parse(p.CertChainPEM)
	if err != nil {
		return verified{}, err
	}
	leaf := chain[0]
	if err := checkLeaf(leaf); err != nil {
		return verified{}, err
	}
	if err := checkValidity(now, chain...); err != nil {
		return verified{}, err
	}
	links, err := verifyChain(now, chain, trust)
	if err != nil {
		return verified{}, err
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(p.Signature)
	if err != nil || len(p.Signature) == 0 {
		return verified{}, model.Errorf(model.CodeBadSignature, "signature is not standard base64")
	}
	f.SignerFingerprint = payload.Fingerprint(leaf.Raw)
	msg, err := payload.Build(f)
	if err != nil {
		return verified{}, model.Errorf(model.CodeInvalidField, "%v", err)
	}
	if err := sigalg.Verify(p.Algorithm, leaf.PublicKey, msg, sig); err != nil {
		return verified{}, err
	}
	if err := checkRevocation(trust, links); err != nil {
		return verified{}, err
	}
	return verified{leaf: leaf}, nil
}

// oidDocumentSigning is Microsoft's document-signing extended key usage.
var oidDocumentSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 10, 3, 12}

// checkLeaf is contract.CheckLeaf (kept in step by TestCheckLeafMatchesChaincode).
func checkLeaf(leaf *x509.Certificate) error {
	switch k := leaf.PublicKey.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return model.Errorf(model.CodeBadCertificate, "signer key is ECDSA %s; only P-256 is accepted", k.Curve.Params().Name)
		}
	case ed25519.PublicKey:
	default:
		return model.Errorf(model.CodeBadCertificate, "signer key is %s; only ECDSA P-256 and Ed25519 are accepted", leaf.PublicKeyAlgorithm)
	}
	if leaf.BasicConstraintsValid && leaf.IsCA {
		return model.Errorf(model.CodeBadCertificate, "signer certificate is a CA certificate")
	}
	if leaf.KeyUsage != 0 && leaf.KeyUsage&x509.KeyUsageDigitalSignature == 0 {
		return model.Errorf(model.CodeBadCertificate, "signer certificate key usage does not allow digitalSignature")
	}
	if len(leaf.ExtKeyUsage) == 0 && len(leaf.UnknownExtKeyUsage) == 0 {
		return nil
	}
	for _, u := range leaf.ExtKeyUsage {
		switch u {
		case x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageEmailProtection, x509.ExtKeyUsageAny:
			return nil
		}
	}
	for _, u := range leaf.UnknownExtKeyUsage {
		if u.Equal(oidDocumentSigning) {
			return nil
		}
	}
	return model.Errorf(model.CodeBadCertificate, "signer certificate extended key usage allows none of clientAuth, emailProtection, documentSigning, any")
}

// checkValidity fails with CERT_EXPIRED unless every certificate is valid at now.
func checkValidity(now time.Time, certs ...*x509.Certificate) error {
	for i, c := range certs {
		if now.Before(c.NotBefore) || now.After(c.NotAfter) {
			return model.Errorf(model.CodeCertExpired, "certificate %d (%s) is valid %s..%s, not now (%s)",
				i, clip(c.Subject.CommonName), c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339),
				now.UTC().Format(time.RFC3339))
		}
	}
	return nil
}

// link is a certificate issued by a registered CA: its serial must not be on
// that CA's CRL.
type link struct {
	caFP, serial, subject string
}

// verifyChain verifies chain to the org's registered CAs valid at now and
// returns every link of every verified path whose issuer is a registered
// CA, so no choice of path can skip a CRL (as the chaincode does).
func verifyChain(now time.Time, chain []*x509.Certificate, trust *model.OrgTrust) ([]link, error) {
	roots := x509.NewCertPool()
	byRaw := map[string]string{} // DER → fingerprint
	expired := 0
	for _, ca := range trust.CAs {
		b, _ := pem.Decode([]byte(ca.CertPEM))
		if b == nil {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			continue
		}
		if checkValidity(now, c) != nil {
			expired++
			continue
		}
		roots.AddCert(c)
		byRaw[string(c.Raw)] = payload.Fingerprint(c.Raw)
	}
	if len(byRaw) == 0 {
		if expired > 0 {
			return nil, model.Errorf(model.CodeCertExpired, "every signer CA of %s is outside its validity period now", trust.MSPID)
		}
		return nil, model.Errorf(model.CodeUntrustedChain, "%s has registered no signer CA", trust.MSPID)
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	paths, err := chain[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil {
		return nil, model.Errorf(model.CodeUntrustedChain, "chain does not verify to a signer CA registered by %s: %v", trust.MSPID, err)
	}
	seen := map[link]bool{}
	var links []link
	for _, p := range paths {
		for i := 0; i+1 < len(p); i++ {
			fp, ok := byRaw[string(p[i+1].Raw)]
			if !ok {
				continue
			}
			l := link{caFP: fp, serial: p[i].SerialNumber.Text(16), subject: p[i].Subject.CommonName}
			if !seen[l] {
				seen[l] = true
				links = append(links, l)
			}
		}
	}
	return links, nil
}

// checkRevocation refuses a link listed by the latest CRL its CA's org
// published on the ledger.
func checkRevocation(trust *model.OrgTrust, links []link) error {
	for _, l := range links {
		for _, crl := range trust.CRLs {
			if crl.CAFingerprint != l.caFP {
				continue
			}
			i := sort.SearchStrings(crl.RevokedSerials, l.serial)
			if i < len(crl.RevokedSerials) && crl.RevokedSerials[i] == l.serial {
				return model.Errorf(model.CodeCertRevoked, "certificate serial %s (%s) is on CRL %s of %s",
					l.serial, clip(l.subject), crl.Number, trust.MSPID)
			}
		}
	}
	return nil
}

// clip keeps error messages short when echoing hostile input.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

package contract

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
)

// oidDocumentSigning is Microsoft's document-signing extended key usage, which
// some CAs issue for signing keys.
var oidDocumentSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 10, 3, 12}

// CheckLeaf checks what the signer's certificate may be used for: an
// end-entity ECDSA P-256 or Ed25519 key; KeyUsage (when present) must allow
// digitalSignature; ExtKeyUsage (when present) must include clientAuth,
// emailProtection, document signing or any.
func CheckLeaf(leaf *x509.Certificate) error {
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

// CheckValidity fails with CERT_EXPIRED unless every certificate is valid at now.
func CheckValidity(now time.Time, certs ...*x509.Certificate) error {
	for i, c := range certs {
		if now.Before(c.NotBefore) || now.After(c.NotAfter) {
			return model.Errorf(model.CodeCertExpired, "certificate %d (%s) is valid %s..%s, not at the transaction time %s",
				i, clip(c.Subject.CommonName), c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339),
				now.UTC().Format(time.RFC3339Nano))
		}
	}
	return nil
}

// trustedCA is a registered signer CA, parsed.
type trustedCA struct {
	info model.SignerCA
	cert *x509.Certificate
}

// crlLink is one certificate whose issuer is a registered CA: the serial the
// CRL published for that CA must not list.
type crlLink struct {
	caFP    string // fingerprint of the issuing registered CA
	serial  string // lowercase hex serial of the certificate it issued
	subject string
}

// chainVerdict is what a verified chain yields: the anchor of the chosen path
// (the shortest; ties broken by the path's fingerprints) and every link of
// every verified path whose issuer is a registered CA, so no choice of path
// can skip a CRL (a leaf revoked by a registered intermediate stays revoked
// when the chain also verifies to the root above it).
type chainVerdict struct {
	anchor trustedCA
	links  []crlLink
}

// validCAs keeps the CAs valid at now; when none is, err says why.
func validCAs(now time.Time, cas []trustedCA) ([]trustedCA, error) {
	if len(cas) == 0 {
		return nil, model.Errorf(model.CodeUntrustedChain, "the org has registered no signer CA")
	}
	var valid []trustedCA
	var expired error
	for _, ca := range cas {
		if err := CheckValidity(now, ca.cert); err != nil {
			if expired == nil {
				expired = model.Errorf(model.CodeCertExpired, "signer CA %s is valid %s..%s, not at the transaction time",
					ca.info.Fingerprint[:16], ca.cert.NotBefore.UTC().Format(time.RFC3339), ca.cert.NotAfter.UTC().Format(time.RFC3339))
			}
			continue
		}
		valid = append(valid, ca)
	}
	if len(valid) == 0 {
		return nil, expired
	}
	return valid, nil
}

// verifyChain verifies chain (leaf first) up to one of cas (the CAs valid at
// now, see validCAs) at time now.
func verifyChain(now time.Time, chain []*x509.Certificate, cas []trustedCA) (chainVerdict, error) {
	if len(cas) == 0 {
		return chainVerdict{}, model.Errorf(model.CodeUntrustedChain, "the org has registered no signer CA")
	}
	byRaw := make(map[string]trustedCA, len(cas))
	roots := x509.NewCertPool()
	for _, ca := range cas {
		roots.AddCert(ca.cert)
		byRaw[string(ca.cert.Raw)] = ca
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	paths, err := chain[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil {
		return chainVerdict{}, model.Errorf(model.CodeUntrustedChain, "chain does not verify to a CA registered by the signer's org: %v", err)
	}
	// Deterministic order: shortest first, then by the fingerprints along the path.
	type scored struct {
		path []*x509.Certificate
		key  string
	}
	var ps []scored
	for _, p := range paths {
		if _, ok := byRaw[string(p[len(p)-1].Raw)]; !ok {
			continue
		}
		var k strings.Builder
		for i := len(p) - 1; i >= 0; i-- {
			k.WriteString(payload.Fingerprint(p[i].Raw))
		}
		ps = append(ps, scored{p, k.String()})
	}
	if len(ps) == 0 {
		return chainVerdict{}, model.Errorf(model.CodeUntrustedChain, "chain verified to an unregistered anchor")
	}
	sort.Slice(ps, func(i, j int) bool {
		if len(ps[i].path) != len(ps[j].path) {
			return len(ps[i].path) < len(ps[j].path)
		}
		return ps[i].key < ps[j].key
	})
	v := chainVerdict{anchor: byRaw[string(ps[0].path[len(ps[0].path)-1].Raw)]}
	seen := map[crlLink]bool{}
	for _, s := range ps {
		for i := 0; i+1 < len(s.path); i++ {
			ca, ok := byRaw[string(s.path[i+1].Raw)]
			if !ok {
				continue
			}
			l := crlLink{caFP: ca.info.Fingerprint, serial: serialHex(s.path[i]), subject: s.path[i].Subject.CommonName}
			if !seen[l] {
				seen[l] = true
				v.links = append(v.links, l)
			}
		}
	}
	return v, nil
}

// parsedCAs caches registered CA certificates by fingerprint. It is a cache
// of a pure function of the ledger value (the fingerprint is the DER's hash),
// so it cannot make endorsements differ.
var parsedCAs sync.Map

func parseCA(info model.SignerCA) (trustedCA, error) {
	if c, ok := parsedCAs.Load(info.Fingerprint); ok {
		return trustedCA{info: info, cert: c.(*x509.Certificate)}, nil
	}
	b, _ := pem.Decode([]byte(info.CertPEM))
	if b == nil {
		return trustedCA{}, internal("stored CA %s is not PEM", info.Fingerprint)
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil || payload.Fingerprint(c.Raw) != info.Fingerprint {
		return trustedCA{}, internal("stored CA %s does not parse or match its fingerprint", info.Fingerprint)
	}
	parsedCAs.Store(info.Fingerprint, c)
	return trustedCA{info: info, cert: c}, nil
}

// serialHex is how serials are written on the ledger: lowercase hex.
func serialHex(c *x509.Certificate) string { return c.SerialNumber.Text(16) }

func isRevoked(crl *model.CRLInfo, serial string) bool {
	if crl == nil {
		return false
	}
	i := sort.SearchStrings(crl.RevokedSerials, serial)
	return i < len(crl.RevokedSerials) && crl.RevokedSerials[i] == serial
}

// clip keeps error messages short when echoing hostile input.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

package certchain

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
)

// The checks below are pure functions of their arguments (no clock, no
// state, deterministic path choice), so the chaincode can run them in
// endorsement and the relay can run the very same code before it submits
// or when it signs a desktop in.

// Document-signing extended key usages: Microsoft's, which some CAs issue
// for signing keys, and RFC 9336's id-kp-documentSigning.
var (
	oidMSDocumentSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 10, 3, 12}
	oidDocumentSigning   = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36}
)

// uses is a set of the extended key usages that count as signing documents.
type uses uint8

const (
	useClientAuth uses = 1 << iota
	useEmailProtection
	useMSDocumentSigning
	useDocumentSigning
	anySigningUse = useClientAuth | useEmailProtection | useMSDocumentSigning | useDocumentSigning
)

// signingUses is what c's extended key usage allows of signing: every use
// when it has none or anyExtendedKeyUsage (RFC 5280 §4.2.1.12), else the
// signing ones it lists (clientAuth: Fabric and TLS-client identities;
// emailProtection: S/MIME signing keys; the two document-signing OIDs).
func signingUses(c *x509.Certificate) uses {
	if len(c.ExtKeyUsage) == 0 && len(c.UnknownExtKeyUsage) == 0 {
		return anySigningUse
	}
	var u uses
	for _, e := range c.ExtKeyUsage {
		switch e {
		case x509.ExtKeyUsageAny:
			return anySigningUse
		case x509.ExtKeyUsageClientAuth:
			u |= useClientAuth
		case x509.ExtKeyUsageEmailProtection:
			u |= useEmailProtection
		}
	}
	for _, o := range c.UnknownExtKeyUsage {
		switch {
		case o.Equal(oidMSDocumentSigning):
			u |= useMSDocumentSigning
		case o.Equal(oidDocumentSigning):
			u |= useDocumentSigning
		}
	}
	return u
}

// CheckLeaf checks what the signer's certificate may be used for: an
// end-entity ECDSA P-256 or Ed25519 key; KeyUsage (when present) must allow
// digitalSignature; ExtKeyUsage (when present) must include a signing use
// (signingUses). Verify applies the same uses to every CA above the leaf.
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
	if signingUses(leaf) == 0 {
		return model.Errorf(model.CodeBadCertificate, "signer certificate extended key usage allows none of clientAuth, emailProtection, documentSigning, any")
	}
	return nil
}

// CheckValidity fails with CERT_EXPIRED unless every certificate is valid at.
func CheckValidity(at time.Time, certs ...*x509.Certificate) error {
	for i, c := range certs {
		if at.Before(c.NotBefore) || at.After(c.NotAfter) {
			return model.Errorf(model.CodeCertExpired, "certificate %d (%s) is valid %s..%s, not at %s",
				i, Clip(c.Subject.CommonName), c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339),
				at.UTC().Format(time.RFC3339Nano))
		}
	}
	return nil
}

// Anchor is a signer CA an org registered on the ledger: its certificate
// and the fingerprint it is registered under.
type Anchor struct {
	Fingerprint string // SHA-256 hex of Cert.Raw
	Cert        *x509.Certificate
}

// Anchors parses the signer CAs an org registered (model.OrgTrust.CAs), as
// clients of the ledger read them; a certificate that does not parse anchors
// nothing.
func Anchors(cas []model.SignerCA) []Anchor {
	var out []Anchor
	for _, ca := range cas {
		b, _ := pem.Decode([]byte(ca.CertPEM))
		if b == nil {
			continue
		}
		if c, err := x509.ParseCertificate(b.Bytes); err == nil {
			out = append(out, NewAnchor(c))
		}
	}
	return out
}

// NewAnchor makes the anchor of a CA certificate.
func NewAnchor(c *x509.Certificate) Anchor {
	return Anchor{Fingerprint: payload.Fingerprint(c.Raw), Cert: c}
}

// Link is one certificate of a verified path whose issuer is an anchor: the
// serial that anchor's CRL must not list.
type Link struct {
	CAFingerprint string // the issuing anchor
	Serial        string // lowercase hex, as the ledger writes serials
	Subject       string // common name, for messages
}

// Verdict is what a verified chain yields: the anchor of the chosen path
// (the shortest; ties broken by the path's fingerprints) and every link of
// every verified path whose issuer is an anchor, so no choice of path can
// skip a CRL (a leaf revoked by a registered intermediate stays revoked when
// the chain also verifies to the root above it).
type Verdict struct {
	Anchor Anchor
	Links  []Link
	Paths  [][]*x509.Certificate // every accepted path, leaf first, the chosen one first
}

// ValidAnchors keeps the anchors valid at; when none is, the error says why.
func ValidAnchors(at time.Time, anchors []Anchor) ([]Anchor, error) {
	if len(anchors) == 0 {
		return nil, model.Errorf(model.CodeUntrustedChain, "the org has registered no signer CA")
	}
	var valid []Anchor
	var expired error
	for _, a := range anchors {
		if CheckValidity(at, a.Cert) != nil {
			if expired == nil {
				expired = model.Errorf(model.CodeCertExpired, "signer CA %s is valid %s..%s, not at %s",
					a.Fingerprint[:16], a.Cert.NotBefore.UTC().Format(time.RFC3339), a.Cert.NotAfter.UTC().Format(time.RFC3339),
					at.UTC().Format(time.RFC3339Nano))
			}
			continue
		}
		valid = append(valid, a)
	}
	if len(valid) == 0 {
		return nil, expired
	}
	return valid, nil
}

// Verify verifies chain (leaf first) up to one of anchors (those valid at,
// see ValidAnchors) at time at.
func Verify(at time.Time, chain []*x509.Certificate, anchors []Anchor) (Verdict, error) {
	if len(anchors) == 0 {
		return Verdict{}, model.Errorf(model.CodeUntrustedChain, "the org has registered no signer CA")
	}
	byRaw := make(map[string]Anchor, len(anchors))
	roots := x509.NewCertPool()
	for _, a := range anchors {
		roots.AddCert(a.Cert)
		byRaw[string(a.Cert.Raw)] = a
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	// A registered CA issued by another registered CA is also an
	// intermediate: the path through it, and so its CRL link (a root that
	// revoked it), is built even when the signer leaves it out of the chain.
	for _, a := range anchors {
		inter.AddCert(a.Cert)
	}
	paths, err := chain[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil {
		return Verdict{}, model.Errorf(model.CodeUntrustedChain, "chain does not verify to a CA registered by the signer's org: %v", err)
	}
	// Deterministic order: shortest first, then by the fingerprints along the path.
	type scored struct {
		path []*x509.Certificate
		key  string
	}
	var ps []scored
	var usageErr error
	for _, p := range paths {
		if _, ok := byRaw[string(p[len(p)-1].Raw)]; !ok {
			continue
		}
		if err := checkPathUses(p); err != nil {
			usageErr = err
			continue
		}
		var k strings.Builder
		for i := len(p) - 1; i >= 0; i-- {
			k.WriteString(payload.Fingerprint(p[i].Raw))
		}
		ps = append(ps, scored{p, k.String()})
	}
	if len(ps) == 0 && usageErr != nil {
		return Verdict{}, usageErr
	}
	if len(ps) == 0 {
		return Verdict{}, model.Errorf(model.CodeUntrustedChain, "chain verified to an unregistered anchor")
	}
	sort.Slice(ps, func(i, j int) bool {
		if len(ps[i].path) != len(ps[j].path) {
			return len(ps[i].path) < len(ps[j].path)
		}
		return ps[i].key < ps[j].key
	})
	v := Verdict{Anchor: byRaw[string(ps[0].path[len(ps[0].path)-1].Raw)]}
	seen := map[Link]bool{}
	for _, s := range ps {
		v.Paths = append(v.Paths, s.path)
		for i := 0; i+1 < len(s.path); i++ {
			a, ok := byRaw[string(s.path[i+1].Raw)]
			if !ok {
				continue
			}
			l := Link{CAFingerprint: a.Fingerprint, Serial: SerialHex(s.path[i]), Subject: s.path[i].Subject.CommonName}
			if !seen[l] {
				seen[l] = true
				v.Links = append(v.Links, l)
			}
		}
	}
	return v, nil
}

// checkPathUses refuses a path on which no signing use is allowed by every
// certificate, the registered CA included: the extended key usage of a CA
// constrains what it certifies (as crypto/x509 and browsers read it), so a
// CA limited to serverAuth cannot issue signers, while a CA without the
// extension or with anyExtendedKeyUsage constrains nothing.
func checkPathUses(path []*x509.Certificate) error {
	u := anySigningUse
	for i := len(path) - 1; i >= 0; i-- {
		if u &= signingUses(path[i]); u != 0 {
			continue
		}
		if i == 0 {
			return model.Errorf(model.CodeUntrustedChain, "the signer certificate's extended key usage (%s) has no signing use its CAs allow",
				usageNames(path[0]))
		}
		return model.Errorf(model.CodeUntrustedChain, "CA %q limits the extended key usage of what it certifies to %s: it cannot issue signer certificates (clientAuth, emailProtection, documentSigning)",
			Clip(path[i].Subject.CommonName), usageNames(path[i]))
	}
	return nil
}

var usageName = map[x509.ExtKeyUsage]string{x509.ExtKeyUsageServerAuth: "serverAuth", x509.ExtKeyUsageClientAuth: "clientAuth",
	x509.ExtKeyUsageCodeSigning: "codeSigning", x509.ExtKeyUsageEmailProtection: "emailProtection",
	x509.ExtKeyUsageTimeStamping: "timeStamping", x509.ExtKeyUsageOCSPSigning: "OCSPSigning"}

// usageNames lists c's extended key usages for a message.
func usageNames(c *x509.Certificate) string {
	var s []string
	for _, e := range c.ExtKeyUsage {
		if n, ok := usageName[e]; ok {
			s = append(s, n)
		} else {
			s = append(s, fmt.Sprintf("usage %d", e))
		}
	}
	for _, o := range c.UnknownExtKeyUsage {
		s = append(s, o.String())
	}
	return strings.Join(s, ", ")
}

// SerialHex is how serials are written on the ledger: lowercase hex.
func SerialHex(c *x509.Certificate) string { return c.SerialNumber.Text(16) }

// Revoked reports whether a CRL's sorted serial list names serial.
func Revoked(crl *model.CRLInfo, serial string) bool {
	if crl == nil {
		return false
	}
	i := sort.SearchStrings(crl.RevokedSerials, serial)
	return i < len(crl.RevokedSerials) && crl.RevokedSerials[i] == serial
}

// Clip keeps error messages short when echoing hostile input.
func Clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

package evidence

import (
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/qrsign/qrsign/chaincode/certchain"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
)

// checkTrustEntries checks the bundle's CA certificates and CRLs: each
// chains to a given root (CAs) or is signed by such a CA (CRLs), each is
// named by some event, and every CA and CRL an event names is there; no
// signer certificate is on the CRL its signature froze.
func checkTrustEntries(r *Report, b *Bundle, events []model.Event, trust Trust) {
	type caRef struct{ msp, fp string }
	cas := map[caRef]*x509.Certificate{}
	firstUse := map[caRef]time.Time{}
	for _, e := range events {
		if ev := evidenceOf(e); ev != nil {
			k := caRef{ev.Signer.MSPID, ev.CAFingerprint}
			if _, ok := firstUse[k]; !ok {
				firstUse[k] = e.Timestamp
			}
		}
	}
	for i, c := range b.CAs {
		name := fmt.Sprintf("CA %d %s", i, c.MSPID)
		k := caRef{c.MSPID, c.Fingerprint}
		at, used := firstUse[k]
		if !used {
			r.add(name, fmt.Errorf("CA %s of %s is named by no event", c.Fingerprint, c.MSPID), "")
			continue
		}
		if _, dup := cas[k]; dup {
			r.add(name, fmt.Errorf("CA %s of %s is listed twice", c.Fingerprint, c.MSPID), "")
			continue
		}
		der, err := canonicalPEM(c.CertPEM, "CERTIFICATE")
		if err != nil {
			r.add(name, err, "")
			continue
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			r.add(name, err, "")
			continue
		}
		if fp := payload.Fingerprint(der); fp != c.Fingerprint {
			r.add(name, fmt.Errorf("certificate fingerprint %s, the bundle says %s", fp, c.Fingerprint), "")
			continue
		}
		root, err := chainTo(trust.Orgs, c.MSPID, cert, nil, at)
		if err != nil {
			r.add(name, err, "")
			continue
		}
		r.add(name, nil, fmt.Sprintf("%q (%.16s…) chains to the given root %q of %s", cert.Subject.CommonName, c.Fingerprint,
			root.Subject.CommonName, c.MSPID))
		cas[k] = cert
	}
	for k := range firstUse {
		if _, ok := cas[k]; !ok && !hasCA(b, k.msp, k.fp) {
			r.add("CA "+k.msp, fmt.Errorf("the events name CA %s of %s, which the bundle does not hold", k.fp, k.msp), "")
		}
	}

	type crlRef struct {
		msp, fp, number string
		thisUpdate      time.Time
	}
	crls := map[crlRef]*x509.RevocationList{}
	for i, c := range b.CRLs {
		name := fmt.Sprintf("CRL %d %s", i, c.MSPID)
		ca, ok := cas[caRef{c.MSPID, c.CAFingerprint}]
		if !ok {
			r.add(name, fmt.Errorf("its CA %s of %s is not a verified CA of the bundle", c.CAFingerprint, c.MSPID), "")
			continue
		}
		der, err := canonicalPEM(c.CRLPEM, "X509 CRL")
		if err != nil {
			r.add(name, err, "")
			continue
		}
		crl, err := certchain.ParseCRL(der, certchain.NewAnchor(ca))
		if err != nil {
			r.add(name, err, "")
			continue
		}
		num := ""
		if crl.Number != nil {
			num = crl.Number.String()
		}
		k := crlRef{c.MSPID, c.CAFingerprint, num, crl.ThisUpdate.UTC()}
		if _, dup := crls[k]; dup {
			r.add(name, errors.New("listed twice"), "")
			continue
		}
		crls[k] = crl
		r.add(name, nil, fmt.Sprintf("number %q, thisUpdate %s, %d revoked, signed by CA %.16s…", num,
			crl.ThisUpdate.UTC().Format(time.RFC3339), len(crl.RevokedCertificateEntries), c.CAFingerprint))
	}
	usedCRL := map[crlRef]bool{}
	for _, e := range events {
		ev := evidenceOf(e)
		if ev == nil || ev.CRLThisUpdate == nil {
			continue
		}
		name := fmt.Sprintf("event %d revocation", e.Seq)
		k := crlRef{ev.Signer.MSPID, ev.CAFingerprint, ev.CRLNumber, ev.CRLThisUpdate.UTC()}
		crl, ok := crls[k]
		if !ok {
			r.add(name, fmt.Errorf("the CRL it froze (number %q, thisUpdate %s, CA %.16s…) is not a verified CRL of the bundle",
				ev.CRLNumber, ev.CRLThisUpdate.UTC().Format(time.RFC3339), ev.CAFingerprint), "")
			continue
		}
		usedCRL[k] = true
		certs, err := certchain.Parse(ev.CertChainPEM)
		if err != nil {
			r.add(name, err, "")
			continue
		}
		checked, err := revokedLinks(e.Timestamp, certs, cas[caRef{ev.Signer.MSPID, ev.CAFingerprint}], crl)
		r.add(name, err, fmt.Sprintf("%s not on CRL %q (thisUpdate %s) of %s", checked, ev.CRLNumber,
			ev.CRLThisUpdate.UTC().Format(time.RFC3339), ev.Signer.MSPID))
	}
	for k := range crls {
		if !usedCRL[k] {
			r.add("CRL "+k.msp, fmt.Errorf("CRL %q (thisUpdate %s) is named by no event", k.number, k.thisUpdate.Format(time.RFC3339)), "")
		}
	}
}

func hasCA(b *Bundle, msp, fp string) bool {
	return slices.ContainsFunc(b.CAs, func(c CA) bool { return c.MSPID == msp && c.Fingerprint == fp })
}

// revokedLinks checks every link of the signer's chain that the frozen CA
// issued (certchain.Verify's Verdict.Links: the leaf, or an intermediate
// when the chain runs through one) against the CRL frozen for that CA, as
// the chaincode does; checking only the leaf would let a revoked
// intermediate pass.
func revokedLinks(at time.Time, chain []*x509.Certificate, ca *x509.Certificate, crl *x509.RevocationList) (string, error) {
	if ca == nil {
		return "", errors.New("the frozen CA is not a verified CA of the bundle")
	}
	v, err := certchain.Verify(at, chain, []certchain.Anchor{certchain.NewAnchor(ca)})
	if err != nil {
		return "", err
	}
	var serials []string
	for _, l := range v.Links {
		if slices.ContainsFunc(crl.RevokedCertificateEntries, func(x x509.RevocationListEntry) bool {
			return certchain.SerialHex(&x509.Certificate{SerialNumber: x.SerialNumber}) == l.Serial
		}) {
			return "", fmt.Errorf("certificate %q (serial %s) is on the CRL its signature froze", l.Subject, l.Serial)
		}
		serials = append(serials, l.Serial)
	}
	return "serial(s) " + strings.Join(serials, ", "), nil
}

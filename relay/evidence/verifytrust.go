package evidence

import (
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strconv"
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
		name := Check{Name: fmt.Sprintf("CA %d %s", i, c.MSPID), Code: CheckCA, Params: map[string]string{"i": strconv.Itoa(i), "msp": c.MSPID}}
		k := caRef{c.MSPID, c.Fingerprint}
		at, used := firstUse[k]
		if !used {
			r.add(name, fmt.Errorf("CA %s of %s is named by no event", c.Fingerprint, c.MSPID), finding{})
			continue
		}
		if _, dup := cas[k]; dup {
			r.add(name, fmt.Errorf("CA %s of %s is listed twice", c.Fingerprint, c.MSPID), finding{})
			continue
		}
		der, err := canonicalPEM(c.CertPEM, "CERTIFICATE")
		if err != nil {
			r.add(name, err, finding{})
			continue
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			r.add(name, err, finding{})
			continue
		}
		if fp := payload.Fingerprint(der); fp != c.Fingerprint {
			r.add(name, fmt.Errorf("certificate fingerprint %s, the bundle says %s", fp, c.Fingerprint), finding{})
			continue
		}
		root, err := chainTo(trust.Orgs, c.MSPID, cert, nil, at)
		if err != nil {
			r.add(name, err, finding{})
			continue
		}
		fp := fmt.Sprintf("%.16s", c.Fingerprint)
		r.add(name, nil, finding{fmt.Sprintf("%q (%s…) chains to the given root %q of %s", cert.Subject.CommonName, fp,
			root.Subject.CommonName, c.MSPID), map[string]string{"cn": cert.Subject.CommonName, "fp": fp, "root": root.Subject.CommonName}})
		cas[k] = cert
	}
	for k := range firstUse {
		if _, ok := cas[k]; !ok && !hasCA(b, k.msp, k.fp) {
			r.add(Check{Name: "CA " + k.msp, Code: CheckCA, Params: map[string]string{"msp": k.msp}},
				fmt.Errorf("the events name CA %s of %s, which the bundle does not hold", k.fp, k.msp), finding{})
		}
	}

	type crlRef struct {
		msp, fp, number string
		thisUpdate      time.Time
	}
	crls := map[crlRef]*x509.RevocationList{}
	for i, c := range b.CRLs {
		name := Check{Name: fmt.Sprintf("CRL %d %s", i, c.MSPID), Code: CheckCRL, Params: map[string]string{"i": strconv.Itoa(i), "msp": c.MSPID}}
		ca, ok := cas[caRef{c.MSPID, c.CAFingerprint}]
		if !ok {
			r.add(name, fmt.Errorf("its CA %s of %s is not a verified CA of the bundle", c.CAFingerprint, c.MSPID), finding{})
			continue
		}
		der, err := canonicalPEM(c.CRLPEM, "X509 CRL")
		if err != nil {
			r.add(name, err, finding{})
			continue
		}
		crl, err := certchain.ParseCRL(der, certchain.NewAnchor(ca))
		if err != nil {
			r.add(name, err, finding{})
			continue
		}
		num := ""
		if crl.Number != nil {
			num = crl.Number.String()
		}
		k := crlRef{c.MSPID, c.CAFingerprint, num, crl.ThisUpdate.UTC()}
		if _, dup := crls[k]; dup {
			r.add(name, errors.New("listed twice"), finding{})
			continue
		}
		crls[k] = crl
		caFP, at, revoked := fmt.Sprintf("%.16s", c.CAFingerprint), crl.ThisUpdate.UTC().Format(time.RFC3339), strconv.Itoa(len(crl.RevokedCertificateEntries))
		r.add(name, nil, finding{fmt.Sprintf("number %q, thisUpdate %s, %s revoked, signed by CA %s…", num, at, revoked, caFP),
			map[string]string{"number": num, "thisUpdate": at, "revoked": revoked, "ca": caFP}})
	}
	usedCRL := map[crlRef]bool{}
	for _, e := range events {
		ev := evidenceOf(e)
		if ev == nil || ev.CRLThisUpdate == nil {
			continue
		}
		name := Check{Name: fmt.Sprintf("event %d revocation", e.Seq), Code: CheckRevocation, Params: map[string]string{"seq": strconv.Itoa(e.Seq)}}
		k := crlRef{ev.Signer.MSPID, ev.CAFingerprint, ev.CRLNumber, ev.CRLThisUpdate.UTC()}
		crl, ok := crls[k]
		if !ok {
			r.add(name, fmt.Errorf("the CRL it froze (number %q, thisUpdate %s, CA %.16s…) is not a verified CRL of the bundle",
				ev.CRLNumber, ev.CRLThisUpdate.UTC().Format(time.RFC3339), ev.CAFingerprint), finding{})
			continue
		}
		usedCRL[k] = true
		certs, err := certchain.Parse(ev.CertChainPEM)
		if err != nil {
			r.add(name, err, finding{})
			continue
		}
		checked, err := revokedLinks(e.Timestamp, certs, cas[caRef{ev.Signer.MSPID, ev.CAFingerprint}], crl)
		at := ev.CRLThisUpdate.UTC().Format(time.RFC3339)
		r.add(name, err, finding{fmt.Sprintf("serial(s) %s not on CRL %q (thisUpdate %s) of %s", checked, ev.CRLNumber, at, ev.Signer.MSPID),
			map[string]string{"serials": checked, "number": ev.CRLNumber, "thisUpdate": at, "msp": ev.Signer.MSPID}})
	}
	for k := range crls {
		if !usedCRL[k] {
			r.add(Check{Name: "CRL " + k.msp, Code: CheckCRL, Params: map[string]string{"msp": k.msp}},
				fmt.Errorf("CRL %q (thisUpdate %s) is named by no event", k.number, k.thisUpdate.Format(time.RFC3339)), finding{})
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
	return strings.Join(serials, ", "), nil
}

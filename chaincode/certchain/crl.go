package certchain

import (
	"crypto/x509"
	"encoding/asn1"
	"strings"

	"github.com/qrsign/qrsign/chaincode/model"
)

// CRL extensions (RFC 5280 §5.2, §5.3) this package knows.
var (
	oidAuthorityKeyID  = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidCRLNumber       = asn1.ObjectIdentifier{2, 5, 29, 20}
	oidDeltaCRL        = asn1.ObjectIdentifier{2, 5, 29, 27}
	oidIssuingDP       = asn1.ObjectIdentifier{2, 5, 29, 28}
	oidReasonCode      = asn1.ObjectIdentifier{2, 5, 29, 21}
	oidInvalidityDate  = asn1.ObjectIdentifier{2, 5, 29, 24}
	oidCertIssuer      = asn1.ObjectIdentifier{2, 5, 29, 29}
	oidFreshestCRL     = asn1.ObjectIdentifier{2, 5, 29, 46}
	oidAuthorityInfo   = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 1}
	crlExtensionsKnown = []asn1.ObjectIdentifier{oidAuthorityKeyID, oidCRLNumber, oidFreshestCRL, oidAuthorityInfo}
	entryExtKnown      = []asn1.ObjectIdentifier{oidReasonCode, oidInvalidityDate}
)

// ParseCRL parses a CRL's DER and checks that it is signed by ca and is a
// complete CRL of ca this package can process in full: the ledger keeps one
// CRL per CA and treats it as the whole list of that CA's revocations, so a
// delta CRL, a CRL whose issuing distribution point limits its scope
// (partitioned, only user/CA/attribute certificates, only some reasons,
// indirect), or one with a critical extension (of the CRL or of an entry)
// not implemented here would, replacing the complete CRL, let a revoked
// certificate sign again. RFC 5280 §5.2, §5.3 and §6.3.3: such a CRL must
// not be used; it is refused with BAD_CRL.
func ParseCRL(der []byte, ca Anchor) (*x509.RevocationList, error) {
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		return nil, model.Errorf(model.CodeBadCRL, "crlPem: %v", err)
	}
	if err := crl.CheckSignatureFrom(ca.Cert); err != nil {
		return nil, model.Errorf(model.CodeBadCRL, "CRL is not signed by CA %s: %v", ca.Fingerprint, err)
	}
	for _, e := range crl.Extensions {
		switch {
		case e.Id.Equal(oidDeltaCRL):
			return nil, model.Errorf(model.CodeBadCRL, "CRL is a delta CRL (deltaCRLIndicator); only a CA's complete CRL can be published")
		case e.Id.Equal(oidIssuingDP):
			return nil, model.Errorf(model.CodeBadCRL, "CRL's issuingDistributionPoint limits its scope (%s); only a CA's complete CRL can be published", idpScope(e.Value))
		case e.Critical && !known(e.Id, crlExtensionsKnown):
			return nil, model.Errorf(model.CodeBadCRL, "CRL has a critical extension %s this ledger does not implement", e.Id)
		}
	}
	for _, r := range crl.RevokedCertificateEntries {
		for _, e := range r.Extensions {
			switch {
			case e.Id.Equal(oidCertIssuer):
				return nil, model.Errorf(model.CodeBadCRL, "CRL entry %s names another certificate issuer (an indirect CRL)", r.SerialNumber.Text(16))
			case e.Critical && !known(e.Id, entryExtKnown):
				return nil, model.Errorf(model.CodeBadCRL, "CRL entry %s has a critical extension %s this ledger does not implement", r.SerialNumber.Text(16), e.Id)
			}
		}
	}
	return crl, nil
}

func known(id asn1.ObjectIdentifier, list []asn1.ObjectIdentifier) bool {
	for _, k := range list {
		if id.Equal(k) {
			return true
		}
	}
	return false
}

// issuingDistributionPoint is RFC 5280's IssuingDistributionPoint (implicit
// tags; the distribution point, a CHOICE, is explicitly tagged).
type issuingDistributionPoint struct {
	DistributionPoint  asn1.RawValue  `asn1:"optional,explicit,tag:0"`
	OnlyUserCerts      bool           `asn1:"optional,tag:1"`
	OnlyCACerts        bool           `asn1:"optional,tag:2"`
	OnlySomeReasons    asn1.BitString `asn1:"optional,tag:3"`
	IndirectCRL        bool           `asn1:"optional,tag:4"`
	OnlyAttributeCerts bool           `asn1:"optional,tag:5"`
}

// idpScope names what an issuingDistributionPoint limits, for the error.
func idpScope(der []byte) string {
	var idp issuingDistributionPoint
	if rest, err := asn1.Unmarshal(der, &idp); err != nil || len(rest) != 0 {
		return "malformed"
	}
	var s []string
	for _, f := range []struct {
		on   bool
		name string
	}{
		{len(idp.DistributionPoint.FullBytes) != 0, "distributionPoint: a partitioned CRL"},
		{idp.OnlyUserCerts, "onlyContainsUserCerts"},
		{idp.OnlyCACerts, "onlyContainsCACerts"},
		{idp.OnlySomeReasons.BitLength != 0, "onlySomeReasons"},
		{idp.IndirectCRL, "indirectCRL"},
		{idp.OnlyAttributeCerts, "onlyContainsAttributeCerts"},
	} {
		if f.on {
			s = append(s, f.name)
		}
	}
	if len(s) == 0 {
		return "empty"
	}
	return strings.Join(s, ", ")
}

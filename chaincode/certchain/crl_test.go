package certchain_test

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"testing"

	"github.com/qrsign/qrsign/chaincode/certchain"
	"github.com/qrsign/qrsign/chaincode/testpki"
)

// idp encodes an issuingDistributionPoint (RFC 5280 §5.2.5).
func idp(t *testing.T, v any) pkix.Extension {
	t.Helper()
	der, err := asn1.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 28}, Critical: true, Value: der}
}

type idpUser struct {
	OnlyUser bool `asn1:"optional,tag:1"`
}
type idpCA struct {
	OnlyCA bool `asn1:"optional,tag:2"`
}
type idpReasons struct {
	Reasons asn1.BitString `asn1:"optional,tag:3"`
}
type idpIndirect struct {
	Indirect bool `asn1:"optional,tag:4"`
}
type idpAttr struct {
	OnlyAttr bool `asn1:"optional,tag:5"`
}
type idpDP struct {
	DP asn1.RawValue `asn1:"optional,explicit,tag:0"`
}

// TestParseCRLRefusesWhatItCannotProcess: a CRL is published as the CA's
// complete CRL only when every critical extension is one this package
// implements and nothing limits its scope (RFC 5280 §5.2, §5.3, §6.3.3).
func TestParseCRLRefusesWhatItCannotProcess(t *testing.T) {
	ca := testpki.NewCA("Org1 signers", t0, t0.AddDate(2, 0, 0))
	other := testpki.NewCA("Org2 signers", t0, t0.AddDate(2, 0, 0))
	anchor := certchain.NewAnchor(ca.Cert)
	one := func(ext ...pkix.Extension) x509.RevocationList {
		return x509.RevocationList{Number: big.NewInt(2), ThisUpdate: t0, NextUpdate: t0.AddDate(0, 0, 7),
			RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: big.NewInt(0x2a), RevocationTime: t0}}, ExtraExtensions: ext}
	}
	entry := func(ext pkix.Extension) x509.RevocationList {
		r := one()
		r.RevokedCertificateEntries[0].ExtraExtensions = []pkix.Extension{ext}
		return r
	}
	dpName := asn1.RawValue{FullBytes: append([]byte{0xa0, 18, 0x86, 16}, "http://ca.x/crl1"...)}
	const scoped = "BAD_CRL: CRL's issuingDistributionPoint limits its scope (%s); only a CA's complete CRL can be published"
	for _, tc := range []struct {
		name string
		crl  x509.RevocationList
		by   *testpki.CA
		want string
	}{
		{"complete CRL", one(), ca, ""},
		{"a non-critical unknown extension", one(pkix.Extension{Id: asn1.ObjectIdentifier{1, 2, 3, 4}, Value: []byte{5, 0}}), ca, ""},
		{"an invalidity date on an entry", entry(pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 24}, Value: []byte("\x18\x0f20260101000000Z")}), ca, ""},
		{"signed by another CA", one(), other, "BAD_CRL: CRL is not signed by CA " + anchor.Fingerprint + ": x509: ECDSA verification failure"},
		{"delta CRL", one(pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 27}, Critical: true, Value: []byte{2, 1, 1}}), ca,
			"BAD_CRL: CRL is a delta CRL (deltaCRLIndicator); only a CA's complete CRL can be published"},
		{"delta CRL marked non-critical", one(pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 27}, Value: []byte{2, 1, 1}}), ca,
			"BAD_CRL: CRL is a delta CRL (deltaCRLIndicator); only a CA's complete CRL can be published"},
		{"only user certificates", one(idp(t, idpUser{true})), ca, fmt.Sprintf(scoped, "onlyContainsUserCerts")},
		{"only CA certificates", one(idp(t, idpCA{true})), ca, fmt.Sprintf(scoped, "onlyContainsCACerts")},
		{"only some reasons", one(idp(t, idpReasons{asn1.BitString{Bytes: []byte{0x40}, BitLength: 2}})), ca, fmt.Sprintf(scoped, "onlySomeReasons")},
		{"indirect CRL", one(idp(t, idpIndirect{true})), ca, fmt.Sprintf(scoped, "indirectCRL")},
		{"only attribute certificates", one(idp(t, idpAttr{true})), ca, fmt.Sprintf(scoped, "onlyContainsAttributeCerts")},
		{"a partition by distribution point", one(idp(t, idpDP{dpName})), ca, fmt.Sprintf(scoped, "distributionPoint: a partitioned CRL")},
		{"malformed issuing distribution point", one(pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 28}, Critical: true, Value: []byte{1, 2}}), ca,
			fmt.Sprintf(scoped, "malformed")},
		{"an unknown critical extension", one(pkix.Extension{Id: asn1.ObjectIdentifier{1, 2, 3, 4}, Critical: true, Value: []byte{5, 0}}), ca,
			"BAD_CRL: CRL has a critical extension 1.2.3.4 this ledger does not implement"},
		{"an entry for another issuer", entry(pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 29}, Critical: true, Value: []byte{0x30, 0}}), ca,
			"BAD_CRL: CRL entry 2a names another certificate issuer (an indirect CRL)"},
		{"an entry with an unknown critical extension", entry(pkix.Extension{Id: asn1.ObjectIdentifier{1, 2, 3, 5}, Critical: true, Value: []byte{5, 0}}), ca,
			"BAD_CRL: CRL entry 2a has a critical extension 1.2.3.5 this ledger does not implement"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, _ := pem.Decode([]byte(tc.by.CRLWith(tc.crl)))
			crl, err := certchain.ParseCRL(b.Bytes, anchor)
			got := ""
			if err != nil {
				got = err.Error()
			} else if len(crl.RevokedCertificateEntries) != 1 {
				t.Fatalf("entries %v", crl.RevokedCertificateEntries)
			}
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
	if _, err := certchain.ParseCRL([]byte{0x30, 0}, anchor); err == nil || err.Error()[:17] != "BAD_CRL: crlPem: " {
		t.Errorf("garbage DER: %v", err)
	}
}

// Package cms builds and checks CMS SignedData (RFC 5652) for an external
// signer: the caller gets the DER of the signed attributes, has them signed
// where the key lives (ECDSA P-256 with SHA-256), and assembles the result.
// It serves PAdES signatures (relay/pades), detached CAdES .p7s files and
// RFC 3161 tokens (relay/tsa). No I/O.
package cms

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"time"
)

var (
	OIDData               = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	OIDSignedData         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	OIDTSTInfo            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	oidContentType        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningTime        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidSigningCertV2      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	OIDSignatureTimeStamp = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	oidSHA256             = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidECDSAWithSHA256    = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
)

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,tag:0"`
}

type signedData struct {
	Version          int
	DigestAlgorithms []pkix.AlgorithmIdentifier `asn1:"set"`
	EncapContent     encapContent
	Certificates     asn1.RawValue `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue `asn1:"optional,tag:1"`
	SignerInfos      []signerInfo  `asn1:"set"`
}

type encapContent struct {
	Type    asn1.ObjectIdentifier
	Content asn1.RawValue `asn1:"optional,explicit,tag:0"` // an OCTET STRING
}

type signerInfo struct {
	Version            int
	SID                issuerAndSerial
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

type issuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type attribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue // the SET OF values, whole
}

type essCertIDv2 struct { // hashAlgorithm omitted: its DEFAULT is SHA-256
	Hash         []byte
	IssuerSerial issuerSerial
}

type issuerSerial struct {
	Issuer asn1.RawValue // GeneralNames with one directoryName
	Serial *big.Int
}

// Attributes is what the signer signs.
type Attributes struct {
	ContentType asn1.ObjectIdentifier // OIDData unless a token's OIDTSTInfo
	Digest      []byte                // SHA-256 of the content (for a PDF: over the ByteRange)
	Signer      *x509.Certificate     // named by signing-certificate-v2
	SigningTime time.Time             // zero: no signing-time (PAdES keeps the time in /M)
}

// ForContent are the attributes of a detached CAdES signature (.p7s) over
// content, with the claimed signing time (zero: none).
func ForContent(content []byte, signer *x509.Certificate, signingTime time.Time) Attributes {
	h := sha256.Sum256(content)
	return Attributes{Digest: h[:], Signer: signer, SigningTime: signingTime}
}

// Marshal returns the DER SET of the signed attributes: the message the
// signer's key signs (ECDSA over its SHA-256).
func (a Attributes) Marshal() ([]byte, error) {
	if len(a.Digest) != sha256.Size || a.Signer == nil {
		return nil, errors.New("cms: attributes need a SHA-256 digest and the signer's certificate")
	}
	ct := a.ContentType
	if ct == nil {
		ct = OIDData
	}
	certHash := sha256.Sum256(a.Signer.Raw)
	dirName, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 4, IsCompound: true, Bytes: a.Signer.RawIssuer})
	if err != nil {
		return nil, err
	}
	ess := struct{ Certs []essCertIDv2 }{[]essCertIDv2{{
		Hash:         certHash[:],
		IssuerSerial: issuerSerial{Issuer: asn1.RawValue{FullBytes: seq(dirName)}, Serial: a.Signer.SerialNumber},
	}}}
	values := []struct {
		oid asn1.ObjectIdentifier
		v   any
	}{{oidContentType, ct}, {oidMessageDigest, a.Digest}, {oidSigningCertV2, ess}}
	if !a.SigningTime.IsZero() {
		values = append(values, struct {
			oid asn1.ObjectIdentifier
			v   any
		}{oidSigningTime, a.SigningTime.UTC()})
	}
	var attrs [][]byte
	for _, av := range values {
		v, err := asn1.Marshal(av.v)
		if err != nil {
			return nil, err
		}
		der, err := asn1.Marshal(attribute{av.oid, asn1.RawValue{FullBytes: set(v)}})
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, der)
	}
	return set(attrs...), nil
}

// Assemble builds the ContentInfo of a SignedData from the signed
// attributes (as Marshal made them), the signature over them, the signer's
// certificate and the certificates to include (normally the signer's chain).
// eContent is the encapsulated content (a TSTInfo), nil when detached.
func Assemble(attrs, signature []byte, signer *x509.Certificate, certs []*x509.Certificate, eContent []byte) ([]byte, error) {
	if signer == nil || len(attrs) == 0 || attrs[0] != 0x31 {
		return nil, errors.New("cms: assemble needs signed attributes and the signer's certificate")
	}
	var parsed []attribute
	if _, err := asn1.UnmarshalWithParams(attrs, &parsed, "set"); err != nil {
		return nil, fmt.Errorf("cms: signed attributes: %v", err)
	}
	ct, err := attrValue[asn1.ObjectIdentifier](parsed, oidContentType)
	if err != nil {
		return nil, err
	}
	implicit := slices.Clone(attrs)
	implicit[0] = 0xa0 // [0] IMPLICIT SET OF
	var raw [][]byte
	for _, c := range certs {
		raw = append(raw, c.Raw)
	}
	sd := signedData{
		Version:          1,
		DigestAlgorithms: []pkix.AlgorithmIdentifier{{Algorithm: oidSHA256}},
		EncapContent:     encapContent{Type: ct},
		Certificates:     asn1.RawValue{FullBytes: tagged(0xa0, raw...)},
		SignerInfos: []signerInfo{{
			Version:            1,
			SID:                issuerAndSerial{asn1.RawValue{FullBytes: signer.RawIssuer}, signer.SerialNumber},
			DigestAlgorithm:    pkix.AlgorithmIdentifier{Algorithm: oidSHA256},
			SignedAttrs:        asn1.RawValue{FullBytes: implicit},
			SignatureAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oidECDSAWithSHA256},
			Signature:          signature,
		}},
	}
	if len(raw) == 0 {
		sd.Certificates = asn1.RawValue{}
	}
	if !ct.Equal(OIDData) {
		sd.Version = 3 // RFC 5652 5.1: eContentType other than id-data
	}
	if eContent != nil {
		oct, err := asn1.Marshal(eContent)
		if err != nil {
			return nil, err
		}
		sd.EncapContent.Content = asn1.RawValue{FullBytes: tagged(0xa0, oct)}
	}
	return marshalContentInfo(sd)
}

// Sign makes a SignedData with a key at hand (the relay's TSA, tests, a CLI
// holding the signer's key): Marshal, sign, Assemble.
func Sign(a Attributes, key crypto.Signer, certs []*x509.Certificate, eContent []byte) ([]byte, error) {
	attrs, err := a.Marshal()
	if err != nil {
		return nil, err
	}
	h := sha256.Sum256(attrs)
	sig, err := key.Sign(rand.Reader, h[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("cms: signing: %v", err)
	}
	return Assemble(attrs, sig, a.Signer, certs, eContent)
}

func marshalContentInfo(sd signedData) ([]byte, error) {
	inner, err := asn1.Marshal(sd)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(contentInfo{OIDSignedData, asn1.RawValue{FullBytes: tagged(0xa0, inner)}})
}

// Signed is a parsed SignedData with one signer.
type Signed struct {
	sd        signedData
	attrs     []attribute
	Certs     []*x509.Certificate // as carried, signer first when Verify succeeds
	Signature []byte
	EContent  []byte // encapsulated content, nil when detached
}

// Parse reads a ContentInfo holding a SignedData with exactly one signer.
func Parse(der []byte) (*Signed, error) {
	var ci contentInfo
	if rest, err := asn1.Unmarshal(der, &ci); err != nil || len(rest) != 0 || !ci.ContentType.Equal(OIDSignedData) {
		return nil, errors.New("cms: not one DER ContentInfo of SignedData")
	}
	s := &Signed{}
	if rest, err := asn1.Unmarshal(ci.Content.Bytes, &s.sd); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("cms: SignedData: %v", err)
	}
	if len(s.sd.SignerInfos) != 1 {
		return nil, fmt.Errorf("cms: %d signers, want 1", len(s.sd.SignerInfos))
	}
	si := s.sd.SignerInfos[0]
	s.Signature = si.Signature
	if len(si.SignedAttrs.Bytes) == 0 {
		return nil, errors.New("cms: no signed attributes")
	}
	if _, err := asn1.UnmarshalWithParams(set(si.SignedAttrs.Bytes), &s.attrs, "set"); err != nil {
		return nil, fmt.Errorf("cms: signed attributes: %v", err)
	}
	if len(s.sd.Certificates.Bytes) > 0 {
		certs, err := x509.ParseCertificates(s.sd.Certificates.Bytes)
		if err != nil {
			return nil, fmt.Errorf("cms: certificates: %v", err)
		}
		s.Certs = certs
	}
	// An explicitly tagged RawValue keeps the tag: Bytes is the OCTET STRING.
	if c := s.sd.EncapContent.Content.Bytes; len(c) > 0 {
		if rest, err := asn1.Unmarshal(c, &s.EContent); err != nil || len(rest) != 0 {
			return nil, errors.New("cms: encapsulated content is not one OCTET STRING")
		}
	}
	return s, nil
}

// Verify checks the signature over the signed attributes, that their
// message digest is digest (the detached content's SHA-256, or nil to use the
// encapsulated content's), that the signing certificate is the one named by
// the signer and by signing-certificate-v2, and that it chains to opts.Roots.
// It returns the signer's certificate.
func (s *Signed) Verify(digest []byte, opts x509.VerifyOptions) (*x509.Certificate, error) {
	si := s.sd.SignerInfos[0]
	if !si.DigestAlgorithm.Algorithm.Equal(oidSHA256) || !si.SignatureAlgorithm.Algorithm.Equal(oidECDSAWithSHA256) {
		return nil, errors.New("cms: only SHA-256 with ECDSA is accepted")
	}
	if digest == nil {
		h := sha256.Sum256(s.EContent)
		digest = h[:]
	}
	md, err := attrValue[[]byte](s.attrs, oidMessageDigest)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(md, digest) {
		return nil, errors.New("cms: message digest does not match the content")
	}
	ct, err := attrValue[asn1.ObjectIdentifier](s.attrs, oidContentType)
	if err != nil || !ct.Equal(s.sd.EncapContent.Type) {
		return nil, errors.New("cms: content-type attribute missing or not the encapsulated type")
	}
	var signer *x509.Certificate
	for _, c := range s.Certs {
		if bytes.Equal(c.RawIssuer, si.SID.Issuer.FullBytes) && c.SerialNumber.Cmp(si.SID.Serial) == 0 {
			signer = c
		}
	}
	if signer == nil {
		return nil, errors.New("cms: the signer's certificate is not included")
	}
	ess, err := attrValue[struct{ Certs []essCertIDv2 }](s.attrs, oidSigningCertV2)
	if err != nil || len(ess.Certs) == 0 {
		return nil, errors.New("cms: signing-certificate-v2 attribute missing")
	}
	if h := sha256.Sum256(signer.Raw); !bytes.Equal(ess.Certs[0].Hash, h[:]) {
		return nil, errors.New("cms: signing-certificate-v2 names another certificate")
	}
	pub, ok := signer.PublicKey.(*ecdsa.PublicKey)
	h := sha256.Sum256(set(si.SignedAttrs.Bytes))
	if !ok || !ecdsa.VerifyASN1(pub, h[:], si.Signature) {
		return nil, errors.New("cms: signature does not verify with the signer's key")
	}
	opts.Intermediates = x509.NewCertPool()
	for _, c := range s.Certs {
		opts.Intermediates.AddCert(c)
	}
	if _, err := signer.Verify(opts); err != nil {
		return nil, fmt.Errorf("cms: signer's certificate: %v", err)
	}
	return signer, nil
}

// AddUnsigned returns der with an unsigned attribute added to its signer
// (e.g. OIDSignatureTimeStamp with a token): the signature stays valid.
func AddUnsigned(der []byte, oid asn1.ObjectIdentifier, value []byte) ([]byte, error) {
	s, err := Parse(der)
	if err != nil {
		return nil, err
	}
	si := &s.sd.SignerInfos[0]
	var attrs []attribute
	if len(si.UnsignedAttrs.Bytes) > 0 {
		if _, err := asn1.UnmarshalWithParams(set(si.UnsignedAttrs.Bytes), &attrs, "set"); err != nil {
			return nil, fmt.Errorf("cms: unsigned attributes: %v", err)
		}
	}
	var encoded [][]byte
	for _, a := range attrs {
		if a.Type.Equal(oid) {
			return nil, fmt.Errorf("cms: unsigned attribute %v already present", oid)
		}
		e, _ := asn1.Marshal(a)
		encoded = append(encoded, e)
	}
	a, err := asn1.Marshal(attribute{oid, asn1.RawValue{FullBytes: set(value)}})
	if err != nil {
		return nil, err
	}
	si.UnsignedAttrs = asn1.RawValue{FullBytes: tagged(0xa1, sortDER(append(encoded, a))...)}
	return marshalContentInfo(s.sd)
}

// Unsigned returns the value of an unsigned attribute, nil if absent.
func (s *Signed) Unsigned(oid asn1.ObjectIdentifier) ([]byte, error) {
	si := s.sd.SignerInfos[0]
	if len(si.UnsignedAttrs.Bytes) == 0 {
		return nil, nil
	}
	var attrs []attribute
	if _, err := asn1.UnmarshalWithParams(set(si.UnsignedAttrs.Bytes), &attrs, "set"); err != nil {
		return nil, fmt.Errorf("cms: unsigned attributes: %v", err)
	}
	v, err := attrValue[asn1.RawValue](attrs, oid)
	if err != nil {
		return nil, nil
	}
	return v.FullBytes, nil
}

// attrValue decodes the single value of attribute oid.
func attrValue[T any](attrs []attribute, oid asn1.ObjectIdentifier) (T, error) {
	var v T
	for _, a := range attrs {
		if a.Type.Equal(oid) {
			var vals []asn1.RawValue
			if _, err := asn1.UnmarshalWithParams(a.Values.FullBytes, &vals, "set"); err != nil || len(vals) != 1 {
				return v, fmt.Errorf("cms: attribute %v must have one value", oid)
			}
			if _, err := asn1.Unmarshal(vals[0].FullBytes, &v); err != nil {
				return v, fmt.Errorf("cms: attribute %v: %v", oid, err)
			}
			return v, nil
		}
	}
	return v, fmt.Errorf("cms: attribute %v missing", oid)
}

// set encodes a DER SET OF: elements sorted by their encodings.
func set(elems ...[]byte) []byte { return tagged(0x31, sortDER(elems)...) }

func seq(elems ...[]byte) []byte { return tagged(0x30, elems...) }

func sortDER(elems [][]byte) [][]byte {
	return slices.SortedFunc(slices.Values(elems), bytes.Compare)
}

// tagged wraps the concatenated elements in a constructed tag.
func tagged(tag byte, elems ...[]byte) []byte {
	body := bytes.Join(elems, nil)
	der, _ := asn1.Marshal(asn1.RawValue{Class: int(tag >> 6), Tag: int(tag & 0x1f), IsCompound: true, Bytes: body})
	return der
}

// Package tsa is a minimal RFC 3161 time-stamping authority (an
// http.Handler the relay mounts) and its client. Tokens are CMS SignedData
// (relay/cms) over a TSTInfo, signed with a key whose certificate has the
// critical extended key usage timeStamping.
package tsa

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/qrsign/qrsign/relay/cms"
)

var (
	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	// OIDTimeStamping is the extended key usage a TSA certificate must carry, critical.
	OIDTimeStamping = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
	oidEKU          = asn1.ObjectIdentifier{2, 5, 29, 37}
)

// hashLen is the digest length per accepted imprint algorithm.
var hashLen = map[string]int{oidSHA256.String(): sha256.Size, oidSHA384.String(): sha512.Size384, oidSHA512.String(): sha512.Size}

type messageImprint struct {
	HashAlgorithm pkix.AlgorithmIdentifier
	HashedMessage []byte
}

type request struct {
	Version        int
	MessageImprint messageImprint
	ReqPolicy      asn1.ObjectIdentifier `asn1:"optional"`
	Nonce          *big.Int              `asn1:"optional"`
	CertReq        bool                  `asn1:"optional"`
	Extensions     asn1.RawValue         `asn1:"optional,tag:0"`
}

type statusInfo struct {
	Status       int
	StatusString []asn1.RawValue `asn1:"optional"` // PKIFreeText: UTF8Strings, which encoding/asn1 cannot tag inside a slice
	FailInfo     asn1.BitString  `asn1:"optional"`
}

// text joins a PKIFreeText.
func (s statusInfo) text() string {
	var parts []string
	for _, v := range s.StatusString {
		parts = append(parts, string(v.Bytes))
	}
	return strings.Join(parts, "; ")
}

type response struct {
	Status statusInfo
	Token  asn1.RawValue `asn1:"optional"`
}

type tstInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint messageImprint
	Serial         *big.Int
	GenTime        time.Time `asn1:"generalized"`
	Accuracy       accuracy  `asn1:"optional"`
	Nonce          *big.Int  `asn1:"optional"`
}

type accuracy struct {
	Seconds int `asn1:"optional"`
}

// PKIStatus values and PKIFailureInfo bits (RFC 3161 2.4.2).
const (
	statusGranted   = 0
	statusRejection = 2

	FailBadAlg           = 0
	FailBadRequest       = 2
	FailBadDataFormat    = 5
	FailUnacceptedPolicy = 15
)

// Authority signs time-stamp tokens.
type Authority struct {
	Chain  []*x509.Certificate // TSA certificate first, then its issuers
	Key    crypto.Signer
	Policy asn1.ObjectIdentifier
	Now    func() time.Time // the TSA's clock; its accuracy is stated as one second
}

// New checks that the certificate is fit for time-stamping: key matches,
// extended key usage exactly timeStamping and critical.
func New(chain []*x509.Certificate, key crypto.Signer, policy asn1.ObjectIdentifier, now func() time.Time) (*Authority, error) {
	if len(chain) == 0 || key == nil || len(policy) == 0 || now == nil {
		return nil, errors.New("tsa: certificate, key, policy and clock are required")
	}
	if err := CheckCertificate(chain[0]); err != nil {
		return nil, err
	}
	if pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(chain[0].PublicKey) {
		return nil, errors.New("tsa: the key does not match the certificate")
	}
	return &Authority{Chain: chain, Key: key, Policy: policy, Now: now}, nil
}

// CheckCertificate enforces RFC 3161 2.3 on a TSA certificate.
func CheckCertificate(c *x509.Certificate) error {
	for _, e := range c.Extensions {
		if e.Id.Equal(oidEKU) {
			if !e.Critical || len(c.ExtKeyUsage) != 1 || c.ExtKeyUsage[0] != x509.ExtKeyUsageTimeStamping || len(c.UnknownExtKeyUsage) != 0 {
				return errors.New("tsa: the certificate's extended key usage must be timeStamping only, critical")
			}
			return nil
		}
	}
	return errors.New("tsa: the certificate has no extended key usage timeStamping")
}

// Respond answers one DER TimeStampReq with a DER TimeStampResp. A bad
// request is answered with a rejection (status 2 and a failure bit), as
// RFC 3161 wants; err is set only when signing itself failed.
func (a *Authority) Respond(der []byte) ([]byte, error) {
	var req request
	if rest, err := asn1.Unmarshal(der, &req); err != nil || len(rest) != 0 || req.Version != 1 {
		return reject(FailBadDataFormat, "not one DER TimeStampReq version 1")
	}
	want, ok := hashLen[req.MessageImprint.HashAlgorithm.Algorithm.String()]
	if !ok {
		return reject(FailBadAlg, "imprint hash must be SHA-256, SHA-384 or SHA-512")
	}
	if len(req.MessageImprint.HashedMessage) != want {
		return reject(FailBadDataFormat, "imprint length does not match its hash algorithm")
	}
	if req.ReqPolicy != nil && !req.ReqPolicy.Equal(a.Policy) {
		return reject(FailUnacceptedPolicy, "policy not offered by this TSA")
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	info, err := asn1.Marshal(tstInfo{
		Version: 1, Policy: a.Policy, Serial: serial.Add(serial, big.NewInt(1)),
		MessageImprint: messageImprint{
			// Echo the algorithm as sent (parameters absent or NULL), as verifiers compare it.
			HashAlgorithm: req.MessageImprint.HashAlgorithm,
			HashedMessage: req.MessageImprint.HashedMessage,
		},
		GenTime:  a.Now().UTC().Truncate(time.Second),
		Accuracy: accuracy{Seconds: 1},
		Nonce:    req.Nonce,
	})
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256(info)
	var certs []*x509.Certificate // RFC 3161 2.4.1: only when asked for
	if req.CertReq {
		certs = a.Chain
	}
	token, err := cms.Sign(cms.Attributes{ContentType: cms.OIDTSTInfo, Digest: digest[:], Signer: a.Chain[0]}, a.Key, certs, info)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(response{Status: statusInfo{Status: statusGranted}, Token: asn1.RawValue{FullBytes: token}})
}

func reject(bit int, text string) ([]byte, error) {
	fail := asn1.BitString{Bytes: make([]byte, 3), BitLength: bit + 1}
	fail.Bytes[bit/8] |= 0x80 >> (bit % 8)
	fail.Bytes = fail.Bytes[:bit/8+1]
	msg := asn1.RawValue{Tag: asn1.TagUTF8String, Bytes: []byte(text)}
	return asn1.Marshal(response{Status: statusInfo{Status: statusRejection, StatusString: []asn1.RawValue{msg}, FailInfo: fail}})
}

// Token is a verified time-stamp token.
type Token struct {
	DER     []byte
	GenTime time.Time
	Serial  *big.Int
	Nonce   *big.Int
	TSA     *x509.Certificate
}

// Verify checks a token: the TSA's signature and certificate (chaining to
// opts.Roots, timeStamping usage), and that it stamps imprint (SHA-256).
func Verify(token, imprint []byte, opts x509.VerifyOptions) (*Token, error) {
	s, err := cms.Parse(token)
	if err != nil {
		return nil, fmt.Errorf("tsa: token: %v", err)
	}
	var info tstInfo
	if rest, err := asn1.Unmarshal(s.EContent, &info); err != nil || len(rest) != 0 {
		return nil, errors.New("tsa: token does not hold one TSTInfo")
	}
	if !info.MessageImprint.HashAlgorithm.Algorithm.Equal(oidSHA256) || string(info.MessageImprint.HashedMessage) != string(imprint) {
		return nil, errors.New("tsa: token stamps another imprint")
	}
	// The leaf's usage is CheckCertificate's (timeStamping alone, critical);
	// crypto/x509 would also demand it of every issuer, and the org CAs
	// cryptogen makes list only clientAuth and serverAuth.
	opts.KeyUsages = []x509.ExtKeyUsage{x509.ExtKeyUsageAny}
	if opts.CurrentTime.IsZero() {
		opts.CurrentTime = info.GenTime
	}
	signer, err := s.Verify(nil, opts)
	if err != nil {
		return nil, fmt.Errorf("tsa: %v", err)
	}
	if err := CheckCertificate(signer); err != nil {
		return nil, err
	}
	return &Token{DER: token, GenTime: info.GenTime, Serial: info.Serial, Nonce: info.Nonce, TSA: signer}, nil
}

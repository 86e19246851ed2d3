package service

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/relay/cms"
	"github.com/qrsign/qrsign/relay/fault"
)

// checkSignTime refuses a signer's stated signing time (callback field
// field) that lies too far from the relay's clock: the TSA's time, not this
// one, is the proven time, but a wild claim is refused rather than signed.
func (s *Service) checkSignTime(field string, at time.Time) error {
	skew := s.PDF.MaxSkew
	if skew == 0 {
		skew = DefaultPDFSkew
	}
	if d := s.now().Sub(at); d > skew || d < -time.Minute {
		return fault.Newf(model.CodeInvalidField, "%s %s is more than %s from the relay's clock", field, at.UTC().Format(time.RFC3339), skew)
	}
	return nil
}

// sealCMS checks a signer's signature (standard base64, callback field
// field) over the CMS signed attributes attrs, assembles the SignedData with
// the signer's chain and has the TSA stamp the signature value (B-T,
// CAdES-T). The PDF revisions and the .p7s files both go through it.
func (s *Service) sealCMS(ctx context.Context, attrs []byte, signature, field string, chain []*x509.Certificate) ([]byte, error) {
	sig, err := base64.StdEncoding.Strict().DecodeString(signature)
	if err != nil {
		return nil, fault.Newf(model.CodeBadSignature, "%s is not standard base64", field)
	}
	if err := sigalg.Verify(model.AlgECDSAP256DER, chain[0].PublicKey, attrs, sig); err != nil {
		return nil, fault.Newf(model.CodeBadSignature, "%s does not verify over the signed attributes: %v", field, err)
	}
	signed, err := cms.Assemble(attrs, sig, chain[0], chain, nil)
	if err != nil {
		return nil, fault.From(err)
	}
	stamped, _, err := s.PDF.TSA.StampSignature(ctx, signed)
	if err != nil {
		return nil, fault.New(fault.CodeUnavailable, "the time-stamping authority did not stamp the signature; retry").WithCause(err)
	}
	return stamped, nil
}

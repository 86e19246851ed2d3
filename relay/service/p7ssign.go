package service

import (
	"bytes"
	"context"
	"crypto/x509"

	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/cms"
	"github.com/qrsign/qrsign/relay/fault"
)

// makeP7S makes the detached CAdES-T signature (.p7s) a signer of a
// document that is not a PDF signs over its registered bytes content:
// signed attributes content-type, message-digest, signing-certificate-v2
// and signing-time, the signer's signature over them, a signature
// time-stamp of the org's TSA. It stores the .p7s by its content and
// returns its SHA-256; nothing is stored before every check passed.
func (s *Service) makeP7S(ctx context.Context, content []byte, chain []*x509.Certificate, ps api.P7SSignature) (string, error) {
	if err := s.checkSignTime("p7s.time", ps.Time); err != nil {
		return "", err
	}
	attrs, err := cms.ForContent(content, chain[0], ps.Time).Marshal()
	if err != nil {
		return "", fault.From(err)
	}
	p7s, err := s.sealCMS(ctx, attrs, ps.Signature, "p7s.signature", chain)
	if err != nil {
		return "", err
	}
	info, err := s.Blobs.Put(ctx, bytes.NewReader(p7s), "")
	if err != nil {
		return "", fault.From(err)
	}
	return info.SHA256, nil
}

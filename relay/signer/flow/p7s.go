package flow

import (
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/cms"
)

// signP7S signs the CMS signed attributes of a detached .p7s over content
// (the document's bytes, checked against the QR) at time at: the relay
// builds the very same attributes, checks this signature over them and
// adds its TSA's time-stamp.
func signP7S(key crypto.Signer, cert *x509.Certificate, content []byte, at time.Time) (*api.P7SSignature, error) {
	at = p7sTime(at)
	attrs, err := cms.ForContent(content, cert, at).Marshal()
	if err != nil {
		return nil, err
	}
	sig, err := sigalg.Sign(model.AlgECDSAP256DER, key, attrs)
	if err != nil {
		return nil, err
	}
	return &api.P7SSignature{Time: at, Signature: base64.StdEncoding.EncodeToString(sig)}, nil
}

// p7sTime is a .p7s's signing time: UTC, whole seconds (signing-time holds seconds).
func p7sTime(at time.Time) time.Time { return at.UTC().Truncate(time.Second) }

func (s *Scanner) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

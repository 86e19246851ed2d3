package login

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"time"

	"github.com/qrsign/qrsign/chaincode/certchain"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
)

// Trust reads an org's signer CAs and CRLs; answers are read-only. The relay
// passes the service's org-trust cache (service.SignInTrust), so sign-in and
// scans share one trust rule and one invalidation by CA and CRL events.
type Trust interface {
	// GetOrgTrust reads the ledger now (and refreshes the cache): a sign-in
	// callback, which no chaincode re-verifies, sees a CRL as soon as it is
	// committed.
	GetOrgTrust(ctx context.Context, mspID string) (*model.OrgTrust, error)
	// CachedOrgTrust may answer from the cache (a session's every use).
	CachedOrgTrust(ctx context.Context, mspID string) (*model.OrgTrust, error)
}

// Proof is what a scanner sends to sign in.
type Proof struct {
	MSPID        string
	CertChainPEM string
	Signature    string // standard base64
	Algorithm    model.Algorithm
}

// verified is who a valid proof names, and the links its chain verified
// through (the serials and CAs a later CRL may list).
type verified struct {
	msp      string
	leaf     *x509.Certificate
	links    []certchain.Link
	notAfter time.Time // the earliest NotAfter of the chain
}

// parsedProof is a proof past the checks that need no ledger.
type parsedProof struct {
	chain []*x509.Certificate
	sig   []byte
	alg   model.Algorithm
}

// parseProof checks what needs no ledger, in the chaincode's order: chain
// parse, leaf use, validity; then the signature's encoding.
func parseProof(now time.Time, p Proof) (*parsedProof, error) {
	if p.CertChainPEM == "" || len(p.CertChainPEM) > model.MaxChainPEMLen {
		return nil, model.Errorf(model.CodeInvalidField, "certChainPem must be 1..%d bytes", model.MaxChainPEMLen)
	}
	chain, err := certchain.Parse(p.CertChainPEM)
	if err != nil {
		return nil, err
	}
	if err := certchain.CheckLeaf(chain[0]); err != nil {
		return nil, err
	}
	if err := certchain.CheckValidity(now, chain...); err != nil {
		return nil, err
	}
	sig, err := base64.StdEncoding.Strict().DecodeString(p.Signature)
	if err != nil || len(p.Signature) == 0 {
		return nil, model.Errorf(model.CodeBadSignature, "signature is not standard base64")
	}
	return &parsedProof{chain: chain, sig: sig, alg: p.Algorithm}, nil
}

// verifyProof checks a parsed proof over the login payload f
// (SignerFingerprint is filled here) against trust at now, in the
// chaincode's order (RecordSignature): chain to a registered CA, signature,
// revocation. Errors are *model.Error with the chaincode's codes.
func verifyProof(now time.Time, trust *model.OrgTrust, pp *parsedProof, f payload.Fields) (verified, error) {
	chain, leaf := pp.chain, pp.chain[0]
	valid, err := certchain.ValidAnchors(now, certchain.Anchors(trust.CAs))
	if err != nil {
		return verified{}, err
	}
	verdict, err := certchain.Verify(now, chain, valid)
	if err != nil {
		return verified{}, err
	}
	f.SignerFingerprint = payload.Fingerprint(leaf.Raw)
	msg, err := payload.Build(f)
	if err != nil {
		return verified{}, model.Errorf(model.CodeInvalidField, "%v", err)
	}
	if err := sigalg.Verify(pp.alg, leaf.PublicKey, msg, pp.sig); err != nil {
		return verified{}, err
	}
	if err := checkRevocation(trust, verdict.Links); err != nil {
		return verified{}, err
	}
	na := leaf.NotAfter
	for _, c := range chain {
		if c.NotAfter.Before(na) {
			na = c.NotAfter
		}
	}
	return verified{msp: trust.MSPID, leaf: leaf, links: verdict.Links, notAfter: na}, nil
}

// checkRevocation refuses a link listed by the latest CRL its CA's org
// published on the ledger.
func checkRevocation(trust *model.OrgTrust, links []certchain.Link) error {
	for _, l := range links {
		for i := range trust.CRLs {
			crl := &trust.CRLs[i]
			if crl.CAFingerprint == l.CAFingerprint && certchain.Revoked(crl, l.Serial) {
				return model.Errorf(model.CodeCertRevoked, "certificate serial %s (%s) is on CRL %s of %s",
					l.Serial, certchain.Clip(l.Subject), crl.Number, trust.MSPID)
			}
		}
	}
	return nil
}

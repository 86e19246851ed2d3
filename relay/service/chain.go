package service

import (
	"context"
	"crypto/x509"
	"errors"
	"slices"

	"github.com/qrsign/qrsign/chaincode/certchain"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/ledger"
)

// parseChain parses a PEM chain, leaf first, with the chaincode's own parser,
// so the relay refuses exactly what the ledger would.
func parseChain(text string) ([]*x509.Certificate, error) {
	if text == "" || len(text) > model.MaxChainPEMLen {
		return nil, fault.Newf(model.CodeInvalidField, "certChainPem must be 1..%d bytes", model.MaxChainPEMLen)
	}
	certs, err := certchain.Parse(text)
	if err != nil {
		return nil, fault.From(err)
	}
	return certs, nil
}

// checkOrg refuses a chain that does not lead to one of the signer CAs
// registered on the ledger for mspID (422 UNTRUSTED_CHAIN, the code the
// chaincode gives for the same chain), or whose leaf or intermediate is on
// the latest CRL the org published for its issuer (422 CERT_REVOKED): such a
// callback never reaches the ledger, nor a group of others' signatures. The
// trust comes from the relay's cache (see trustCache: staleness can only
// waste a pre-check or refuse what the chaincode refuses too). Validity
// periods stay the chaincode's checks (at the transaction's time), so the
// path is built at a time inside the leaf's validity.
func (s *Service) checkOrg(ctx context.Context, mspID string, chain []*x509.Certificate) error {
	trust, err := s.orgTrust(ctx, mspID)
	if err != nil {
		return fromLedger(err)
	}
	if len(trust.anchors) == 0 {
		return fault.Newf(model.CodeUntrustedChain, "%s has no signer CA registered on the ledger", mspID)
	}
	leaf := chain[0]
	v, err := certchain.Verify(leaf.NotBefore, chain, trust.anchors)
	if err != nil {
		return fault.Newf(model.CodeUntrustedChain, "the certificate of %q is not issued by a signer CA of %s, the org this session is for",
			clip(leaf.Subject.CommonName), mspID).WithCause(err)
	}
	for _, l := range v.Links {
		for i := range trust.trust.CRLs {
			crl := &trust.trust.CRLs[i]
			if crl.CAFingerprint == l.CAFingerprint && certchain.Revoked(crl, l.Serial) {
				return fault.Newf(model.CodeCertRevoked, "certificate serial %s (%s) is on CRL number %s that %s published",
					l.Serial, clip(l.Subject), crl.Number, mspID)
			}
		}
	}
	return nil
}

// issuingOrgs are those of orgs (each once, in order) a signer CA of which
// issued chain, unrevoked. An org without signer CAs or that the ledger does
// not know issued nothing; a revoked certificate (only its own CA can have
// issued it) and an unreachable ledger are errors.
func (s *Service) issuingOrgs(ctx context.Context, orgs []string, chain []*x509.Certificate) ([]string, error) {
	var out []string
	for _, msp := range orgs {
		if msp == "" || slices.Contains(out, msp) {
			continue
		}
		err := s.checkOrg(ctx, msp, chain)
		if err == nil {
			out = append(out, msp)
			continue
		}
		var fe *fault.Error
		if errors.As(err, &fe) && fe.Code == model.CodeUntrustedChain || errors.Is(err, ledger.ErrRejected) {
			continue
		}
		return nil, err
	}
	return out, nil
}

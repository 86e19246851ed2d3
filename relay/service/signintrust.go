package service

import (
	"context"

	"github.com/qrsign/qrsign/chaincode/model"
)

// SignInTrust is org trust for sign-in with QR (relay/login): the same cache
// as the scan pre-check, so one CA or CRL event (TrustEvents) reaches both
// and one max age (TrustMaxAge) bounds both when no event arrives.
type SignInTrust struct{ s *Service }

// SignInTrust returns the service's org-trust cache for relay/login.
func (s *Service) SignInTrust() SignInTrust { return SignInTrust{s} }

// GetOrgTrust is mspID's trust, read from the ledger only when the cache has
// none fresh. The answer is shared: callers must not change it.
func (t SignInTrust) GetOrgTrust(ctx context.Context, mspID string) (*model.OrgTrust, error) {
	e, err := t.s.orgTrust(ctx, mspID)
	if err != nil {
		return nil, err
	}
	return e.trust, nil
}

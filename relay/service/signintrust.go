package service

import (
	"context"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
)

// SignInTrust is org trust for sign-in with QR (relay/login): the same cache
// as the scan pre-check, so one CA or CRL event (TrustEvents) reaches both
// and one max age (TrustMaxAge) bounds both when no event arrives.
type SignInTrust struct{ s *Service }

// SignInTrust returns the service's org-trust cache for relay/login.
func (s *Service) SignInTrust() SignInTrust { return SignInTrust{s} }

// GetOrgTrust reads mspID's trust from the ledger (or shares a read in
// flight) and keeps it in the cache: a sign-in callback has no chaincode
// behind it to catch a CRL the cache has not seen yet.
func (t SignInTrust) GetOrgTrust(ctx context.Context, mspID string) (*model.OrgTrust, error) {
	return t.get(ctx, mspID, 0)
}

// CachedOrgTrust is mspID's trust, read from the ledger only when the cache
// has none fresh (a session's use).
func (t SignInTrust) CachedOrgTrust(ctx context.Context, mspID string) (*model.OrgTrust, error) {
	return t.get(ctx, mspID, t.s.TrustMaxAge)
}

// get answers are shared: callers must not change them.
func (t SignInTrust) get(ctx context.Context, mspID string, maxAge time.Duration) (*model.OrgTrust, error) {
	e, err := t.s.trust.get(ctx, mspID, t.s.now(), maxAge, t.s.Ledger.GetOrgTrust)
	if err != nil {
		return nil, err
	}
	return e.trust, nil
}

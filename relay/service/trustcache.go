package service

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/qrsign/qrsign/chaincode/certchain"
	"github.com/qrsign/qrsign/chaincode/model"
)

// DefaultTrustMaxAge bounds how long a cached org trust answers scan
// pre-checks when no CA or CRL event arrives (events off, stream down).
const DefaultTrustMaxAge = time.Minute

// trustCache keeps each org's signer CAs (parsed once) and latest CRLs so a
// scan callback's pre-check costs no evaluate on a peer. It only serves the
// pre-check: the chaincode re-verifies chain and revocation at the
// transaction's time, so a stale entry can cause a wasted pre-check (a CRL
// the cache has not seen yet: the chaincode refuses CERT_REVOKED) or a
// refusal the chaincode would make too (a CA just registered: the signer
// retries), never an acceptance the ledger would not make. Entries go on the
// org's CA and CRL events (Service.TrustEvents) and after maxAge.
type trustCache struct {
	mu      sync.Mutex
	entries map[string]trustEntry
	gen     uint64 // bumped by each drop, so a load that raced one is not kept
}

type trustEntry struct {
	trust   *model.OrgTrust
	anchors []certchain.Anchor
	loaded  time.Time
}

// get returns mspID's entry if loaded at or after now-maxAge, else loads it.
func (c *trustCache) get(ctx context.Context, mspID string, now time.Time, maxAge time.Duration,
	load func(context.Context, string) (*model.OrgTrust, error)) (trustEntry, error) {
	c.mu.Lock()
	e, ok := c.entries[mspID]
	gen := c.gen
	c.mu.Unlock()
	if ok && !now.Before(e.loaded) && now.Sub(e.loaded) < maxAge {
		return e, nil
	}
	t, err := load(ctx, mspID)
	if err != nil {
		return trustEntry{}, err
	}
	e = trustEntry{trust: t, anchors: certchain.Anchors(t.CAs), loaded: now}
	c.mu.Lock()
	if c.gen == gen {
		if c.entries == nil {
			c.entries = map[string]trustEntry{}
		}
		c.entries[mspID] = e
	}
	c.mu.Unlock()
	return e, nil
}

// drop forgets mspID's entry.
func (c *trustCache) drop(mspID string) {
	c.mu.Lock()
	delete(c.entries, mspID)
	c.gen++
	c.mu.Unlock()
}

// TrustEvents takes one chaincode event payload (JSON array of model.Event,
// as the event hub hands it) and forgets the cached trust of every org a CA
// or CRL event in it names, so the next callback of that org reads the
// ledger again. Other payloads are ignored.
func (s *Service) TrustEvents(payload []byte) {
	var evs []model.Event
	if json.Unmarshal(payload, &evs) != nil {
		return // the hub logs unparsable payloads
	}
	for _, ev := range evs {
		if ev.Type == model.EventSignerCARegistered || ev.Type == model.EventCRLPublished {
			s.trust.drop(ev.MSPID)
		}
	}
}

// orgTrust is mspID's trust for a pre-check, from the cache when fresh.
func (s *Service) orgTrust(ctx context.Context, mspID string) (trustEntry, error) {
	return s.trust.get(ctx, mspID, s.now(), s.TrustMaxAge, s.Ledger.GetOrgTrust)
}

package service

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/qrsign/qrsign/chaincode/certchain"
	"github.com/qrsign/qrsign/chaincode/model"
)

// DefaultTrustMaxAge bounds how long a cached org trust answers when no CA
// or CRL event arrives (events off, stream down): the longest a revocation
// takes to end sign-in sessions then.
const DefaultTrustMaxAge = 30 * time.Second

// trustCache keeps each org's signer CAs (parsed once) and latest CRLs so a
// scan callback's pre-check and a sign-in (SignInTrust) cost no evaluate on
// a peer. For scans the chaincode re-verifies chain and revocation at the
// transaction's time, so a stale entry can cause a wasted pre-check (a CRL
// the cache has not seen yet: the chaincode refuses CERT_REVOKED) or a
// refusal the chaincode would make too (a CA just registered: the signer
// retries), never an acceptance the ledger would not make. Sign-in has no
// chaincode behind it: a CRL counts there from its event, or after maxAge.
// Entries go on the org's CA and CRL events (Service.TrustEvents) and after
// maxAge.
type trustCache struct {
	mu      sync.Mutex
	entries map[string]trustEntry
	loading map[string]*trustLoad // one evaluate per org at a time: callbacks arriving meanwhile wait for it
	gen     uint64                // bumped by each drop, so a load that raced one is not kept
}

type trustEntry struct {
	trust   *model.OrgTrust
	anchors []certchain.Anchor
	loaded  time.Time
}

// trustLoad is one GetOrgTrust in flight.
type trustLoad struct {
	done    chan struct{}
	waiters int // callers sharing it besides the first
	e       trustEntry
	err     error
}

// trustLoadTimeout bounds a shared org-trust read, which no caller's
// context bounds.
const trustLoadTimeout = 10 * time.Second

// get returns mspID's entry if loaded at or after now-maxAge, else loads it
// (or waits for the load already in flight). Every caller, the first too,
// stops waiting when its own ctx ends; the load goes on for the others.
func (c *trustCache) get(ctx context.Context, mspID string, now time.Time, maxAge time.Duration,
	load func(context.Context, string) (*model.OrgTrust, error)) (trustEntry, error) {
	c.mu.Lock()
	if e, ok := c.entries[mspID]; ok && !now.Before(e.loaded) && now.Sub(e.loaded) < maxAge {
		c.mu.Unlock()
		return e, nil
	}
	l, ok := c.loading[mspID]
	if ok {
		l.waiters++
	} else {
		l = &trustLoad{done: make(chan struct{})}
		if c.loading == nil {
			c.loading = map[string]*trustLoad{}
		}
		c.loading[mspID] = l
		// The read is shared, so it runs on its own bounded context: one
		// caller's disconnect must not fail the others (values are kept).
		go c.load(context.WithoutCancel(ctx), l, mspID, c.gen, now, load)
	}
	c.mu.Unlock()
	select {
	case <-l.done:
		return l.e, l.err
	case <-ctx.Done():
		return trustEntry{}, ctx.Err()
	}
}

// load runs l, keeps its entry unless a drop raced it (gen moved) and
// releases its waiters.
func (c *trustCache) load(ctx context.Context, l *trustLoad, mspID string, gen uint64, now time.Time,
	load func(context.Context, string) (*model.OrgTrust, error)) {
	ctx, cancel := context.WithTimeout(ctx, trustLoadTimeout)
	defer cancel()
	t, err := load(ctx, mspID)
	if err == nil {
		l.e = trustEntry{trust: t, anchors: certchain.Anchors(t.CAs), loaded: now}
	}
	l.err = err
	c.mu.Lock()
	if c.loading[mspID] == l {
		delete(c.loading, mspID)
	}
	if err == nil && c.gen == gen {
		if c.entries == nil {
			c.entries = map[string]trustEntry{}
		}
		c.entries[mspID] = l.e
	}
	c.mu.Unlock()
	close(l.done)
}

// drop forgets mspID's entry; a load in flight still answers its waiters
// but is not kept, and the next caller loads afresh.
func (c *trustCache) drop(mspID string) {
	c.mu.Lock()
	delete(c.entries, mspID)
	delete(c.loading, mspID)
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

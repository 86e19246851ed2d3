// Package groupcommit records concurrent scan callbacks' signatures in
// shared transactions (the chaincode's RecordSignatures), so a busy relay
// pays Fabric's per-transaction cost once per group, not once per signature.
//
// When nothing is in flight a signature is submitted at once, alone, through
// RecordSignature: an idle relay adds no wait. While transactions are in
// flight, arriving signatures gather; a group leaves when it has MaxItems,
// when its oldest signature has waited Window, or when nothing is in flight
// any more. So the group size follows the load. A document is in at most one
// group in flight, so a group never conflicts with itself or its neighbours.
// Every caller is answered with its own outcome, and only after its
// transaction's commit was read VALID: an item the chaincode refuses gets its
// refusal (the others are recorded), a group invalidated by a read conflict
// is split in halves and each resubmitted, and a group refused whole is
// resubmitted item by item.
package groupcommit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/ledger"
)

// Submitter is the ledger the committer writes through: ledger.Gateway.
type Submitter interface {
	ledger.Ledger
	RecordSignatures(ctx context.Context, reqs []model.SignatureRequest) (*ledger.Group, error)
}

// Config bounds the groups.
type Config struct {
	MaxItems int           // signatures per transaction, 1..model.MaxGroupItems
	Window   time.Duration // longest a signature waits for others while transactions are in flight
}

// Validate checks the bounds.
func (c Config) Validate() error {
	if c.MaxItems < 1 || c.MaxItems > model.MaxGroupItems {
		return fmt.Errorf("maxItems must be 1..%d", model.MaxGroupItems)
	}
	if c.Window < 0 || c.Window > time.Second {
		return errors.New("window must be 0..1s")
	}
	return nil
}

// Committer is a ledger.Ledger whose RecordSignature goes through group
// commit; every other call goes straight to the Submitter.
type Committer struct {
	Submitter
	cfg Config
	// OnGroup, when set, is told the size of each transaction submitted.
	OnGroup func(size int)

	mu       sync.Mutex
	queue    []*item
	inflight int
	busy     map[string]bool // documents of groups in flight
	timer    *time.Timer
}

type item struct {
	req  model.SignatureRequest
	at   time.Time
	done chan outcome
}

type outcome struct {
	w   *ledger.Written
	err error
}

// New returns a committer over s; cfg must be valid.
func New(s Submitter, cfg Config) (*Committer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Committer{Submitter: s, cfg: cfg, busy: map[string]bool{}}, nil
}

// RecordSignature records req in the next group and returns its own outcome
// once its transaction's commit status was read. If ctx ends first, the
// signature may still be recorded: the error is then ErrUnavailable with
// Submitted set, as for a transaction whose status was not read.
func (c *Committer) RecordSignature(ctx context.Context, req model.SignatureRequest) (*ledger.Written, error) {
	it := &item{req: req, at: time.Now(), done: make(chan outcome, 1)}
	c.mu.Lock()
	c.queue = append(c.queue, it)
	c.dispatch()
	c.mu.Unlock()
	select {
	case o := <-it.done:
		return o.w, o.err
	case <-ctx.Done():
		e := ledger.Unavailable("RecordSignature", "", ctx.Err())
		e.Submitted = true
		return nil, e
	}
}

// dispatch sends every group that may leave now, and arms the timer for the
// oldest signature still waiting. c.mu is held.
func (c *Committer) dispatch() {
	for {
		group := c.next()
		if len(group) == 0 {
			return
		}
		if c.inflight > 0 && len(group) < c.cfg.MaxItems {
			if wait := c.cfg.Window - time.Since(group[0].at); wait > 0 {
				if c.timer == nil {
					c.timer = time.AfterFunc(wait, c.expire)
				}
				return
			}
		}
		c.take(group)
		c.inflight++
		go c.run(group)
	}
}

func (c *Committer) expire() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.timer = nil
	c.dispatch()
}

// next is the group that would leave now: waiting signatures in arrival
// order, one per document, none on a document in flight.
func (c *Committer) next() []*item {
	var group []*item
	in := map[string]bool{}
	for _, it := range c.queue {
		d := it.req.DocumentID
		if c.busy[d] || in[d] {
			continue
		}
		in[d] = true
		if group = append(group, it); len(group) == c.cfg.MaxItems {
			break
		}
	}
	return group
}

// take moves group from the queue to the documents in flight.
func (c *Committer) take(group []*item) {
	leaving := map[*item]bool{}
	for _, it := range group {
		leaving[it] = true
		c.busy[it.req.DocumentID] = true
	}
	kept := c.queue[:0]
	for _, it := range c.queue {
		if !leaving[it] {
			kept = append(kept, it)
		}
	}
	clear(c.queue[len(kept):])
	c.queue = kept
}

// run commits a group (detached from any one caller), answers its callers,
// and lets the next groups go.
func (c *Committer) run(group []*item) {
	c.commit(context.Background(), group)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.inflight--
	for _, it := range group {
		delete(c.busy, it.req.DocumentID)
	}
	c.dispatch()
}

// commit submits group and answers each item; a read conflict splits it.
func (c *Committer) commit(ctx context.Context, group []*item) {
	if c.OnGroup != nil {
		c.OnGroup(len(group))
	}
	if len(group) == 1 {
		w, err := c.Submitter.RecordSignature(ctx, group[0].req)
		group[0].done <- outcome{w, err}
		return
	}
	reqs := make([]model.SignatureRequest, len(group))
	for i, it := range group {
		reqs[i] = it.req
	}
	grp, err := c.Submitter.RecordSignatures(ctx, reqs)
	switch {
	case err == nil:
		for i, it := range group {
			w, err := grp.Item(i)
			it.done <- outcome{w, err}
		}
	case ledger.Conflict(err):
		half := len(group) / 2
		c.parallel(ctx, group[:half], group[half:])
	case errors.Is(err, ledger.ErrRejected):
		// Refused whole (never expected: the relay validated every item):
		// each item alone gets its own answer.
		parts := make([][]*item, len(group))
		for i := range group {
			parts[i] = group[i : i+1]
		}
		c.parallel(ctx, parts...)
	default: // unreachable or invalidated otherwise: every caller learns it
		for _, it := range group {
			it.done <- outcome{nil, err}
		}
	}
}

func (c *Committer) parallel(ctx context.Context, parts ...[]*item) {
	var wg sync.WaitGroup
	for _, p := range parts {
		wg.Go(func() { c.commit(ctx, p) })
	}
	wg.Wait()
}

var _ ledger.Ledger = (*Committer)(nil)

// Unwrap is the ledger under the committer, for the reads beyond
// ledger.Ledger it does not change (evidence: blocks, org histories, witness).
func (c *Committer) Unwrap() ledger.Ledger { return c.Submitter }

package service

import (
	"time"

	"github.com/qrsign/qrsign/relay/fault"
)

// Fabric CA locks an identity after passwordattempts (default 10) wrong
// secrets until a registrar resets it, and signer ids are public on
// documents: so the relay forwards at most EnrollRefusals refused guesses
// per enrollment id per EnrollWindow, wherever they come from.
const (
	EnrollRefusals = 3
	EnrollWindow   = 15 * time.Minute
	maxEnrollIDs   = 10000 // ids with refusals remembered at most
)

type idBudget struct {
	refused  int       // refusals since since
	since    time.Time // the window's first refusal
	inflight int       // attempts at the CA now: counted before their answer
}

// begin reserves one attempt for id at the CA, or refuses it (429) while
// its refusals and attempts in flight fill the budget.
func (e *Enrollment) begin(id string, now time.Time) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ids == nil {
		e.ids = map[string]*idBudget{}
	}
	b := e.ids[id]
	if b != nil && b.refused > 0 && !now.Before(b.since.Add(EnrollWindow)) {
		b.refused = 0
	}
	if b != nil && b.refused+b.inflight >= EnrollRefusals {
		p := fault.New(fault.CodeRateLimited, "too many refused attempts for this enrollment id; wait before trying again")
		p.RetryAfter = 1 // only attempts in flight: their answers free it
		if b.refused > 0 {
			p.RetryAfter = int((b.since.Add(EnrollWindow).Sub(now) + time.Second - 1) / time.Second)
		}
		return p
	}
	if b == nil {
		if len(e.ids) >= maxEnrollIDs {
			e.evictLocked(now)
		}
		b = &idBudget{}
		e.ids[id] = b
	}
	b.inflight++
	return nil
}

// end records how the attempt begun for id went: a refusal counts, a
// success clears the id.
func (e *Enrollment) end(id string, now time.Time, refused, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b := e.ids[id]
	if b == nil {
		return // evicted meanwhile
	}
	b.inflight--
	switch {
	case ok:
		b.refused = 0
	case refused:
		if b.refused == 0 {
			b.since = now
		}
		b.refused++
	}
	if b.refused == 0 && b.inflight <= 0 {
		delete(e.ids, id)
	}
}

// evictLocked drops ids whose window is over, else the one refused
// longest ago: memory stays bounded, at worst a flood resets an old budget.
func (e *Enrollment) evictLocked(now time.Time) {
	var oldest string
	for id, b := range e.ids {
		if b.inflight > 0 {
			continue
		}
		if !now.Before(b.since.Add(EnrollWindow)) {
			delete(e.ids, id)
		} else if oldest == "" || b.since.Before(e.ids[oldest].since) {
			oldest = id
		}
	}
	if len(e.ids) >= maxEnrollIDs && oldest != "" {
		delete(e.ids, oldest)
	}
}

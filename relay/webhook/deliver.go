package webhook

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// backoff is the delay after the attempts-th failure: BaseBackoff doubling
// per attempt, capped at MaxBackoff, with "equal jitter" (half fixed, half
// random) so that a receiver coming back is not hit by every retry at once.
func (s *Service) backoff(attempts int) time.Duration {
	d := s.cfg.BaseBackoff
	for i := 1; i < attempts && d < s.cfg.MaxBackoff; i++ {
		d *= 2
	}
	if d > s.cfg.MaxBackoff {
		d = s.cfg.MaxBackoff
	}
	return d/2 + time.Duration(s.cfg.Jitter()*float64(d/2))
}

// DeliverDue attempts every pending delivery whose time has come, waits for
// the attempts and returns how many it made. Tests call it with an injected
// clock; Run uses the same dispatch without waiting.
func (s *Service) DeliverDue(ctx context.Context) int {
	var wg sync.WaitGroup
	var n atomic.Int64
	s.dispatch(ctx, &wg, &n)
	wg.Wait()
	return int(n.Load())
}

// dispatch starts one worker per subscription with due deliveries and no
// worker yet. A worker sends its subscription's due deliveries oldest first,
// one at a time, each holding one of the MaxInFlight request slots: a
// receiver that hangs holds one slot until Timeout, never the loop or the
// other subscriptions, and a subscription's events arrive in order unless a
// retry intervenes.
func (s *Service) dispatch(ctx context.Context, wg *sync.WaitGroup, attempted *atomic.Int64) {
	pending, err := s.st.Deliveries("", StatePending)
	if err != nil {
		s.log.Error("webhook: reading the outbox", "err", err)
		return
	}
	subs, err := s.st.Subscriptions()
	if err != nil {
		s.log.Error("webhook: reading subscriptions", "err", err)
		return
	}
	now := s.cfg.Now()
	due := map[string][]string{}
	for _, d := range pending {
		if !d.NextAttempt.After(now) {
			due[d.SubscriptionID] = append(due[d.SubscriptionID], d.ID)
		}
	}
	for _, sub := range subs {
		ids := due[sub.ID]
		if len(ids) == 0 || !s.claim(sub.ID) {
			continue
		}
		wg.Add(1)
		go func() {
			defer func() { s.release(sub.ID); wg.Done(); s.poke() }()
			for _, id := range ids {
				// Re-read under the claim: the list may predate an attempt
				// that has finished since (the claim's previous holder).
				d, ok, err := s.st.Delivery(id)
				if err != nil || !ok || d.State != StatePending || d.NextAttempt.After(now) {
					continue
				}
				select {
				case s.sem <- struct{}{}:
				case <-ctx.Done():
					return
				}
				attempted.Add(1)
				s.attempt(ctx, sub, d)
				<-s.sem
				if ctx.Err() != nil {
					return
				}
			}
		}()
	}
}

func (s *Service) claim(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inflight[id] {
		return false
	}
	s.inflight[id] = true
	return true
}

func (s *Service) release(id string) {
	s.mu.Lock()
	delete(s.inflight, id)
	s.mu.Unlock()
}

// attempt sends d once and records the outcome. An attempt cut short by ctx
// (shutdown) is not counted: the delivery stays as it was and is retried by
// the next process (at-least-once).
func (s *Service) attempt(ctx context.Context, sub Subscription, d Delivery) {
	err := s.send(ctx, sub, d)
	if err != nil && ctx.Err() != nil {
		return
	}
	now := s.cfg.Now().UTC()
	d.Attempts++
	s.saveMu.Lock()
	defer s.saveMu.Unlock()
	if cur, ok, _ := s.st.Delivery(d.ID); !ok || cur.State != StatePending {
		return // unsubscribed meanwhile
	}
	switch {
	case err == nil:
		d.State, d.LastError, d.DeliveredAt = StateDelivered, "", &now
	case d.Attempts >= s.cfg.MaxAttempts || now.Sub(d.CreatedAt) >= s.cfg.MaxAge:
		d.State, d.LastError = StateDead, err.Error()
		s.log.Warn("webhook: delivery dead", "delivery", d.ID, "subscription", sub.ID, "attempts", d.Attempts, "err", err)
	default:
		d.LastError, d.NextAttempt = err.Error(), now.Add(s.backoff(d.Attempts))
	}
	if err := s.st.SaveDelivery(d); err != nil {
		s.log.Error("webhook: recording an attempt", "delivery", d.ID, "err", err)
	}
}

// send POSTs the body, signed now. Only a 2xx acknowledges.
func (s *Service) send(ctx context.Context, sub Subscription, d Delivery) error {
	rctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, sub.URL, bytes.NewReader(d.Body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "qrsign-relay-webhook/1")
	req.Header.Set(EventHeader, string(d.EventType))
	req.Header.Set(DeliveryHeader, d.ID)
	req.Header.Set(SignatureHeader, Sign(sub.Secret, s.cfg.Now(), d.Body))
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		if rctx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
			return fmt.Errorf("no answer within %s", s.cfg.Timeout)
		}
		return err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}

// Run delivers until ctx ends: due deliveries at least every Poll and as soon
// as something is enqueued or replayed, and the expiry sweep every
// SweepInterval. It returns nil once in-flight requests have ended.
func (s *Service) Run(ctx context.Context) error {
	poll := time.NewTicker(s.cfg.Poll)
	defer poll.Stop()
	sweep := time.NewTicker(s.cfg.SweepInterval)
	defer sweep.Stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	var attempted atomic.Int64
	s.sweepLogged(ctx)
	for {
		s.dispatch(ctx, &wg, &attempted)
		select {
		case <-ctx.Done():
			return nil
		case <-s.wake:
		case <-poll.C:
		case <-sweep.C:
			s.sweepLogged(ctx)
		}
	}
}

func (s *Service) sweepLogged(ctx context.Context) {
	if _, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
		s.log.Warn("webhook: expiry sweep failed", "err", err)
	}
}

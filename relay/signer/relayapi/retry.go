package relayapi

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// Retry says how a request the relay could not serve is repeated. Repeating
// a scan callback is safe: the relay answers a repeated token/nonce with the
// first result ("replayed"), and the ledger accepts a nonce once.
type Retry struct {
	Attempts int           // total tries, including the first; < 1 means 1
	Base     time.Duration // first back-off
	Max      time.Duration // cap of one wait (also caps Retry-After)
}

// DefaultRetry rides out a relay restart or a peer failover (~1 min in all).
var DefaultRetry = Retry{Attempts: 12, Base: 250 * time.Millisecond, Max: 10 * time.Second}

// backoff is the wait before try n+1 (n ≥ 1): "full jitter" exponential
// back-off, so many clients retrying do not stampede in step.
func (r Retry) backoff(n int, jitter func(time.Duration) time.Duration) time.Duration {
	d := r.Base << (n - 1)
	if d <= 0 || d > r.Max {
		d = r.Max
	}
	return d/2 + jitter(d/2)
}

// retryable: the relay (or what is behind it) is briefly unable, and said
// nothing was acknowledged.
func retryable(status int) bool {
	switch status {
	case http.StatusServiceUnavailable, http.StatusBadGateway, http.StatusGatewayTimeout, http.StatusTooManyRequests:
		return true
	}
	return false
}

// retryAfter parses Retry-After (delta seconds or an HTTP date).
func retryAfter(h string, now time.Time) (time.Duration, bool) {
	if h == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(h); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(h); err == nil {
		if d := t.Sub(now); d > 0 {
			return d, true
		}
		return 0, true
	}
	return 0, false
}

func defaultJitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

package httpapi

import (
	"strconv"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/qrsign/qrsign/relay/fault"
)

// maxStreamsPerClient is how many event streams (/v1/documents/{id}/events,
// /v1/batches/{id}/events) one client (clientKey) may hold open at once: a
// page follows a handful of documents; the rate limiter only paces how fast
// streams start, not how many stay open.
const maxStreamsPerClient = 16

// streamRetryAfter is the Retry-After (seconds) of a stream refused for the cap.
const streamRetryAfter = 5

// streamCount counts the open event streams per client key.
type streamCount struct {
	mu   sync.Mutex
	open map[string]int
}

// acquire takes a slot for key unless it already holds max.
func (sc *streamCount) acquire(key string, max int) bool {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.open[key] >= max {
		return false
	}
	if sc.open == nil {
		sc.open = map[string]int{}
	}
	sc.open[key]++
	return true
}

func (sc *streamCount) release(key string) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.open[key]--; sc.open[key] <= 0 {
		delete(sc.open, key) // the map holds only clients with a stream open
	}
}

// streamLimit caps the event streams a client holds open (s.streamCap): one
// more → 429 RATE_LIMITED with Retry-After. The slot is freed when the
// handler returns, however it does (a panic included).
func (s *Server) streamLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		key := clientKey(c)
		if !s.streams.acquire(key, s.streamCap) {
			p := fault.New(fault.CodeRateLimited, "too many event streams open from this client; close one first")
			p.RetryAfter = streamRetryAfter
			c.Response().Header().Set("X-Stream-Limit", strconv.Itoa(s.streamCap))
			return p
		}
		defer s.streams.release(key)
		return next(c)
	}
}

package httpapi

import (
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/qrsign/qrsign/relay/fault"
)

// limiter is a token bucket per client key (clientKey).
type limiter struct {
	mu      sync.Mutex
	rate    float64 // tokens per second
	burst   float64
	now     func() time.Time
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(rate float64, burst int, now func() time.Time) *limiter {
	return &limiter{rate: rate, burst: float64(burst), now: now, buckets: map[string]*bucket{}, swept: now()}
}

// allow takes one token for key; when none is left it says how long until one is.
func (l *limiter) allow(key string) (bool, time.Duration) { return l.allowN(key, 1) }

// allowN takes n tokens for key; when fewer are left it takes none and says
// how long until n are.
func (l *limiter) allowN(key string, n float64) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.swept) > time.Minute { // drop full buckets so the map stays small
		for k, b := range l.buckets {
			if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	b.tokens += now.Sub(b.last).Seconds() * l.rate
	if b.tokens > l.burst {
		b.tokens = l.burst
	}
	b.last = now
	if b.tokens >= n {
		b.tokens -= n
		return true, 0
	}
	return false, time.Duration((n - b.tokens) / l.rate * float64(time.Second))
}

func (s *Server) rateLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if s.limiter == nil || isProbe(c.Request().URL.Path) {
			return next(c)
		}
		if ok, wait := s.limiter.allow(clientKey(c)); !ok {
			p := fault.New(fault.CodeRateLimited, "too many requests from this client; slow down")
			p.RetryAfter = int(wait/time.Second) + 1
			c.Response().Header().Set("X-RateLimit-Limit", strconv.FormatFloat(s.limiter.rate, 'g', -1, 64))
			return p
		}
		return next(c)
	}
}

// isProbe: health probes are never limited (/metrics is: guesses at its
// token go at the API's rate).
func isProbe(path string) bool { return path == "/healthz" || path == "/readyz" }

// clientKey is who a limit counts against: the IPv4 address, or the /64 of
// an IPv6 one (one host is routinely given a whole /64, so per address it
// would have billions of buckets). IPv4 stays per address: a /24 would be
// many unrelated clients behind one ISP's pool.
func clientKey(c echo.Context) string { return networkKey(c.RealIP()) }

func networkKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

package httpapi

// charge takes n more tokens from key's bucket after a request that cost
// more than one (a public lookup evaluates per document found). The bucket
// may go below zero, down to -burst: later requests wait for the debt.
func (l *limiter) charge(key string, n float64) {
	if l == nil || n <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		return // swept: the request that cost this was long ago
	}
	b.tokens -= n
	if b.tokens < -l.burst {
		b.tokens = -l.burst
	}
}

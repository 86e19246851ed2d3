package main

import (
	"fmt"
	"strings"
	"sync"

	"github.com/qrsign/qrsign/relay/config"
)

// tally counts the signatures each transaction committed.
type tally struct {
	mu    sync.Mutex
	sizes map[string]int // tx id → signatures
}

func (t *tally) add(txID string) {
	t.mu.Lock()
	t.sizes[txID]++
	t.mu.Unlock()
}

func (t *tally) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.sizes)
}

// distribution is how many transactions committed 1, 2–3, 4–7, … signatures,
// and their mean.
func (t *tally) distribution() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.sizes) == 0 {
		return "not measured (nothing committed)"
	}
	var buckets [7]int // 1, 2-3, 4-7, 8-15, 16-31, 32-63, 64
	sum := 0
	for _, n := range t.sizes {
		sum += n
		b := 0
		for n > 1 && b < len(buckets)-1 {
			n >>= 1
			b++
		}
		buckets[b]++
	}
	var parts []string
	for b, c := range buckets {
		lo, hi := 1<<b, 1<<(b+1)-1
		label := fmt.Sprint(lo)
		if hi > lo && b < len(buckets)-1 {
			label = fmt.Sprintf("%d-%d", lo, hi)
		}
		parts = append(parts, fmt.Sprintf("%s:%d", label, c))
	}
	return fmt.Sprintf("%s (transactions by signatures; mean %.1f)", strings.Join(parts, " "), float64(sum)/float64(len(t.sizes)))
}

func groupDesc(cfg *config.Config) string {
	if !cfg.GroupCommit.Enabled {
		return "off"
	}
	return fmt.Sprintf("maxItems %d window %v", cfg.GroupCommit.MaxItems, cfg.GroupCommit.Window.D())
}

// Package metrics keeps the relay's counters and histograms and writes them in
// the Prometheus text exposition format (version 0.0.4), without a client
// library: the relay needs a handful of series, not a dependency tree.
package metrics

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
)

// Registry holds every series.
type Registry struct {
	mu       sync.Mutex
	counters map[string]*family
	hists    map[string]*histFamily
	gauges   map[string]func() float64
	help     map[string]string
}

type family struct{ vals map[string]float64 } // label string → value

type histFamily struct {
	buckets []float64
	series  map[string]*hist
}

type hist struct {
	counts []uint64
	sum    float64
	n      uint64
}

// New returns an empty registry.
func New() *Registry {
	return &Registry{counters: map[string]*family{}, hists: map[string]*histFamily{}, gauges: map[string]func() float64{}, help: map[string]string{}}
}

// Labels renders label pairs k1, v1, k2, v2... as {k1="v1",k2="v2"}.
func Labels(kv ...string) string {
	if len(kv) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		v := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(kv[i+1])
		fmt.Fprintf(&b, "%s=\"%s\"", kv[i], v)
	}
	b.WriteByte('}')
	return b.String()
}

// Help documents a metric.
func (r *Registry) Help(name, text string) {
	r.mu.Lock()
	r.help[name] = text
	r.mu.Unlock()
}

// Add adds v to the counter name with the given labels (from Labels).
func (r *Registry) Add(name, labels string, v float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f := r.counters[name]
	if f == nil {
		f = &family{vals: map[string]float64{}}
		r.counters[name] = f
	}
	f.vals[labels] += v
}

// Gauge registers a function sampled at exposition time.
func (r *Registry) Gauge(name string, fn func() float64) {
	r.mu.Lock()
	r.gauges[name] = fn
	r.mu.Unlock()
}

// DefBuckets are latency buckets in seconds.
var DefBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2.5, 5, 10, 30}

// Observe records d in the histogram name (seconds).
func (r *Registry) Observe(name, labels string, d time.Duration) {
	v := d.Seconds()
	r.mu.Lock()
	defer r.mu.Unlock()
	hf := r.hists[name]
	if hf == nil {
		hf = &histFamily{buckets: DefBuckets, series: map[string]*hist{}}
		r.hists[name] = hf
	}
	h := hf.series[labels]
	if h == nil {
		h = &hist{counts: make([]uint64, len(hf.buckets))}
		hf.series[labels] = h
	}
	for i, b := range hf.buckets {
		if v <= b {
			h.counts[i]++
		}
	}
	h.sum += v
	h.n++
}

// ContentType is the exposition media type.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// Write writes every series, sorted, in the text format.
func (r *Registry) Write(w io.Writer) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	head := func(name, typ string) {
		if h, ok := r.help[name]; ok {
			fmt.Fprintf(&b, "# HELP %s %s\n", name, h)
		}
		fmt.Fprintf(&b, "# TYPE %s %s\n", name, typ)
	}
	for _, name := range sortedKeys(r.counters) {
		head(name, "counter")
		f := r.counters[name]
		for _, l := range sortedKeys(f.vals) {
			fmt.Fprintf(&b, "%s%s %g\n", name, l, f.vals[l])
		}
	}
	for _, name := range sortedKeys(r.gauges) {
		head(name, "gauge")
		fmt.Fprintf(&b, "%s %g\n", name, r.gauges[name]())
	}
	for _, name := range sortedKeys(r.hists) {
		head(name, "histogram")
		hf := r.hists[name]
		for _, l := range sortedKeys(hf.series) {
			h := hf.series[l]
			inner := strings.TrimSuffix(strings.TrimPrefix(l, "{"), "}")
			sep := ""
			if inner != "" {
				sep = ","
			}
			for i, bk := range hf.buckets {
				fmt.Fprintf(&b, "%s_bucket{%s%sle=\"%g\"} %d\n", name, inner, sep, bk, h.counts[i])
			}
			fmt.Fprintf(&b, "%s_bucket{%s%sle=\"+Inf\"} %d\n", name, inner, sep, h.n)
			fmt.Fprintf(&b, "%s_sum%s %g\n", name, l, h.sum)
			fmt.Fprintf(&b, "%s_count%s %d\n", name, l, h.n)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

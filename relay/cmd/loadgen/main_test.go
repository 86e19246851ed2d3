package main

import (
	"errors"
	"testing"
	"time"
)

func TestVerdictsNeedSomethingCommitted(t *testing.T) {
	ms := func(d ...int) *result {
		r := &result{elapsed: time.Second}
		for _, x := range d {
			r.lat = append(r.lat, time.Duration(x)*time.Millisecond)
		}
		return r
	}
	nothing := &result{elapsed: 30 * time.Second, errs: 120, firstErr: errors.New("503")}
	goal := 250 * time.Millisecond
	for _, tc := range []struct {
		name string
		got  string
		want string
	}{
		{"latency with nothing committed", latencyVerdict(nothing, goal), "not measured (nothing committed)"},
		{"latency under the goal", latencyVerdict(ms(100, 200, 900), goal), "met"},
		{"latency at the goal", latencyVerdict(ms(250), goal), "met"},
		{"latency over the goal", latencyVerdict(ms(100, 300, 400), goal), "NOT met"},
		{"ratio against nothing committed", ratio(ms(100), nothing), "not measured (nothing committed)"},
		{"ratio of nothing to something", ratio(nothing, ms(100, 100)), "0.00×"},
		{"ratio", ratio(ms(1, 1, 1), ms(1, 1, 1, 1)), "0.75×"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

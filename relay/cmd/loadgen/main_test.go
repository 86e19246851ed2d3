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
		{"latency with nothing committed", latencyVerdict(nothing, 50, goal), "not measured (nothing committed)"},
		{"latency under the goal", latencyVerdict(ms(100, 200, 900), 50, goal), "met"},
		{"latency at the goal", latencyVerdict(ms(250), 50, goal), "met"},
		{"latency over the goal", latencyVerdict(ms(100, 300, 400), 50, goal), "NOT met"},
		{"p99 over the goal", latencyVerdict(ms(100, 200, 900), 99, 2*goal), "NOT met"},
		{"p99 with nothing committed", latencyVerdict(nothing, 99, 2*goal), "not measured (nothing committed)"},
		{"group sizes with nothing committed", (&tally{sizes: map[string]int{}}).distribution(), "not measured (nothing committed)"},
		{"group sizes", (&tally{sizes: map[string]int{"a": 1, "b": 3, "c": 2, "d": 32, "e": 64}}).distribution(),
			"1:1 2-3:2 4-7:0 8-15:0 16-31:0 32-63:1 64:1 (transactions by signatures; mean 20.4)"},
		{"ratio against nothing committed", ratio(ms(100), nothing), "not measured (nothing committed)"},
		{"ratio of nothing to something", ratio(nothing, ms(100, 100)), "0.00×"},
		{"ratio", ratio(ms(1, 1, 1), ms(1, 1, 1, 1)), "0.75×"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

func TestLatencyGoalsFollowTheBatchTimeout(t *testing.T) {
	bt := 150 * time.Millisecond
	if p50, p99 := latencyGoals(bt, 1); p50 != 210*time.Millisecond || p99 != 0 {
		t.Errorf("1 signer: %v %v", p50, p99)
	}
	if p50, p99 := latencyGoals(bt, 50); p50 != 250*time.Millisecond || p99 != 500*time.Millisecond {
		t.Errorf("50 signers: %v %v", p50, p99)
	}
}

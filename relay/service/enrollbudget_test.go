package service

import (
	"fmt"
	"testing"
	"time"
)

func TestEnrollBudgetClearsOnSuccessAndStaysBounded(t *testing.T) {
	e := &Enrollment{}
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	for range 2 { // two refusals, then a success clears them
		if err := e.begin("a", now); err != nil {
			t.Fatal(err)
		}
		e.end("a", now, true, false)
	}
	e.begin("a", now)
	e.end("a", now, false, true)
	if len(e.ids) != 0 {
		t.Fatalf("a success left %d ids", len(e.ids))
	}
	for i := range EnrollRefusals { // a budget fills, and a CA that is down counts nothing
		e.begin("b", now)
		e.end("b", now, i > 0, false)
	}
	if err := e.begin("b", now); err != nil {
		t.Fatalf("an unanswered attempt counted: %v", err)
	}
	e.end("b", now, true, false)
	if err := e.begin("b", now); codeOf(err) != "RATE_LIMITED" {
		t.Fatalf("after %d refusals: %v", EnrollRefusals, err)
	}
	for i := range maxEnrollIDs + 50 {
		at := now.Add(time.Duration(i) * time.Millisecond)
		e.begin(fmt.Sprint("id", i), at)
		e.end(fmt.Sprint("id", i), at, true, false)
	}
	if len(e.ids) > maxEnrollIDs {
		t.Fatalf("%d ids remembered, want at most %d", len(e.ids), maxEnrollIDs)
	}
	if e.ids["id0"] != nil || e.ids[fmt.Sprint("id", maxEnrollIDs+49)] == nil {
		t.Fatal("not the oldest evicted")
	}
}

//go:build integration && faults

package integration

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/qrsign/qrsign/relay/api"
)

// With every peer of the second org down, no transaction can satisfy the
// majority endorsement policy.
func TestFaultNoEndorsementIs503ThenTheSameCallbackCommits(t *testing.T) {
	e := setup(t)
	if len(e.info.Orgs) < 2 {
		t.Fatal("needs two orgs")
	}
	var names []string
	for _, p := range e.info.Orgs[1].Peers {
		names = append(names, p.Name)
	}
	faultThenRetry(t, e, names)
}

// With every orderer down, endorsed transactions cannot be ordered.
func TestFaultNoOrderingIs503ThenTheSameCallbackCommits(t *testing.T) {
	e := setup(t)
	var names []string
	for _, o := range e.info.Orderers {
		names = append(names, o.Name)
	}
	faultThenRetry(t, e, names)
}

// faultThenRetry stops the nodes, expects a scan callback to get 503 with
// Retry-After and to record nothing, restarts them and expects the same
// callback, retried as a client would, to commit exactly once.
func faultThenRetry(t *testing.T, e *env, nodes []string) {
	t.Helper()
	fay := e.enroll(t, "fay")
	reg := e.upload(t, fay.spec(e, 1))
	id := reg.Document.ID
	body := e.callback(t, reg.Signing[0].Token, fay, "sign", "")

	restart := func() {
		for _, n := range nodes {
			if err := e.info.StartNode(n); err != nil {
				t.Errorf("restart %s: %v", n, err)
			}
		}
	}
	t.Cleanup(restart) // leave the network whole even when the test fails
	for _, n := range nodes {
		if err := e.info.Kill(n, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := json.Marshal(body)
	resp, err := http.Post(e.url+"/v1/callbacks/scan", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var p struct{ Code string }
	json.NewDecoder(resp.Body).Decode(&p)
	resp.Body.Close()
	retry, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
	if resp.StatusCode != 503 || p.Code != "UNAVAILABLE" || retry < 1 {
		t.Fatalf("with %v down: %d %s Retry-After %q, want 503 UNAVAILABLE with Retry-After",
			nodes, resp.StatusCode, p.Code, resp.Header.Get("Retry-After"))
	}
	if got := e.events(t, id); got != 1 {
		t.Fatalf("events %d after a refused callback, want 1", got)
	}

	restart()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		code, out := e.post(t, "/v1/callbacks/scan", body)
		if code == 200 {
			var r api.CallbackResult
			json.Unmarshal(out, &r)
			if r.ValidationCode != "VALID" {
				t.Fatalf("%s", out)
			}
			break
		}
		if code != 503 || time.Now().After(deadline) {
			t.Fatalf("after restart: %d %s", code, out)
		}
		time.Sleep(time.Duration(retry) * time.Second)
	}
	if got := e.events(t, id); got != 3 {
		t.Fatalf("events %d, want 3 (registered, signed, completed)", got)
	}
}

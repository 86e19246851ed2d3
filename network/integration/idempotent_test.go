//go:build integration

package integration

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/qrsign/qrsign/network/cli"
	"github.com/qrsign/qrsign/network/proc"
)

// `up` on a running, unchanged network changes nothing: every process keeps
// its pid, the chaincode keeps its sequence, and transactions still commit.
func TestUpAgainIsIdempotent(t *testing.T) {
	in := mustInfo(t)
	if in.ConfigFile == "" {
		t.Fatal("network.json has no configFile: brought up by an older network tool")
	}
	before := pids(t, in.RunDir)
	var out, errOut bytes.Buffer
	args := []string{"up", "--config", in.ConfigFile, "--profile", in.Profile, "--state", in.StateDir,
		"--port-offset", fmt.Sprint(in.PortOffset)}
	if code := cli.Main(args, &out, &errOut); code != 0 {
		t.Fatalf("up again exited %d: %s\n%s", code, errOut.String(), out.String())
	}
	after := pids(t, in.RunDir)
	for name, pid := range before {
		if after[name] != pid {
			t.Errorf("%s: pid %d -> %d, restarted by an idempotent up", name, pid, after[name])
		}
	}
	again := mustInfo(t)
	if again.ChaincodeSequence != in.ChaincodeSequence {
		t.Errorf("chaincode sequence %d -> %d without a change", in.ChaincodeSequence, again.ChaincodeSequence)
	}
	for i := range again.Orgs {
		if again.Orgs[i].PackageID != in.Orgs[i].PackageID {
			t.Errorf("%s: package %s -> %s without a change", in.Orgs[i].Name, in.Orgs[i].PackageID, again.Orgs[i].PackageID)
		}
	}
	for i := range again.Orgs {
		if err := ping(contract(t, again, &again.Orgs[i], 0)); err != nil {
			t.Fatalf("Ping through %s after up again: %v", again.Orgs[i].Name, err)
		}
	}
}

func pids(t *testing.T, runDir string) map[string]int {
	t.Helper()
	specs, err := proc.LoadAll(runDir)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]int{}
	for _, s := range specs {
		if p := s.PID(); p != 0 {
			m[s.Name] = p
		} else {
			t.Fatalf("%s is not running", s.Name)
		}
	}
	return m
}

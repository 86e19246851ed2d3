//go:build integration

package integration

import (
	"os"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/network/guide"
	"github.com/qrsign/qrsign/network/proc"
)

// network/README.md's operator guide, run exactly as written: org3 joins
// the running channel of org1 and org2 one party at a time, transacts
// through its own gateway, and leaves again.
func TestOperatorGuideJoinAndLeave(t *testing.T) {
	in := mustInfo(t)
	if _, err := in.Org("org3"); err == nil {
		t.Fatal("org3 is a member already: run on a network brought up without it")
	}
	md, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	runGuide(t, map[string]string{"STATE": in.StateDir}, guideBlock(t, string(md), "join"))
	joined := mustInfo(t)
	org3, err := joined.Org("org3")
	if err != nil {
		t.Fatalf("after the join block: %v", err)
	}
	if err := ping(contract(t, joined, org3, 0)); err != nil {
		t.Fatalf("Ping through org3's gateway after it joined: %v", err)
	}
	var procs []*proc.Spec // org3's processes, as saved while it was a member
	for _, name := range []string{org3.Peers[0].Name, org3.CA.Name, "relay.org3"} {
		s, err := joined.Process(name)
		if err != nil || s.PID() == 0 {
			t.Fatalf("%s is not running after org3 joined (%v)", name, err)
		}
		procs = append(procs, s)
	}

	runGuide(t, map[string]string{"STATE": in.StateDir}, guideBlock(t, string(md), "leave"))
	left := mustInfo(t)
	if _, err := left.Org("org3"); err == nil {
		t.Fatal("network.json lists org3 after the leave block")
	}
	for _, s := range procs {
		if s.PID() != 0 {
			t.Errorf("%s still runs after org3 left", s.Name)
		}
		if _, err := left.Process(s.Name); err == nil {
			t.Errorf("%s is still a process of the network after org3 left", s.Name)
		}
	}
	if err := ping(contract(t, left, &left.Orgs[0], 0)); err != nil {
		t.Fatalf("Ping through %s after org3 left: %v", left.Orgs[0].Name, err)
	}
}

// guideBlock returns the command lines of the guide's block name.
func guideBlock(t *testing.T, md, name string) []string {
	t.Helper()
	cmds, err := guide.Block(md, name)
	if err != nil {
		t.Fatal(err)
	}
	return cmds
}

// runGuide runs each `network ...` line with vars (STATE: the state directory) replaced.
func runGuide(t *testing.T, vars map[string]string, cmds []string) {
	t.Helper()
	if err := guide.Run(cmds, vars, func(cmd, out string) { t.Logf("%s\n%s", cmd, lastLine(out)) }); err != nil {
		t.Fatal(err)
	}
}

func lastLine(s string) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	return l[len(l)-1]
}

//go:build integration

package integration

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/network/cli"
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
	guide, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	runGuide(t, in.StateDir, guideBlock(t, string(guide), "join"))
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

	runGuide(t, in.StateDir, guideBlock(t, string(guide), "leave"))
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

// guideBlock returns the command lines of the ```sh block that follows
// "<!-- guide: name -->" (comments and blank lines dropped).
func guideBlock(t *testing.T, md, name string) []string {
	t.Helper()
	marker := "<!-- guide: " + name + " -->\n```sh\n"
	i := strings.Index(md, marker)
	if i < 0 {
		t.Fatalf("README has no %q block", name)
	}
	body := md[i+len(marker):]
	body = body[:strings.Index(body, "```")]
	var cmds []string
	for _, l := range strings.Split(body, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			cmds = append(cmds, l)
		}
	}
	return cmds
}

// runGuide runs each `network ...` line with $STATE the state directory.
func runGuide(t *testing.T, state string, cmds []string) {
	t.Helper()
	for _, c := range cmds {
		f := strings.Fields(strings.ReplaceAll(c, "$STATE", state))
		if f[0] != "network" {
			t.Fatalf("guide line %q is not a network command", c)
		}
		var out, errOut bytes.Buffer
		if code := cli.Main(f[1:], &out, &errOut); code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", c, code, out.String(), errOut.String())
		}
		t.Logf("%s\n%s", c, lastLine(out.String()))
	}
}

func lastLine(s string) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	return l[len(l)-1]
}

//go:build integration && faults

package integration

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/network/cli"
	"github.com/qrsign/qrsign/network/netinfo"
	"github.com/qrsign/qrsign/network/supervise"
)

// A crashed orderer comes back by itself, twice, each restart counted in
// `network status` with its last exit; one an operator stops with
// `network stop-node` stays down (shown stopped) while the supervisor
// restarts another crash, until `network start-node`.
func TestFaultSupervisorRestartsCrashesNotStops(t *testing.T) {
	in := mustInfo(t)
	if len(in.Orderers) < 3 {
		t.Fatalf("needs the redundant profile (3 orderers), have %d", len(in.Orderers))
	}
	if supervise.Running(in.StateDir) == nil {
		t.Fatalf("no supervisor runs for %s: `network up` starts one", in.StateDir)
	}
	crashed, stopped := in.Orderers[2].Name, in.Orderers[1].Name
	t.Cleanup(func() { in.StartNode(stopped) })
	before := restarts(t, in, crashed)

	crashAndWait(t, in, crashed)
	crashAndWait(t, in, crashed) // the back-off has doubled, and it was the supervisor's own child
	st := status(t, in, 0)
	if got := restarts(t, in, crashed) - before; got != 2 {
		t.Fatalf("%s crashed twice, status counts %d restarts:\n%s", crashed, got, st)
	}
	if f := line(t, st, crashed); f[1] != "up" || !strings.Contains(strings.Join(f, " "), "signal: killed") {
		t.Fatalf("%s after its restarts: %q, want up with last exit signal: killed", crashed, f)
	}
	if !strings.Contains(st, "supervisor: pid ") {
		t.Fatalf("status does not show the supervisor:\n%s", st)
	}

	cmd(t, "stop-node", stopped, "--state", in.StateDir)
	// The supervisor looks at every node each round: once it has restarted
	// a crash made after the stop, it has looked at the stopped one too.
	crashAndWait(t, in, crashed)
	st = status(t, in, 1)
	if f := line(t, st, stopped); f[1] != "stopped" {
		t.Fatalf("%s after stop-node: %q, want stopped:\n%s", stopped, f, st)
	}
	if p, _ := in.Process(stopped); p.PID() != 0 {
		t.Fatalf("%s runs again after stop-node: the supervisor started it", stopped)
	}
	cmd(t, "start-node", stopped, "--state", in.StateDir)
	if f := line(t, status(t, in, 0), stopped); f[1] != "up" {
		t.Fatalf("%s after start-node: %q", stopped, f)
	}
}

// crashAndWait SIGKILLs name and waits until the supervisor runs it again.
func crashAndWait(t *testing.T, in *netinfo.Info, name string) {
	t.Helper()
	p, err := in.Process(name)
	if err != nil {
		t.Fatal(err)
	}
	old := p.PID()
	if err := in.Crash(name); err != nil {
		t.Fatal(err)
	}
	at := time.Now()
	eventually(t, name+" running again", 2*time.Minute, func() (bool, string) {
		pid := p.PID()
		return pid != 0 && pid != old, fmt.Sprintf("pid %d (crashed: %d)", pid, old)
	})
	t.Logf("%s running again %s after its crash", name, time.Since(at).Round(time.Millisecond))
}

func restarts(t *testing.T, in *netinfo.Info, name string) int {
	t.Helper()
	f, err := supervise.ReadStatus(in.StateDir)
	if err != nil {
		t.Fatal(err)
	}
	return f.Nodes[name].Restarts
}

// status runs `network status` expecting exit code want.
func status(t *testing.T, in *netinfo.Info, want int) string {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := cli.Main([]string{"status", "--state", in.StateDir}, &out, &errOut); code != want {
		t.Fatalf("status exited %d, want %d: %s\n%s", code, want, errOut.String(), out.String())
	}
	return out.String()
}

// line is the status line of node, split into fields.
func line(t *testing.T, status, node string) []string {
	t.Helper()
	for _, l := range strings.Split(status, "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[0] == node {
			return f
		}
	}
	t.Fatalf("no %s in status:\n%s", node, status)
	return nil
}

func cmd(t *testing.T, args ...string) {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := cli.Main(args, &out, &errOut); code != 0 {
		t.Fatalf("network %s exited %d: %s%s", strings.Join(args, " "), code, out.String(), errOut.String())
	}
}

package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qrsign/qrsign/network/proc"
	"github.com/qrsign/qrsign/network/supervise"
)

// sleepNode saves and starts a node of state that sleeps.
func sleepNode(t *testing.T, state, name string) (*proc.Spec, int) {
	t.Helper()
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep binary")
	}
	run := filepath.Join(state, "run")
	s := &proc.Spec{Name: name, Path: sleep, Args: []string{"30"}, Env: []string{"PATH=/usr/bin:/bin"}, Dir: state,
		LogFile: filepath.Join(state, "log", name+".log"), PIDFile: filepath.Join(run, name+".pid")}
	if err := s.Save(run); err != nil {
		t.Fatal(err)
	}
	pid, err := s.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	return s, pid
}

// `network status` tells a crashed node (down: the supervisor restarts it)
// from one an operator stopped with `stop-node` (stopped), shows the
// supervisor's restarts and last exit, and says when no supervisor runs.
func TestStatusTellsCrashedFromStopped(t *testing.T) {
	state := t.TempDir()
	specs := map[string]*proc.Spec{}
	for _, name := range []string{"peer0.org1", "peer1.org1", "relay.org1"} {
		specs[name], _ = sleepNode(t, state, name)
	}
	if err := specs["peer1.org1"].Crash(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 500 && specs["peer1.org1"].PID() != 0; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	b, _ := json.Marshal(supervise.File{Nodes: map[string]supervise.NodeStatus{
		"peer1.org1": {Restarts: 3, Failures: 3, LastExit: "signal: killed", LastExitAt: at}}})
	os.MkdirAll(supervise.Dir(state), 0o755)
	if err := os.WriteFile(supervise.StatusFile(state), b, 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := Main([]string{"stop-node", "relay.org1", "--state", state}, &out, &errOut); code != 0 || out.String() != "relay.org1 stopped\n" {
		t.Fatalf("stop-node: exit %d, %q %q", code, out.String(), errOut.String())
	}

	out.Reset()
	errOut.Reset()
	code := Main([]string{"status", "--state", state}, &out, &errOut)
	if code != 1 || errOut.String() != "network status: some processes are down or stopped\n" {
		t.Fatalf("status: exit %d, stderr %q", code, errOut.String())
	}
	want := map[string]string{
		"peer0.org1": "up 0 -",
		"peer1.org1": "down 3 signal: killed (2030-01-02T03:04:05Z)",
		"relay.org1": "stopped 0 -",
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	for _, l := range lines[1 : len(lines)-1] {
		f := strings.Fields(l)
		got := strings.Join(append([]string{f[1]}, f[5:]...), " ") // pid, RSS, address between (no height: no network.json)
		if got != want[f[0]] {
			t.Errorf("%s: %q, want %q", f[0], got, want[f[0]])
		}
		delete(want, f[0])
	}
	if len(want) != 0 {
		t.Errorf("not listed: %v\n%s", want, out.String())
	}
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "supervisor: not running") {
		t.Errorf("last line %q, want the supervisor not running", last)
	}
}

// TestMain lets the test binary be the network command, as the supervisor
// that `up` starts detached is.
func TestMain(m *testing.M) {
	if os.Getenv("QRSIGN_CLI_TEST_AS_NETWORK") == "1" {
		os.Exit(Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// The supervisor, a process of its own, restarts a crashed node; `down`
// stops it first and then the nodes, and nothing is started again after.
func TestSupervisorRestartsACrashAndDownStopsIt(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	s, first := sleepNode(t, state, "peer0.org1")
	t.Setenv("QRSIGN_CLI_TEST_AS_NETWORK", "1")
	sup, err := supervise.Start(state, exe)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(sup, syscall.SIGKILL) })
	if again, err := supervise.Start(state, exe); err != nil || again != sup {
		t.Fatalf("a second Start: pid %d, %v; want the running supervisor %d", again, err, sup)
	}

	if err := s.Crash(); err != nil {
		t.Fatal(err)
	}
	// The new pid file comes a moment before the status file says so.
	var second int
	var st supervise.File
	for i := 0; i < 3000 && (second == 0 || second == first || st.Nodes["peer0.org1"].Restarts == 0); i++ {
		time.Sleep(10 * time.Millisecond)
		second = s.PID()
		if st, err = supervise.ReadStatus(state); err != nil {
			t.Fatal(err)
		}
	}
	if second == 0 || second == first {
		log, _ := os.ReadFile(filepath.Join(state, "log", "supervisor.log"))
		t.Fatalf("not restarted 30 s after the crash; supervisor log:\n%s", log)
	}
	t.Cleanup(func() { syscall.Kill(second, syscall.SIGKILL) })
	if n := st.Nodes["peer0.org1"]; n.Restarts != 1 || n.LastExit != "unknown (not started by the supervisor)" || st.PID != sup {
		t.Fatalf("status %+v; want 1 restart by pid %d, the first exit unknown", st, sup)
	}

	var out, errOut bytes.Buffer
	if code := Main([]string{"down", "--state", state}, &out, &errOut); code != 0 || out.String() != "stopped 1 processes peer0.org1\n" {
		t.Fatalf("down: exit %d, %q %q", code, out.String(), errOut.String())
	}
	if supervise.Running(state) != nil || s.PID() != 0 || s.Wanted() {
		t.Fatalf("after down: supervisor %v, node pid %d, wanted %v", supervise.Running(state) != nil, s.PID(), s.Wanted())
	}
}

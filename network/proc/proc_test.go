package proc

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func sleepSpec(t *testing.T) *Spec {
	t.Helper()
	path, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep binary")
	}
	dir := t.TempDir()
	return &Spec{Name: "sleeper", Path: path, Args: []string{"30"}, Env: []string{"PATH=/usr/bin:/bin"},
		Dir: dir, LogFile: filepath.Join(dir, "log", "sleeper.log"), PIDFile: filepath.Join(dir, "run", "sleeper.pid")}
}

// A started process is found by its pid file, survives a save/load of its
// spec, and is gone (no zombie counted as running) after Stop.
func TestStartSaveLoadStop(t *testing.T) {
	s := sleepSpec(t)
	pid, err := s.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	if got := s.PID(); got != pid {
		t.Fatalf("PID() = %d, want %d", got, pid)
	}
	if s.RSS() <= 0 {
		t.Errorf("RSS of a running process is %d", s.RSS())
	}
	run := filepath.Join(s.Dir, "run")
	if err := s.Save(run); err != nil {
		t.Fatal(err)
	}
	loaded, err := Load(run, "sleeper")
	if err != nil {
		t.Fatal(err)
	}
	if loaded.PID() != pid {
		t.Fatalf("loaded spec does not see pid %d", pid)
	}
	if err := loaded.Stop(5 * time.Second); err != nil {
		t.Fatal(err)
	}
	if s.PID() != 0 {
		t.Fatalf("still running after Stop")
	}
	if _, err := os.Stat(s.PIDFile); !os.IsNotExist(err) {
		t.Fatalf("pid file left behind: %v", err)
	}
	log, _ := os.ReadFile(s.LogFile)
	if !strings.Contains(string(log), "start sleeper") {
		t.Fatalf("log has no start marker: %q", log)
	}
}

// A pid file naming some other program (pid reuse) is not our process.
func TestPIDIgnoresOtherPrograms(t *testing.T) {
	s := sleepSpec(t)
	os.MkdirAll(filepath.Dir(s.PIDFile), 0o755)
	os.WriteFile(s.PIDFile, []byte("1\n"), 0o644)
	if got := s.PID(); got != 0 {
		t.Fatalf("PID() = %d for a pid file naming init", got)
	}
	if err := s.Signal(syscall.SIGTERM); err == nil || err.Error() != "sleeper is not running" {
		t.Fatalf("Signal: %v", err)
	}
}

func TestLoadNamesMissingNode(t *testing.T) {
	dir := t.TempDir()
	_, err := Load(dir, "peer9.org1")
	if want := `no node "peer9.org1" in ` + dir; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}

func TestPortFreeAndWaitPort(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if PortFree(port) {
		t.Fatalf("port %d reported free while listening", port)
	}
	l.Close()
	if !WaitPortFree(port, 5*time.Second) {
		t.Fatalf("port %d not free after close", port)
	}
}

// Holder names the process listening on a port: this test binary.
func TestHolderNamesListeningProcess(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got := Holder(l.Addr().(*net.TCPAddr).Port)
	want := "pid " + strconv.Itoa(os.Getpid()) + " ("
	if !strings.HasPrefix(got, want) {
		t.Fatalf("Holder = %q, want prefix %q", got, want)
	}
}

// A node that dies at start is reported with how it ended and what it logged
// in its latest run only, so CI output says why without the log file.
func TestWaitPortReportsLogTailOfLatestRun(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	s := sleepSpec(t)
	s.Path, s.Args = sh, []string{"-c", "echo old run; exit 1"}
	if _, err := s.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	s.Args = []string{"-c", "echo panic: wal is torn; exit 2"}
	if _, err := s.Start(); err != nil {
		t.Fatal(err)
	}
	err = WaitPort(s, 1, 10*time.Second)
	if err == nil {
		t.Fatal("WaitPort succeeded for a process that exited")
	}
	msg := err.Error()
	if !strings.Contains(msg, "sleeper exited (exit status 2); see "+s.LogFile) || !strings.Contains(msg, "  | panic: wal is torn") {
		t.Fatalf("error does not carry the latest run's log:\n%s", msg)
	}
	if strings.Contains(msg, "old run") {
		t.Fatalf("error carries an earlier run's log:\n%s", msg)
	}
}

package proc

import (
	"errors"
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
	addr := l.Addr().String()
	if PortFree(addr) {
		t.Fatalf("%s reported free while listening", addr)
	}
	l.Close()
	if !WaitPortFree(addr, 5*time.Second) {
		t.Fatalf("%s not free after close", addr)
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

// A process this Spec started is running until its Wait says otherwise,
// whatever /proc shows: here `sh -c "exec sleep"` no longer has the spec's
// binary as argv[0] (as a process in the middle of exec has no arguments at
// all), and WaitPort must time out on the closed port, not call it dead.
func TestWaitPortTrustsWaitForAProcessItStarted(t *testing.T) {
	s := sleepSpec(t)
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	s.Path, s.Args = sh, []string{"-c", "exec sleep 30"}
	pid, err := s.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
	time.Sleep(100 * time.Millisecond) // the exec has happened: PID() no longer knows it
	err = WaitPort(s, 1, 300*time.Millisecond)
	if err == nil || errors.Is(err, ErrExited) || !strings.Contains(err.Error(), "127.0.0.1:1 not open after 300ms") {
		t.Fatalf("WaitPort = %v, want the timeout", err)
	}
	syscall.Kill(pid, syscall.SIGKILL)
	if err := WaitPort(s, 1, 5*time.Second); !errors.Is(err, ErrExited) || !strings.Contains(err.Error(), "(signal: killed)") {
		t.Fatalf("after the kill: %v", err)
	}
}

// Right after Start, PID() knows the process: Start returns once the exec
// succeeded, a moment before the kernel shows the new arguments in /proc (an
// empty cmdline; measured: 4% of starts on a loaded 2-core machine), which
// used to read as "not running": a node reported dead at start. An empty
// cmdline that fills in is the process; one that stays empty (a kernel
// thread that reused the pid) is not.
func TestPIDWaitsOutAnEmptyCmdlineMidExec(t *testing.T) {
	s := sleepSpec(t)
	root := t.TempDir()
	defer func(old string) { procRoot = old }(procRoot)
	procRoot = root
	os.MkdirAll(filepath.Dir(s.PIDFile), 0o755)
	os.WriteFile(s.PIDFile, []byte("4242\n"), 0o644)
	dir := filepath.Join(root, "4242")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "stat"), []byte("4242 (sleep) S 1"), 0o644)
	cmdline := filepath.Join(dir, "cmdline")

	os.WriteFile(cmdline, nil, 0o644)
	go func() {
		time.Sleep(20 * time.Millisecond)
		os.WriteFile(cmdline, []byte(s.Path+"\x0030\x00"), 0o644)
	}()
	if got := s.PID(); got != 4242 {
		t.Fatalf("mid-exec: PID() = %d, want 4242", got)
	}
	os.WriteFile(cmdline, nil, 0o644)
	if got := s.PID(); got != 0 {
		t.Fatalf("a cmdline that stays empty: PID() = %d, want 0", got)
	}
	os.WriteFile(cmdline, []byte(s.Path+"\x00"), 0o644)
	os.WriteFile(filepath.Join(dir, "stat"), []byte("4242 (sleep) Z 1"), 0o644)
	if got := s.PID(); got != 0 {
		t.Fatalf("a zombie: PID() = %d, want 0", got)
	}
}

// The pid file is the node's wanted state: a crash (or a freeze) leaves it,
// so the supervisor restarts the node; an operator's stop removes it before
// the process ends, so nothing does. How the process ended is known to the
// Spec that started it.
func TestWantedAfterCrashNotAfterAStop(t *testing.T) {
	wait := func(s *Spec) {
		for i := 0; i < 500 && s.ExitStatus() == ""; i++ {
			time.Sleep(10 * time.Millisecond)
		}
	}
	tests := []struct {
		name     string
		end      func(s *Spec) error
		wanted   bool
		exit     string
		stillRun bool
	}{
		{"crash", (*Spec).Crash, true, "signal: killed", false},
		{"SIGKILL by an operator", func(s *Spec) error { return s.Signal(syscall.SIGKILL) }, false, "signal: killed", false},
		{"SIGTERM by an operator", func(s *Spec) error { return s.Signal(syscall.SIGTERM) }, false, "signal: terminated", false},
		{"stop", func(s *Spec) error { return s.Stop(5 * time.Second) }, false, "signal: terminated", false},
		{"freeze", func(s *Spec) error { return s.Signal(syscall.SIGSTOP) }, true, "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := sleepSpec(t)
			pid, err := s.Start()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
			if !s.Wanted() || s.ExitStatus() != "" {
				t.Fatalf("running: Wanted %v, ExitStatus %q", s.Wanted(), s.ExitStatus())
			}
			if err := tc.end(s); err != nil {
				t.Fatal(err)
			}
			if !tc.stillRun {
				wait(s)
			}
			if got := s.Wanted(); got != tc.wanted {
				t.Errorf("Wanted() = %v, want %v", got, tc.wanted)
			}
			if got := s.ExitStatus(); got != tc.exit {
				t.Errorf("ExitStatus() = %q, want %q", got, tc.exit)
			}
			if running := s.alive(pid) != 0; running != tc.stillRun {
				t.Errorf("running = %v, want %v", running, tc.stillRun)
			}
		})
	}
}

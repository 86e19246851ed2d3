// Package proc starts the network's native processes detached from the
// caller (own session, log file, pid file) and saves each command line as a
// Spec so a node can be stopped and started again later (`network start-node`,
// the supervisor, fault tests) exactly as `up` started it.
//
// The pid file is also the node's wanted state: Start writes it, and an
// operator's stop (Stop, a terminating Signal) removes it before the process
// ends. A node whose pid file names a process that is gone has crashed, and
// the supervisor starts it again; a node without one stays down.
package proc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// Spec is how to run one node.
type Spec struct {
	Name    string   `json:"name"`
	Path    string   `json:"path"` // absolute binary path
	Args    []string `json:"args"`
	Env     []string `json:"env"` // complete environment
	Dir     string   `json:"dir"`
	LogFile string   `json:"logFile"`
	PIDFile string   `json:"pidFile"`
	Host    string   `json:"host,omitempty"` // IP address it listens on (its org's host; default 127.0.0.1)
	Ports   []int    `json:"ports"`          // TCP ports it listens on (first = main)

	// last is the process this Spec started most recently, if any.
	last atomic.Pointer[run]
}

// SpecFile is where the spec of name is saved under runDir.
func SpecFile(runDir, name string) string { return filepath.Join(runDir, name+".json") }

// Save writes the spec to runDir/<name>.json.
func (s *Spec) Save(runDir string) error {
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(SpecFile(runDir, s.Name), b, 0o600)
}

// Load reads a saved spec.
func Load(runDir, name string) (*Spec, error) {
	b, err := os.ReadFile(SpecFile(runDir, name))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no node %q in %s", name, runDir)
		}
		return nil, err
	}
	var s Spec
	return &s, json.Unmarshal(b, &s)
}

// LoadAll reads every saved spec in runDir, sorted by name.
func LoadAll(runDir string) ([]*Spec, error) {
	m, _ := filepath.Glob(filepath.Join(runDir, "*.json"))
	var out []*Spec
	for _, f := range m {
		s, err := Load(runDir, strings.TrimSuffix(filepath.Base(f), ".json"))
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Start runs the process in its own session with stdout and stderr appended
// to LogFile, writes PIDFile and returns the pid. The child is reaped in the
// background so a caller that lives on (a test) leaves no zombie.
func (s *Spec) Start() (int, error) {
	if err := os.MkdirAll(filepath.Dir(s.LogFile), 0o755); err != nil {
		return 0, err
	}
	logf, err := os.OpenFile(s.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return 0, err
	}
	defer logf.Close()
	fmt.Fprintf(logf, "\n==== %s start %s\n", time.Now().UTC().Format(time.RFC3339), s.Name)
	cmd := exec.Command(s.Path, s.Args...)
	cmd.Env, cmd.Dir = s.Env, s.Dir
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("start %s: %w", s.Name, err)
	}
	r := &run{}
	s.last.Store(r)
	go func() {
		cmd.Wait()
		st := cmd.ProcessState.String()
		r.exit.Store(&st)
	}()
	pid := cmd.Process.Pid
	if err := os.MkdirAll(filepath.Dir(s.PIDFile), 0o755); err != nil {
		return 0, err
	}
	return pid, os.WriteFile(s.PIDFile, []byte(strconv.Itoa(pid)+"\n"), 0o644)
}

// PID returns the pid of the running process, or 0 when it is not running
// (no pid file, no such process, a zombie, or a pid reused by another program).
func (s *Spec) PID() int {
	b, err := os.ReadFile(s.PIDFile)
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	return s.alive(pid)
}

// Wanted reports whether the node should be running: it was started and no
// operator has stopped it since (its pid file is there).
func (s *Spec) Wanted() bool {
	_, err := os.Stat(s.PIDFile)
	return err == nil
}

// alive returns pid if it is this node's running process, else 0.
func (s *Spec) alive(pid int) int {
	if zombie(pid) {
		return 0
	}
	var cmdline []byte
	var err error
	for try := 0; ; try++ {
		cmdline, err = os.ReadFile(procFile(pid, "cmdline"))
		if err != nil {
			return 0
		}
		// A process in the middle of exec (Start has returned: the exec
		// succeeded) shows no arguments until the kernel has set them up.
		if len(cmdline) > 0 || try == 20 || zombie(pid) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	argv0, _, _ := bytes.Cut(cmdline, []byte{0})
	if string(argv0) != s.Path {
		return 0
	}
	return pid
}

// procRoot is where the process table is read (a test points it elsewhere).
var procRoot = "/proc"

func procFile(pid int, name string) string { return filepath.Join(procRoot, strconv.Itoa(pid), name) }

// zombie reports whether pid has exited and awaits its parent's wait.
func zombie(pid int) bool {
	stat, err := os.ReadFile(procFile(pid, "stat"))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(stat, ')')
	return i > 0 && i+2 < len(stat) && stat[i+2] == 'Z'
}

// run is one process a Spec started: exit is how it ended ("exit status 1",
// "signal: killed"), once it has, which an error about a node that died at
// start says besides its log.
type run struct{ exit atomic.Pointer[string] }

// Exited reports whether the node is not running. For a process this Spec
// started, its Wait is the authority (whatever /proc shows mid-exec);
// otherwise PID.
func (s *Spec) Exited() bool {
	if r := s.last.Load(); r != nil {
		return r.exit.Load() != nil
	}
	return s.PID() == 0
}

// Signal sends sig to the running process. A signal that ends it (SIGTERM,
// SIGKILL, SIGINT) is an operator's stop: the pid file goes first, so the
// supervisor leaves the node down until it is started again.
func (s *Spec) Signal(sig syscall.Signal) error {
	pid := s.PID()
	if pid == 0 {
		return fmt.Errorf("%s is not running", s.Name)
	}
	if sig == syscall.SIGTERM || sig == syscall.SIGKILL || sig == syscall.SIGINT {
		os.Remove(s.PIDFile)
	}
	return syscall.Kill(pid, sig)
}

// Crash SIGKILLs the running process as a fault would: its pid file stays,
// so the supervisor starts the node again.
func (s *Spec) Crash() error {
	pid := s.PID()
	if pid == 0 {
		return fmt.Errorf("%s is not running", s.Name)
	}
	return syscall.Kill(pid, syscall.SIGKILL)
}

// Stop removes the pid file (the node is no longer wanted: the supervisor
// must not take the stop for a crash), sends SIGTERM, waits up to grace,
// then SIGKILLs.
func (s *Spec) Stop(grace time.Duration) error {
	pid := s.PID()
	os.Remove(s.PIDFile)
	if pid == 0 {
		return nil
	}
	syscall.Kill(pid, syscall.SIGTERM)
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) {
		if s.alive(pid) == 0 {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	syscall.Kill(pid, syscall.SIGKILL)
	for i := 0; i < 100 && s.alive(pid) != 0; i++ {
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

// RSS returns the resident set size in KiB (VmRSS), 0 if not running.
func (s *Spec) RSS() int {
	pid := s.PID()
	if pid == 0 {
		return 0
	}
	b, err := os.ReadFile(procFile(pid, "status"))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			f := strings.Fields(l)
			if len(f) >= 2 {
				n, _ := strconv.Atoi(f[1])
				return n
			}
		}
	}
	return 0
}

// ErrExited is wrapped by WaitPort's error when the process died before its
// port opened.
var ErrExited = errors.New("exited")

// Addr is host:port on the node's host.
func (s *Spec) Addr(port int) string {
	h := s.Host
	if h == "" {
		h = "127.0.0.1"
	}
	return net.JoinHostPort(h, strconv.Itoa(port))
}

// WaitPort waits until port on the node's host accepts TCP connections,
// failing early (ErrExited) when the process has exited (its log says why).
func WaitPort(s *Spec, port int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", s.Addr(port), time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if s.Exited() {
			return s.ExitedError()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: %s not open after %s; see %s", s.Name, s.Addr(port), timeout, s.LogFile)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ExitedError says that the node died (ErrExited), how, and what it logged.
func (s *Spec) ExitedError() error {
	return fmt.Errorf("%s %w%s; see %s, which ends:\n%s", s.Name, ErrExited, s.exitNote(), s.LogFile, s.LogTail(40))
}

// exitNote is " (exit status 1)" when this process started the node and
// saw it end, else "" (a node started by another process: its parent reaps it).
func (s *Spec) exitNote() string {
	for i := 0; s.last.Load() != nil && i < 10; i++ { // Wait may lag PID() by a moment
		if e := s.ExitStatus(); e != "" {
			return " (" + e + ")"
		}
		time.Sleep(10 * time.Millisecond)
	}
	return ""
}

// ExitStatus is how the process this Spec started last ended ("exit status
// 1", "signal: killed"), or "" while it runs or when another process
// started it (only the parent learns how a process ended).
func (s *Spec) ExitStatus() string {
	if r := s.last.Load(); r != nil {
		if e := r.exit.Load(); e != nil {
			return *e
		}
	}
	return ""
}

// LogTail returns the last n lines the node logged since its latest start,
// so an error about a node that died says why without a trip to its log (CI
// keeps only the test output).
func (s *Spec) LogTail(n int) string {
	b, err := os.ReadFile(s.LogFile)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	if i := bytes.LastIndex(b, []byte("\n==== ")); i >= 0 {
		b = b[i+1:]
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "  | " + strings.Join(lines, "\n  | ")
}

// PortFree reports whether nothing listens on addr (host:port).
func PortFree(addr string) bool {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// WaitPortFree waits until nothing listens on addr: a stopped process may
// release its sockets a moment after it stops being listed as running.
func WaitPortFree(addr string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for !PortFree(addr) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
	return true
}

package supervise

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/qrsign/qrsign/network/proc"
)

// Interval is how often Run looks at the nodes: a crash is noticed within it.
const Interval = 500 * time.Millisecond

// spec is a saved node as a Node.
type spec struct{ *proc.Spec }

func (s spec) Name() string  { return s.Spec.Name }
func (s spec) Running() bool { return s.PID() != 0 }
func (s spec) Start() error  { _, err := s.Spec.Start(); return err }

// Specs lists the nodes saved in runDir.
func Specs(runDir string) func() ([]Node, error) {
	return func() ([]Node, error) {
		specs, err := proc.LoadAll(runDir)
		if err != nil {
			return nil, err
		}
		nodes := make([]Node, len(specs))
		for i, s := range specs {
			nodes[i] = spec{s}
		}
		return nodes, nil
	}
}

// File is the supervisor's status, which `network status` reads.
type File struct {
	PID     int                   `json:"pid"`
	Updated time.Time             `json:"updated"`
	Nodes   map[string]NodeStatus `json:"nodes"`
}

// StatusFile is where the supervisor of a state directory writes its status.
func StatusFile(state string) string { return filepath.Join(state, "supervisor", "status.json") }

// ReadStatus reads the status the supervisor of state wrote last (an empty
// File when it never ran).
func ReadStatus(state string) (File, error) {
	var f File
	b, err := os.ReadFile(StatusFile(state))
	if errors.Is(err, os.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return f, err
	}
	return f, json.Unmarshal(b, &f)
}

// writeStatus replaces the status file whole (a reader never sees half of it).
func writeStatus(state string, f File) error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	path := StatusFile(state)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Run supervises the nodes of state until ctx ends, logging each change of
// a node's status to w and keeping the status file current.
func (s *Supervisor) Run(ctx context.Context, state string, w io.Writer) error {
	last := map[string]NodeStatus{}
	for {
		now := time.Now()
		changed, err := s.Round(now)
		if err != nil {
			fmt.Fprintf(w, "%s %v\n", now.UTC().Format(time.RFC3339), err)
		}
		if changed {
			st := s.Status()
			for name, n := range st {
				if n != last[name] {
					fmt.Fprintf(w, "%s %s: restarts %d, failures %d, last exit %q, next start %s\n", now.UTC().Format(time.RFC3339),
						name, n.Restarts, n.Failures, n.LastExit, formatTime(n.NextStart))
				}
			}
			last = st
			if err := writeStatus(state, File{PID: os.Getpid(), Updated: now.UTC(), Nodes: st}); err != nil {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(Interval):
		}
	}
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// Dir holds the supervisor's own files: its saved command line, pid file
// and status (not run/, which holds the nodes it supervises).
func Dir(state string) string { return filepath.Join(state, "supervisor") }

// ProcName is the supervisor's name as a process.
const ProcName = "supervisor"

// Running returns the saved supervisor of state if its process runs.
func Running(state string) *proc.Spec {
	s, err := proc.Load(Dir(state), ProcName)
	if err != nil || s.PID() == 0 {
		return nil
	}
	return s
}

// Start starts `exe supervise --state state` detached, unless the saved
// supervisor runs, and returns its pid. The caller holds the state lock.
func Start(state, exe string) (int, error) {
	if s := Running(state); s != nil {
		return s.PID(), nil
	}
	s := &proc.Spec{Name: ProcName, Path: exe, Args: []string{"supervise", "--state", state},
		Env: os.Environ(), Dir: state,
		LogFile: filepath.Join(state, "log", ProcName+".log"), PIDFile: filepath.Join(Dir(state), "pid")}
	if err := s.Save(Dir(state)); err != nil {
		return 0, err
	}
	return s.Start()
}

// Stop stops the supervisor of state, if it runs: nothing restarts after.
func Stop(state string) error {
	if _, err := os.Stat(proc.SpecFile(Dir(state), ProcName)); errors.Is(err, os.ErrNotExist) {
		return nil // never started
	}
	s, err := proc.Load(Dir(state), ProcName)
	if err != nil {
		return err
	}
	return s.Stop(10 * time.Second)
}

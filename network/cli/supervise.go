package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/qrsign/qrsign/network/statelock"
	"github.com/qrsign/qrsign/network/supervise"
	"github.com/qrsign/qrsign/network/systemd"
)

// superviseCommand runs the supervisor of the state directory in the
// foreground until SIGTERM (`up` starts it detached, `down` stops it).
func superviseCommand(o Options, w io.Writer) error {
	state, err := o.stateDir()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	s := &supervise.Supervisor{Policy: supervise.DefaultPolicy,
		Nodes: supervise.Specs(filepath.Join(state, "run")),
		Lock:  func() (func(), bool, error) { return statelock.TryLock(state) }}
	fmt.Fprintf(w, "%s supervising %s (pid %d)\n", time.Now().UTC().Format(time.RFC3339), state, os.Getpid())
	return s.Run(ctx, state, w)
}

// startSupervisor makes sure the state's supervisor runs (the caller holds
// the state lock).
func startSupervisor(state string, w io.Writer) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	pid, err := supervise.Start(state, exe)
	if err != nil {
		return fmt.Errorf("supervisor: %w", err)
	}
	fmt.Fprintf(w, "  supervisor  pid %d restarts crashed processes (log %s/log/supervisor.log)\n", pid, state)
	return nil
}

// stopNode stops one node as an operator: the supervisor leaves it down
// until `start-node`.
func stopNode(o Options, node string, w io.Writer) error {
	s, err := o.node(node)
	if err != nil {
		return err
	}
	if err := s.Stop(10 * time.Second); err != nil {
		return err
	}
	fmt.Fprintf(w, "%s stopped\n", node)
	return nil
}

// systemdUnits writes a unit per node of the state directory into dir.
func systemdUnits(o Options, dir string, w io.Writer) error {
	state, err := o.stateDir()
	if err != nil {
		return err
	}
	names, err := systemd.Write(filepath.Join(state, "run"), dir)
	for _, n := range names {
		fmt.Fprintln(w, filepath.Join(dir, n))
	}
	return err
}

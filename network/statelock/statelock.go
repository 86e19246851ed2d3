// Package statelock serialises what changes a network's processes: the
// commands that change a network (up, down, start-node, stop-node, org,
// update) and each restart the supervisor makes, so a supervisor never
// restarts a node an operator is stopping. The lock file sits beside the
// state directory so `down --purge` keeps it.
package statelock

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Lock takes the lock of the state directory, waiting (and saying so on w)
// while another command holds it.
func Lock(state string, w io.Writer) (unlock func(), err error) {
	fd, err := open(state)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(fd.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		fmt.Fprintf(w, "waiting for another network command on %s (%s)\n", state, fd.Name())
		if err := syscall.Flock(int(fd.Fd()), syscall.LOCK_EX); err != nil {
			fd.Close()
			return nil, err
		}
	}
	return release(fd), nil
}

// TryLock takes the lock if nobody holds it; ok is false when somebody does.
func TryLock(state string) (unlock func(), ok bool, err error) {
	fd, err := open(state)
	if err != nil {
		return nil, false, err
	}
	if err := syscall.Flock(int(fd.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		fd.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, false, nil
		}
		return nil, false, err
	}
	return release(fd), true, nil
}

// Canonical is the path the lock of state is keyed on: state with its
// symlinks resolved, so one state directory named through different links
// (or relative paths) has one lock. For a state that does not exist yet
// its nearest existing ancestor is resolved and the rest joined on, so the
// lock does not change when `up` creates the directory.
func Canonical(state string) (string, error) {
	abs, err := filepath.Abs(state)
	if err != nil {
		return "", err
	}
	var rest []string
	for p := abs; ; {
		r, err := filepath.EvalSymlinks(p)
		if err == nil {
			for i := len(rest) - 1; i >= 0; i-- {
				r = filepath.Join(r, rest[i])
			}
			return r, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(p)
		if parent == p {
			return abs, nil
		}
		rest = append(rest, filepath.Base(p))
		p = parent
	}
}

func open(state string) (*os.File, error) {
	c, err := Canonical(state)
	if err != nil {
		return nil, err
	}
	f := c + ".lock"
	if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
		return nil, err
	}
	return os.OpenFile(f, os.O_CREATE|os.O_RDWR, 0o644)
}

func release(fd *os.File) func() {
	return func() { syscall.Flock(int(fd.Fd()), syscall.LOCK_UN); fd.Close() }
}

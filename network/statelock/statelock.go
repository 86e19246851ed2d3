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

func open(state string) (*os.File, error) {
	f := filepath.Clean(state) + ".lock"
	if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
		return nil, err
	}
	return os.OpenFile(f, os.O_CREATE|os.O_RDWR, 0o644)
}

func release(fd *os.File) func() {
	return func() { syscall.Flock(int(fd.Fd()), syscall.LOCK_UN); fd.Close() }
}

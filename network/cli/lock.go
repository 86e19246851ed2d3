package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// lock serialises commands that change a network (up, down, start-node): two
// `scripts/up.sh` runs on one checkout must not deploy at the same time. The
// lock file sits beside the state directory so `down --purge` keeps it.
func lock(state string, w io.Writer) (unlock func(), err error) {
	f := filepath.Clean(state) + ".lock"
	if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
		return nil, err
	}
	fd, err := os.OpenFile(f, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(fd.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		fmt.Fprintf(w, "waiting for another network command on %s (%s)\n", state, f)
		if err := syscall.Flock(int(fd.Fd()), syscall.LOCK_EX); err != nil {
			fd.Close()
			return nil, err
		}
	}
	return func() { syscall.Flock(int(fd.Fd()), syscall.LOCK_UN); fd.Close() }, nil
}

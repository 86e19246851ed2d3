package statelock

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// While one holder has the lock, TryLock says so without waiting; once it
// is released, TryLock takes it.
func TestTryLockSeesTheHolder(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	unlock, err := Lock(state, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := TryLock(state); ok || err != nil {
		t.Fatalf("TryLock while held: ok %v, err %v; want false, nil", ok, err)
	}
	unlock()
	u2, ok, err := TryLock(state)
	if !ok || err != nil {
		t.Fatalf("TryLock after release: ok %v, err %v; want true, nil", ok, err)
	}
	u2()
}

// One state directory named through a symlink, or before and after it
// exists, has one lock: the CLI and the supervisor never both hold it.
func TestSymlinkedStateSharesTheLock(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "state")
	if err := os.Mkdir(real, 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "current")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	unlock, err := Lock(real, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	u, ok, err := TryLock(link)
	if u != nil {
		u()
	}
	if ok || err != nil {
		t.Fatalf("TryLock(%s) while %s is locked: ok %v err %v; want false, nil", link, real, ok, err)
	}
	if _, err := os.Stat(link + ".lock"); !os.IsNotExist(err) {
		t.Errorf("lock file beside the link: %v", err)
	}
}

func TestCanonical(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	real := filepath.Join(dir, "real")
	if err := os.Mkdir(real, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		filepath.Join(dir, "link"):                 real,
		filepath.Join(dir, "link", "..", "real"):   real,
		filepath.Join(dir, "link", "new", "state"): filepath.Join(real, "new", "state"), // not made yet
		filepath.Join(dir, "real") + "/":           real,
	} {
		if got, err := Canonical(in); err != nil || got != want {
			t.Errorf("Canonical(%s) = %q, %v; want %q", in, got, err, want)
		}
	}
}

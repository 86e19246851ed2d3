package statelock

import (
	"io"
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

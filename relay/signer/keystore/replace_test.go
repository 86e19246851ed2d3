package keystore

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/relay/signer/signertest"
)

var testKDF = KDF{N: 1 << 14, R: 8, P: 1}

var identityFiles = []string{KeyFile, CertFile, ChainFile, IdentityFile}

type snapshot map[string]struct {
	data []byte
	mode os.FileMode
}

func snap(t *testing.T, dir string) snapshot {
	t.Helper()
	s := snapshot{}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		st, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		var b []byte
		if st.Mode().IsRegular() {
			b, _ = os.ReadFile(p)
		}
		s[e.Name()] = struct {
			data []byte
			mode os.FileMode
		}{b, st.Mode()}
	}
	return s
}

func (s snapshot) equal(o snapshot) bool {
	if len(s) != len(o) {
		return false
	}
	for k, v := range s {
		w, ok := o[k]
		if !ok || v.mode != w.mode || !bytes.Equal(v.data, w.data) {
			return false
		}
	}
	return true
}

func (s snapshot) names() []string {
	var n []string
	for k := range s {
		n = append(n, k)
	}
	return n
}

// A forced Save (enroll --force) whose k-th rename fails leaves the
// previous identity exactly as it was (bytes and modes), with no temporary
// or .bak file left; the key still unlocks and matches the certificate.
func TestForcedSaveFailingHalfwayKeepsThePreviousIdentity(t *testing.T) {
	ca := signertest.NewCA("Org1 CA")
	old, neu := ca.Signer("alice"), ca.Signer("alice")
	for k := range identityFiles {
		t.Run(identityFiles[k], func(t *testing.T) {
			ks := &Keystore{Dir: filepath.Join(t.TempDir(), "home"), KDF: testKDF}
			if err := ks.Save(Identity{ID: "alice"}, old.Key, []byte(old.CertPEM), []byte(ca.PEM()), []byte("pw"), false); err != nil {
				t.Fatal(err)
			}
			before := snap(t, ks.Dir)
			failAt(t, k)
			err := ks.Save(Identity{ID: "alice", CAURL: "new"}, neu.Key, []byte(neu.CertPEM), []byte(ca.PEM()), []byte("pw2"), true)
			want := "keystore: replacing " + filepath.Join(ks.Dir, identityFiles[k]) + ": injected (the previous files are restored)"
			if err == nil || err.Error() != want {
				t.Fatalf("Save err = %v, want %s", err, want)
			}
			if after := snap(t, ks.Dir); !after.equal(before) {
				t.Fatalf("files after the failed Save %v, before %v", after.names(), before.names())
			}
			key, err := ks.Unlock([]byte("pw"))
			if err != nil || !key.Equal(old.Key) {
				t.Fatalf("Unlock: %v (the old key: %v)", err, key != nil && key.Equal(old.Key))
			}
			if c, err := ks.Cert(); err != nil || !old.Key.PublicKey.Equal(c.PublicKey) {
				t.Fatalf("the certificate is not the old key's: %v", err)
			}
		})
	}
}

// A first Save failing halfway leaves no identity (nothing half written).
func TestFirstSaveFailingHalfwayLeavesNothing(t *testing.T) {
	ca := signertest.NewCA("Org1 CA")
	a := ca.Signer("alice")
	ks := &Keystore{Dir: t.TempDir(), KDF: testKDF}
	failAt(t, 2)
	if err := ks.Save(Identity{ID: "alice"}, a.Key, []byte(a.CertPEM), []byte(ca.PEM()), []byte("pw"), false); err == nil {
		t.Fatal("Save succeeded")
	}
	if s := snap(t, ks.Dir); len(s) != 0 || ks.Exists() {
		t.Fatalf("left %v", s.names())
	}
}

// A forced Save that succeeds replaces every file, keeps the modes and
// leaves no .bak or temporary file.
func TestForcedSaveReplacesEverything(t *testing.T) {
	ca := signertest.NewCA("Org1 CA")
	old, neu := ca.Signer("alice"), ca.Signer("alice")
	ks := &Keystore{Dir: filepath.Join(t.TempDir(), "home"), KDF: testKDF}
	if err := ks.Save(Identity{ID: "alice"}, old.Key, []byte(old.CertPEM), []byte(ca.PEM()), []byte("pw"), false); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(ks.Dir, KeyFile+BackupSuffix), []byte("stale"), 0o600) // from an earlier crash
	if err := ks.Save(Identity{ID: "alice"}, neu.Key, []byte(neu.CertPEM), []byte(ca.PEM()), []byte("pw2"), true); err != nil {
		t.Fatal(err)
	}
	s := snap(t, ks.Dir)
	if len(s) != len(identityFiles) {
		t.Fatalf("files %v, want %v", s.names(), identityFiles)
	}
	for name, mode := range map[string]os.FileMode{KeyFile: 0o600, CertFile: 0o644, ChainFile: 0o644, IdentityFile: 0o644} {
		if s[name].mode != mode {
			t.Errorf("%s mode %v, want %v", name, s[name].mode, mode)
		}
	}
	if st, _ := os.Stat(ks.Dir); st.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v", st.Mode().Perm())
	}
	if key, err := ks.Unlock([]byte("pw2")); err != nil || !key.Equal(neu.Key) {
		t.Fatalf("Unlock: %v", err)
	}
	if s[CertFile].data == nil || string(s[CertFile].data) != neu.CertPEM {
		t.Fatal("cert.pem is not the new certificate")
	}
}

// A directory in the place of cert.pem (stands in for ENOSPC, EIO) fails
// the second rename: key.json is restored, not left holding the new key.
func TestForcedSaveBlockedByADirectoryKeepsTheOldKey(t *testing.T) {
	ca := signertest.NewCA("Org1 CA")
	old, neu := ca.Signer("alice"), ca.Signer("alice")
	ks := &Keystore{Dir: t.TempDir(), KDF: testKDF}
	if err := ks.Save(Identity{ID: "alice"}, old.Key, []byte(old.CertPEM), []byte(ca.PEM()), []byte("pw"), false); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(ks.Dir, CertFile))
	os.MkdirAll(filepath.Join(ks.Dir, CertFile, "x"), 0o700)
	err := ks.Save(Identity{ID: "alice"}, neu.Key, []byte(neu.CertPEM), []byte(ca.PEM()), []byte("pw"), true)
	if err == nil || !strings.HasSuffix(err.Error(), "(the previous files are restored)") {
		t.Fatalf("Save err = %v", err)
	}
	key, err := ks.Unlock([]byte("pw"))
	if err != nil || !key.Equal(old.Key) {
		t.Fatalf("Unlock: %v; the old key: %v", err, key != nil && key.Equal(old.Key))
	}
	for name := range snap(t, ks.Dir) {
		if strings.HasSuffix(name, BackupSuffix) || strings.HasPrefix(name, ".tmp-") {
			t.Errorf("left %s", name)
		}
	}
}

// failAt makes the k-th rename (0-based) of the test fail.
func failAt(t *testing.T, k int) {
	n := 0
	rename = func(from, to string) error {
		defer func() { n++ }()
		if n == k {
			return errors.New("injected")
		}
		return os.Rename(from, to)
	}
	t.Cleanup(func() { rename = os.Rename })
}

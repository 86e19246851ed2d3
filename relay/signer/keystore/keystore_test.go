package keystore_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/relay/signer/keystore"
	"github.com/qrsign/qrsign/relay/signer/signertest"
)

var fastKDF = keystore.KDF{N: 1 << 14, R: 8, P: 1}

func TestRoundTripUnlocksTheSameKey(t *testing.T) {
	ca := signertest.NewCA("Org1 CA")
	ident := ca.Signer("alice")
	key, cert := ident.Key, []byte(ident.CertPEM)
	ks := &keystore.Keystore{Dir: filepath.Join(t.TempDir(), "home"), KDF: fastKDF}
	if err := ks.Save(keystore.Identity{ID: "alice"}, key, cert, []byte(ca.PEM()), []byte("correct horse"), false); err != nil {
		t.Fatal(err)
	}
	got, err := ks.Unlock([]byte("correct horse"))
	if err != nil {
		t.Fatal(err)
	}
	if !got.Equal(key) {
		t.Fatal("unlocked key differs from the saved one")
	}
	st, err := os.Stat(filepath.Join(ks.Dir, keystore.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", st.Mode().Perm())
	}
	raw, _ := os.ReadFile(filepath.Join(ks.Dir, keystore.KeyFile))
	if strings.Contains(string(raw), "PRIVATE KEY") {
		t.Fatal("key file holds a plaintext PEM key")
	}
	id, err := ks.Identity()
	if err != nil || id.ID != "alice" {
		t.Fatalf("identity = %+v, %v", id, err)
	}
	chain, err := ks.SubmitChainPEM()
	if err != nil {
		t.Fatal(err)
	}
	if chain != string(cert) {
		t.Fatal("submitted chain must be the leaf alone when the CA chain is a self-signed root")
	}
}

func TestWrongPassphraseIsRefused(t *testing.T) {
	ca := signertest.NewCA("Org1 CA")
	ident := ca.Signer("alice")
	key, cert := ident.Key, []byte(ident.CertPEM)
	ks := &keystore.Keystore{Dir: t.TempDir(), KDF: fastKDF}
	if err := ks.Save(keystore.Identity{ID: "alice"}, key, cert, []byte(ca.PEM()), []byte("right"), false); err != nil {
		t.Fatal(err)
	}
	_, err := ks.Unlock([]byte("wrong"))
	if !errors.Is(err, keystore.ErrWrongPassphrase) {
		t.Fatalf("err = %v, want ErrWrongPassphrase", err)
	}
	if err.Error() != "keystore: wrong passphrase" {
		t.Fatalf("error text %q", err)
	}
}

func TestSaveRefuses(t *testing.T) {
	ca := signertest.NewCA("Org1 CA")
	ident := ca.Signer("alice")
	key, cert := ident.Key, []byte(ident.CertPEM)
	other := ca.Signer("bob").Key
	dir := t.TempDir()
	ks := &keystore.Keystore{Dir: dir, KDF: fastKDF}
	for _, tc := range []struct {
		name string
		save func() error
		want string
	}{
		{"an empty passphrase", func() error {
			return ks.Save(keystore.Identity{ID: "alice"}, key, cert, []byte(ca.PEM()), nil, false)
		}, "keystore: empty passphrase"},
		{"a certificate of another key", func() error {
			return ks.Save(keystore.Identity{ID: "alice"}, other, cert, []byte(ca.PEM()), []byte("p"), false)
		}, "keystore: the certificate is not for this key"},
		{"overwriting an identity", func() error {
			if err := ks.Save(keystore.Identity{ID: "alice"}, key, cert, []byte(ca.PEM()), []byte("p"), false); err != nil {
				return err
			}
			return ks.Save(keystore.Identity{ID: "alice"}, key, cert, []byte(ca.PEM()), []byte("p"), false)
		}, "keystore: an identity already exists here"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.save()
			if err == nil || err.Error() != tc.want {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestUnlockWithoutIdentity(t *testing.T) {
	_, err := keystore.New(t.TempDir()).Unlock([]byte("x"))
	if !errors.Is(err, keystore.ErrNotEnrolled) {
		t.Fatalf("err = %v", err)
	}
}

func TestAKeyFileOthersCanReadIsRefused(t *testing.T) {
	ca := signertest.NewCA("Org1 CA")
	ident := ca.Signer("alice")
	key, cert := ident.Key, []byte(ident.CertPEM)
	ks := &keystore.Keystore{Dir: t.TempDir(), KDF: fastKDF}
	if err := ks.Save(keystore.Identity{ID: "alice"}, key, cert, []byte(ca.PEM()), []byte("pw"), false); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(ks.Dir, keystore.KeyFile)
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ks.Unlock([]byte("pw"))
	if err == nil || err.Error() != "keystore: "+p+" is accessible by others (mode 0644); chmod 600 it" {
		t.Fatalf("err = %v", err)
	}
}

package keystore_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/qrsign/qrsign/relay/signer/keystore"
	"github.com/qrsign/qrsign/relay/signer/signertest"
)

// A key file edited to ask for cheap scrypt parameters is refused before any
// work: otherwise a stolen ciphertext re-encrypted (or a careless tool) with
// N=2 would be guessable at millions of passphrases per second.
func TestKeyFileKDFBounds(t *testing.T) {
	ca := signertest.NewCA("Org1 CA")
	ident := ca.Signer("alice")
	key, cert := ident.Key, []byte(ident.CertPEM)
	for _, tc := range []struct {
		name    string
		n, r, p int
		want    string
	}{
		{"N=2", 2, 8, 1, "keystore: scrypt parameters out of bounds: N=2, want a power of two in 16384..1048576 (re-enroll if the key file was changed)"},
		{"N just under the floor", 1 << 13, 8, 1, "keystore: scrypt parameters out of bounds: N=8192, want a power of two in 16384..1048576 (re-enroll if the key file was changed)"},
		{"N not a power of two", 20000, 8, 1, "keystore: scrypt parameters out of bounds: N=20000, want a power of two in 16384..1048576 (re-enroll if the key file was changed)"},
		{"N above the ceiling", 1 << 21, 8, 1, "keystore: scrypt parameters out of bounds: N=2097152, want a power of two in 16384..1048576 (re-enroll if the key file was changed)"},
		{"r=1", 1 << 15, 1, 1, "keystore: scrypt parameters out of bounds: r=1, want 8..32"},
		{"p=0", 1 << 15, 8, 0, "keystore: scrypt parameters out of bounds: p=0, want 1..16"},
		{"p=1000", 1 << 15, 8, 1000, "keystore: scrypt parameters out of bounds: p=1000, want 1..16"},
		{"2 GiB of memory", 1 << 20, 16, 1, "keystore: scrypt parameters out of bounds: N=1048576 r=16 need 2048 MiB, limit 1024 MiB"},
		{"512x the default work", 1 << 20, 8, 16, "keystore: scrypt parameters out of bounds: N=1048576 r=8 p=16 cost N·r·p=134217728, limit 16777216 (64x the default)"},
		{"work just above the ceiling", 1 << 17, 32, 8, "keystore: scrypt parameters out of bounds: N=131072 r=32 p=8 cost N·r·p=33554432, limit 16777216 (64x the default)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ks := &keystore.Keystore{Dir: t.TempDir(), KDF: fastKDF}
			if err := ks.Save(keystore.Identity{ID: "alice"}, key, cert, []byte(ca.PEM()), []byte("correct horse"), false); err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(ks.Dir, keystore.KeyFile)
			raw, _ := os.ReadFile(p)
			var f map[string]any
			if err := json.Unmarshal(raw, &f); err != nil {
				t.Fatal(err)
			}
			f["n"], f["r"], f["p"] = tc.n, tc.r, tc.p
			raw, _ = json.Marshal(f)
			if err := os.WriteFile(p, raw, 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := ks.Unlock([]byte("correct horse"))
			if !errors.Is(err, keystore.ErrWeakKDF) || err.Error() != tc.want {
				t.Fatalf("err = %v\nwant %s", err, tc.want)
			}
			// Save refuses the same parameters.
			weak := &keystore.Keystore{Dir: t.TempDir(), KDF: keystore.KDF{N: tc.n, R: tc.r, P: tc.p}}
			if err := weak.Save(keystore.Identity{ID: "alice"}, key, cert, []byte(ca.PEM()), []byte("pw"), false); err == nil || err.Error() != tc.want {
				t.Fatalf("Save err = %v", err)
			}
		})
	}
}

func TestDefaultKDFIsWithinBounds(t *testing.T) {
	if err := keystore.DefaultKDF.Check(); err != nil {
		t.Fatal(err)
	}
}

// The work ceiling (N·r·p at most 64x the default) admits every
// combination up to it.
func TestKDFWorkCeiling(t *testing.T) {
	for _, k := range []keystore.KDF{keystore.DefaultKDF, {N: 1 << 20, R: 8, P: 2}, {N: 1 << 15, R: 8, P: 16}, {N: 1 << 17, R: 32, P: 4}} {
		if err := k.Check(); err != nil {
			t.Errorf("%+v: %v", k, err)
		}
	}
	if err := (keystore.KDF{N: 1 << 20, R: 8, P: 3}).Check(); !errors.Is(err, keystore.ErrWeakKDF) {
		t.Errorf("N=2^20 r=8 p=3: err = %v, want ErrWeakKDF", err)
	}
}

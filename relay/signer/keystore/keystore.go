// Package keystore keeps a signer's identity on disk: the private key,
// encrypted under a passphrase (scrypt → AES-256-GCM), and beside it the
// certificate the org's Fabric CA issued and the CA chain. Unlocking the key
// with the passphrase is the client's identity check; the key never leaves it.
package keystore

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/crypto/scrypt"
)

// File names under a keystore's directory.
const (
	KeyFile      = "key.json"     // the encrypted private key (mode 0600)
	CertFile     = "cert.pem"     // the signer certificate (leaf)
	ChainFile    = "ca-chain.pem" // the CA chain the Fabric CA returned (root first)
	IdentityFile = "identity.json"
)

var (
	// ErrWrongPassphrase: the passphrase does not open the key (or the file was altered).
	ErrWrongPassphrase = errors.New("keystore: wrong passphrase")
	// ErrNotEnrolled: the directory holds no identity.
	ErrNotEnrolled = errors.New("keystore: no identity here (run qrsign enroll)")
	// ErrExists: Save would overwrite an identity.
	ErrExists = errors.New("keystore: an identity already exists here")
)

// KDF parameters. Default is interactive-strength scrypt (~50-100 ms);
// tests lower it.
type KDF struct {
	N, R, P int
}

// DefaultKDF is what Save uses unless the Keystore says otherwise.
var DefaultKDF = KDF{N: 1 << 15, R: 8, P: 1}

// Bounds of the scrypt parameters, in a key file or given to Save. The floor
// keeps an edited key file (or a careless caller) from making a stolen
// ciphertext cheap to guess (N=2 costs nothing); the ceilings keep a hostile
// file from asking for absurd memory or time.
const (
	MinN, MaxN = 1 << 14, 1 << 20
	MinR, MaxR = 8, 32
	MinP, MaxP = 1, 16
	// MaxMemory caps scrypt's 128·N·r bytes.
	MaxMemory = 1 << 30
	// MaxWork caps scrypt's work, N·r·p: 64x DefaultKDF's (2^15·8·1), so a
	// hostile key file cannot make every unlock take minutes.
	MaxWork = 1 << 24
)

// ErrWeakKDF is wrapped by every KDF parameter refusal.
var ErrWeakKDF = errors.New("keystore: scrypt parameters out of bounds")

// Check reports whether the parameters are within bounds.
func (k KDF) Check() error {
	switch {
	case k.N < MinN || k.N > MaxN || k.N&(k.N-1) != 0:
		return fmt.Errorf("%w: N=%d, want a power of two in %d..%d (re-enroll if the key file was changed)", ErrWeakKDF, k.N, MinN, MaxN)
	case k.R < MinR || k.R > MaxR:
		return fmt.Errorf("%w: r=%d, want %d..%d", ErrWeakKDF, k.R, MinR, MaxR)
	case k.P < MinP || k.P > MaxP:
		return fmt.Errorf("%w: p=%d, want %d..%d", ErrWeakKDF, k.P, MinP, MaxP)
	case 128*int64(k.N)*int64(k.R) > MaxMemory:
		return fmt.Errorf("%w: N=%d r=%d need %d MiB, limit %d MiB", ErrWeakKDF, k.N, k.R, 128*int64(k.N)*int64(k.R)>>20, MaxMemory>>20)
	case int64(k.N)*int64(k.R)*int64(k.P) > MaxWork:
		return fmt.Errorf("%w: N=%d r=%d p=%d cost N·r·p=%d, limit %d (64x the default)", ErrWeakKDF, k.N, k.R, k.P, int64(k.N)*int64(k.R)*int64(k.P), MaxWork)
	}
	return nil
}

// Keystore is a directory holding one signer identity.
type Keystore struct {
	Dir string
	KDF KDF // zero means DefaultKDF
}

// Identity is the non-secret description of what is stored.
type Identity struct {
	ID         string    `json:"id"` // enrollment id (the certificate CN)
	CAURL      string    `json:"caUrl,omitempty"`
	EnrolledAt time.Time `json:"enrolledAt"`
}

// keyFile is the on-disk form of the encrypted key.
type keyFile struct {
	Version    int    `json:"version"`
	KDF        string `json:"kdf"`
	N          int    `json:"n"`
	R          int    `json:"r"`
	P          int    `json:"p"`
	Salt       []byte `json:"salt"`
	Nonce      []byte `json:"nonce"`
	Ciphertext []byte `json:"ciphertext"` // AES-256-GCM of the PKCS#8 DER key
}

// aad binds the ciphertext to this file format.
var aad = []byte("qrsign-keystore/1")

// New returns the keystore at dir.
func New(dir string) *Keystore { return &Keystore{Dir: dir} }

func (k *Keystore) path(name string) string { return filepath.Join(k.Dir, name) }

// Exists reports whether an identity is stored.
func (k *Keystore) Exists() bool {
	_, err := os.Stat(k.path(KeyFile))
	return err == nil
}

// Save encrypts key under passphrase and stores it with the certificate and
// chain. It refuses to overwrite an existing identity unless overwrite is set.
func (k *Keystore) Save(id Identity, key *ecdsa.PrivateKey, certPEM, chainPEM []byte, passphrase []byte, overwrite bool) error {
	if len(passphrase) == 0 {
		return errors.New("keystore: empty passphrase")
	}
	if k.Exists() && !overwrite {
		return ErrExists
	}
	cert, err := ParseCert(certPEM)
	if err != nil {
		return err
	}
	if pub, ok := cert.PublicKey.(*ecdsa.PublicKey); !ok || !pub.Equal(&key.PublicKey) {
		return errors.New("keystore: the certificate is not for this key")
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	kdf := k.KDF
	if kdf == (KDF{}) {
		kdf = DefaultKDF
	}
	if err := kdf.Check(); err != nil {
		return err
	}
	f := keyFile{Version: 1, KDF: "scrypt", N: kdf.N, R: kdf.R, P: kdf.P,
		Salt: make([]byte, 16), Nonce: make([]byte, 12)}
	if _, err := rand.Read(f.Salt); err != nil {
		return err
	}
	if _, err := rand.Read(f.Nonce); err != nil {
		return err
	}
	aead, err := f.aead(passphrase)
	if err != nil {
		return err
	}
	f.Ciphertext = aead.Seal(nil, f.Nonce, der, aad)
	kb, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	ib, err := json.MarshalIndent(id, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(k.Dir, 0o700); err != nil {
		return err
	}
	return replaceAll(k.Dir, []file{{KeyFile, kb, 0o600}, {CertFile, certPEM, 0o644}, {ChainFile, chainPEM, 0o644}, {IdentityFile, ib, 0o644}})
}

// Unlock decrypts the private key with passphrase. Like ssh, it refuses a
// key file others may read: a copied ciphertext is open to offline guessing.
func (k *Keystore) Unlock(passphrase []byte) (*ecdsa.PrivateKey, error) {
	st, err := os.Stat(k.path(KeyFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotEnrolled
	}
	if err != nil {
		return nil, err
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("keystore: %s is accessible by others (mode %04o); chmod 600 it", k.path(KeyFile), st.Mode().Perm())
	}
	b, err := os.ReadFile(k.path(KeyFile))
	if err != nil {
		return nil, err
	}
	var f keyFile
	if err := json.Unmarshal(b, &f); err != nil || f.Version != 1 || f.KDF != "scrypt" {
		return nil, fmt.Errorf("keystore: %s is not a version 1 scrypt key file", k.path(KeyFile))
	}
	aead, err := f.aead(passphrase)
	if err != nil {
		return nil, err
	}
	if len(f.Nonce) != aead.NonceSize() {
		return nil, fmt.Errorf("keystore: %s: bad nonce", k.path(KeyFile))
	}
	der, err := aead.Open(nil, f.Nonce, f.Ciphertext, aad)
	if err != nil {
		return nil, ErrWrongPassphrase
	}
	pk, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("keystore: decrypted key: %w", err)
	}
	ec, ok := pk.(*ecdsa.PrivateKey)
	if !ok || ec.Curve != elliptic.P256() {
		return nil, errors.New("keystore: the stored key is not ECDSA P-256")
	}
	return ec, nil
}

func (f *keyFile) aead(passphrase []byte) (cipher.AEAD, error) {
	if err := (KDF{N: f.N, R: f.R, P: f.P}).Check(); err != nil {
		return nil, err
	}
	if len(f.Salt) < 16 {
		return nil, fmt.Errorf("keystore: key file salt is %d bytes, at least 16 needed", len(f.Salt))
	}
	dk, err := scrypt.Key(passphrase, f.Salt, f.N, f.R, f.P, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(dk)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Identity returns the stored identity description.
func (k *Keystore) Identity() (Identity, error) {
	var id Identity
	b, err := os.ReadFile(k.path(IdentityFile))
	if errors.Is(err, os.ErrNotExist) {
		return id, ErrNotEnrolled
	}
	if err != nil {
		return id, err
	}
	return id, json.Unmarshal(b, &id)
}

// CertPEM returns the signer certificate PEM.
func (k *Keystore) CertPEM() ([]byte, error) { return k.read(CertFile) }

// ChainPEM returns the CA chain PEM as the CA returned it.
func (k *Keystore) ChainPEM() ([]byte, error) { return k.read(ChainFile) }

func (k *Keystore) read(name string) ([]byte, error) {
	b, err := os.ReadFile(k.path(name))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotEnrolled
	}
	return b, err
}

// Cert returns the parsed signer certificate.
func (k *Keystore) Cert() (*x509.Certificate, error) {
	b, err := k.CertPEM()
	if err != nil {
		return nil, err
	}
	return ParseCert(b)
}

// SubmitChainPEM is what a callback carries: the signer certificate first,
// then the intermediates of the stored chain (self-signed roots left out,
// as the ledger anchors chains at the org's registered CA).
func (k *Keystore) SubmitChainPEM() (string, error) {
	leaf, err := k.CertPEM()
	if err != nil {
		return "", err
	}
	chain, err := k.ChainPEM()
	if err != nil {
		return "", err
	}
	certs, err := ParseCerts(chain)
	if err != nil {
		return "", err
	}
	out := string(leaf)
	for _, c := range certs {
		if isSelfSigned(c) {
			continue
		}
		out += string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
	}
	return out, nil
}

func isSelfSigned(c *x509.Certificate) bool {
	return string(c.RawIssuer) == string(c.RawSubject) && c.CheckSignatureFrom(c) == nil
}

// ParseCert parses the first CERTIFICATE block of a PEM.
func ParseCert(p []byte) (*x509.Certificate, error) {
	cs, err := ParseCerts(p)
	if err != nil {
		return nil, err
	}
	return cs[0], nil
}

// ParseCerts parses every CERTIFICATE block of a PEM; at least one is required.
func ParseCerts(p []byte) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for {
		var b *pem.Block
		b, p = pem.Decode(p)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("keystore: certificate: %w", err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, errors.New("keystore: no certificate in PEM")
	}
	return out, nil
}

// file is one file of an identity, to write.
type file struct {
	name string
	data []byte
	mode os.FileMode
}

// rename is os.Rename; tests make it fail.
var rename = os.Rename

// BackupSuffix names the copy of an identity's file kept while Save
// replaces it (key.json.bak, ...). Save removes them when it succeeds or
// has restored the previous files; after a crash halfway they hold the
// previous identity.
const BackupSuffix = ".bak"

// replaceAll replaces the files in dir all or nothing, as far as a file
// system allows: every new file is written to a temporary file and synced
// first; each existing file is kept as name.bak (a hard link, or a copy);
// then the temporary files are renamed into place. When a rename fails the
// files already replaced are restored from their .bak (or removed, when
// there was none), so the previous identity stays whole. The .bak files
// are removed once everything is in place.
func replaceAll(dir string, files []file) error {
	tmps := make([]string, len(files))
	defer func() {
		for _, t := range tmps {
			if t != "" {
				os.Remove(t)
			}
		}
	}()
	for i, f := range files {
		t, err := writeTemp(dir, f.data, f.mode)
		if err != nil {
			return err
		}
		tmps[i] = t
	}
	baks := make([]string, len(files)) // "": no previous regular file
	dropBaks := func(from int) {
		for _, b := range baks[from:] {
			if b != "" {
				os.Remove(b)
			}
		}
	}
	for i, f := range files {
		p := filepath.Join(dir, f.name)
		st, err := os.Lstat(p)
		if errors.Is(err, os.ErrNotExist) || (err == nil && !st.Mode().IsRegular()) {
			continue // nothing to keep (a directory in the way fails the rename below)
		}
		if err != nil {
			dropBaks(0)
			return err
		}
		b := p + BackupSuffix
		if err := backup(p, b, st.Mode().Perm()); err != nil {
			dropBaks(0)
			return fmt.Errorf("keystore: keeping a copy of %s: %w", p, err)
		}
		baks[i] = b
	}
	if err := syncDir(dir); err != nil {
		dropBaks(0)
		return err
	}
	for i, f := range files {
		p := filepath.Join(dir, f.name)
		if err := rename(tmps[i], p); err != nil {
			if rerr := restore(dir, files[:i], baks[:i]); rerr != nil {
				return fmt.Errorf("keystore: replacing %s: %w; restoring the previous files failed too (%v): the previous identity is in %s", p, err, rerr, filepath.Join(dir, "*"+BackupSuffix))
			}
			dropBaks(i)
			syncDir(dir)
			return fmt.Errorf("keystore: replacing %s: %w (the previous files are restored)", p, err)
		}
		tmps[i] = ""
	}
	if err := syncDir(dir); err != nil {
		return err
	}
	dropBaks(0)
	return nil
}

// restore puts back the files replaced so far: each from its .bak, or
// removed when none was there before.
func restore(dir string, files []file, baks []string) error {
	var first error
	for i := len(files) - 1; i >= 0; i-- {
		p := filepath.Join(dir, files[i].name)
		var err error
		if baks[i] != "" {
			err = rename(baks[i], p)
		} else {
			err = os.Remove(p)
		}
		if err != nil && first == nil {
			first = err
		}
	}
	return first
}

// backup makes b a copy of p: a hard link where the file system allows,
// else a synced copy with p's mode. A stale b is replaced.
func backup(p, b string, mode os.FileMode) error {
	if err := os.Remove(b); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if os.Link(p, b) == nil {
		return nil
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	t, err := writeTemp(filepath.Dir(p), data, mode)
	if err != nil {
		return err
	}
	if err := os.Rename(t, b); err != nil {
		os.Remove(t)
		return err
	}
	return nil
}

// syncDir makes the directory's entries (renames) durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		return err
	}
	return nil
}

// writeTemp writes data with the given mode to a synced temporary file in
// dir and returns its path.
func writeTemp(dir string, data []byte, mode os.FileMode) (string, error) {
	tmp, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return "", err
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(mode); err != nil {
		return "", err
	}
	if _, err := tmp.Write(data); err != nil {
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	ok = true
	return tmp.Name(), nil
}

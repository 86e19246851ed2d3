package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
)

// FS stores blobs as files <dir>/<aa>/<sha256>. Writes go to a temporary file
// in <dir>/tmp, are fsynced and renamed into place, so a crash leaves either
// the whole blob or none (and the rename is atomic on one filesystem).
type FS struct {
	dir   string
	limit int64
}

var reSHA = regexp.MustCompile(`^[0-9a-f]{64}$`)

// NewFS returns a store under dir holding blobs of at most limit bytes.
func NewFS(dir string, limit int64) (*FS, error) {
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o700); err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	return &FS{dir: dir, limit: limit}, nil
}

func (s *FS) path(sha string) string { return filepath.Join(s.dir, sha[:2], sha) }

// Put implements Store.
func (s *FS) Put(ctx context.Context, r io.Reader, want string) (Info, error) {
	if want != "" && !reSHA.MatchString(want) {
		return Info{}, fmt.Errorf("blob: %q is not a sha256", want)
	}
	f, err := os.CreateTemp(filepath.Join(s.dir, "tmp"), "put-*")
	if err != nil {
		return Info{}, fmt.Errorf("blob: %w", err)
	}
	tmp := f.Name()
	kept := false
	defer func() {
		if !kept {
			f.Close()
			os.Remove(tmp)
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(Reading(ctxReader{ctx, r}), s.limit+1))
	var re *ReadError
	if errors.As(err, &re) {
		return Info{}, re
	}
	if err != nil {
		return Info{}, fmt.Errorf("blob: write: %w", err)
	}
	if n > s.limit {
		return Info{}, ErrTooLarge
	}
	got := hex.EncodeToString(h.Sum(nil))
	if want != "" && got != want {
		return Info{}, &HashMismatchError{Want: want, Got: got}
	}
	info := Info{SHA256: got, Size: n}
	if err := f.Sync(); err != nil {
		return Info{}, fmt.Errorf("blob: fsync: %w", err)
	}
	if err := f.Close(); err != nil {
		return Info{}, fmt.Errorf("blob: close: %w", err)
	}
	dst := s.path(got)
	if _, err := os.Stat(dst); err == nil {
		os.Remove(tmp)
		kept = true
		return info, nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return Info{}, fmt.Errorf("blob: %w", err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return Info{}, fmt.Errorf("blob: rename: %w", err)
	}
	kept = true
	// Persist the directory entry too.
	if d, err := os.Open(filepath.Dir(dst)); err == nil {
		d.Sync()
		d.Close()
	}
	return info, nil
}

// Open implements Store.
func (s *FS) Open(ctx context.Context, sha string) (io.ReadSeekCloser, Info, error) {
	if !reSHA.MatchString(sha) {
		return nil, Info{}, ErrNotFound
	}
	f, err := os.Open(s.path(sha))
	if errors.Is(err, os.ErrNotExist) {
		return nil, Info{}, ErrNotFound
	}
	if err != nil {
		return nil, Info{}, fmt.Errorf("blob: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, Info{}, fmt.Errorf("blob: %w", err)
	}
	return f, Info{SHA256: sha, Size: st.Size()}, nil
}

// Stat implements Store.
func (s *FS) Stat(ctx context.Context, sha string) (Info, error) {
	if !reSHA.MatchString(sha) {
		return Info{}, ErrNotFound
	}
	st, err := os.Stat(s.path(sha))
	if errors.Is(err, os.ErrNotExist) {
		return Info{}, ErrNotFound
	}
	if err != nil {
		return Info{}, fmt.Errorf("blob: %w", err)
	}
	return Info{SHA256: sha, Size: st.Size()}, nil
}

// Delete implements Store.
func (s *FS) Delete(ctx context.Context, sha string) error {
	if !reSHA.MatchString(sha) {
		return nil
	}
	if err := os.Remove(s.path(sha)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("blob: %w", err)
	}
	return nil
}

// ctxReader stops a long copy when the request is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

var _ Store = (*FS)(nil)

package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func sum(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) }

func entries(t *testing.T, dir string) []string {
	var out []string
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func TestPutStoresUnderTheHashAndOpenReturnsTheBytes(t *testing.T) {
	dir := t.TempDir()
	s, _ := NewFS(dir, 100)
	data := []byte("hello blob")
	info, err := s.Put(context.Background(), bytes.NewReader(data), sum(data))
	if err != nil || info.SHA256 != sum(data) || info.Size != int64(len(data)) {
		t.Fatalf("%+v %v", info, err)
	}
	r, st, err := s.Open(context.Background(), info.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, _ := io.ReadAll(r)
	if !bytes.Equal(got, data) || st.Size != int64(len(data)) {
		t.Fatal("content differs")
	}
	if files := entries(t, dir); len(files) != 1 || filepath.Base(files[0]) != info.SHA256 {
		t.Fatalf("files %v", files)
	}
}

// failingReader breaks after some bytes, like a client that disconnects mid-upload.
type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("connection reset")
	}
	n := min(len(p), f.n)
	f.n -= n
	return n, nil
}

func TestFailedPutsLeaveNoFileAndNoTemporary(t *testing.T) {
	cases := []struct {
		name string
		r    io.Reader
		want string
		err  func(error) bool
	}{
		{"interrupted upload", &failingReader{n: 10}, "", func(e error) bool {
			var re *ReadError
			return errors.As(e, &re) && strings.Contains(e.Error(), "connection reset")
		}},
		{"over the size limit", strings.NewReader(strings.Repeat("x", 101)), "", func(e error) bool { return errors.Is(e, ErrTooLarge) }},
		{"hash not the declared one", strings.NewReader("abc"), sum([]byte("abd")), func(e error) bool {
			var hm *HashMismatchError
			return errors.As(e, &hm) && hm.Got == sum([]byte("abc"))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s, _ := NewFS(dir, 100)
			_, err := s.Put(context.Background(), tc.r, tc.want)
			if err == nil || !tc.err(err) {
				t.Fatalf("error %v", err)
			}
			if files := entries(t, dir); len(files) != 0 {
				t.Fatalf("left %v", files)
			}
		})
	}
}

// A failure of the store itself (here its tmp directory is a file) is no
// *ReadError: the caller answers it as its own fault, not the client's.
func TestPutStoreFailureIsNoReadError(t *testing.T) {
	dir := t.TempDir()
	s, _ := NewFS(dir, 100)
	tmp := filepath.Join(dir, "tmp")
	if err := os.RemoveAll(tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tmp, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := s.Put(context.Background(), strings.NewReader("abc"), "")
	var re *ReadError
	if err == nil || errors.As(err, &re) {
		t.Fatalf("error %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	os.Remove(tmp)
	os.Mkdir(tmp, 0o700)
	if _, err := s.Put(ctx, strings.NewReader("abc"), ""); !errors.As(err, &re) || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

func TestConcurrentPutsOfTheSameContentKeepOneIntactCopy(t *testing.T) {
	dir := t.TempDir()
	s, _ := NewFS(dir, 1<<20)
	data := bytes.Repeat([]byte("0123456789"), 10000)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.Put(context.Background(), bytes.NewReader(data), ""); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	files := entries(t, dir)
	if len(files) != 1 {
		t.Fatalf("files %v", files)
	}
	got, _ := os.ReadFile(files[0])
	if sum(got) != sum(data) {
		t.Fatal("stored copy is not intact")
	}
}

func TestOpenAndStatOfUnknownOrMalformedHashAreNotFound(t *testing.T) {
	s, _ := NewFS(t.TempDir(), 100)
	for _, h := range []string{sum([]byte("none")), "../../etc/passwd", ""} {
		if _, _, err := s.Open(context.Background(), h); !errors.Is(err, ErrNotFound) {
			t.Errorf("Open(%q): %v", h, err)
		}
		if _, err := s.Stat(context.Background(), h); !errors.Is(err, ErrNotFound) {
			t.Errorf("Stat(%q): %v", h, err)
		}
	}
}

// Package upload sends a directory of files to the relay as one batch
// (POST /v1/batches): the multipart body is streamed through a pipe, file by
// file, so hundreds of files never sit in memory, with progress on the way.
package upload

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/signer/relayapi"

	"github.com/qrsign/qrsign/relay/api"
)

// Doc is one file of a batch.
type Doc struct {
	Path      string // on disk
	File      string // the multipart part name (the file's base name)
	Title     string
	DocType   string
	MediaType string
	Order     int // position in the batch, from 1
	Size      int64
}

// Batch is what is uploaded.
type Batch struct {
	ID        string // optional; the relay derives one from the content otherwise
	Title     string
	Priority  int
	Signers   []model.SignerSpec
	ExpiresAt *time.Time
	Docs      []Doc
}

// MetaPart is the name of the multipart part holding the batch's metadata
// (JSON); each document's part is named by its file name, so no document
// may be named so.
const MetaPart = "batch"

// ErrReservedName: a document's file name is MetaPart: its part would be
// a second metadata part, which the relay refuses.
var ErrReservedName = fmt.Errorf("upload: a document may not be named %q (the name of the batch's metadata part); rename the file", MetaPart)

// FromDir lists the regular, non-hidden files of dir sorted by name, as
// documents titled titlePrefix + name (without extension), in that order.
// A file named MetaPart ("batch") is refused (ErrReservedName).
func FromDir(dir, titlePrefix, docType string) ([]Doc, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	sort.Slice(ents, func(i, j int) bool { return ents[i].Name() < ents[j].Name() })
	var docs []Doc
	for _, e := range ents {
		name := e.Name()
		if strings.HasPrefix(name, ".") || !e.Type().IsRegular() {
			continue
		}
		if name == MetaPart {
			return nil, fmt.Errorf("%s: %w", filepath.Join(dir, name), ErrReservedName)
		}
		info, err := e.Info()
		if err != nil {
			return nil, err
		}
		mt := mime.TypeByExtension(strings.ToLower(filepath.Ext(name)))
		if mt == "" {
			mt = "application/octet-stream"
		}
		docs = append(docs, Doc{Path: filepath.Join(dir, name), File: name,
			Title: titlePrefix + strings.TrimSuffix(name, filepath.Ext(name)), DocType: docType,
			MediaType: mt, Order: len(docs) + 1, Size: info.Size()})
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("%s holds no files", dir)
	}
	return docs, nil
}

// ErrChanged: a file changed while it was sent.
var ErrChanged = errors.New("upload: a file changed while it was being sent")

// Upload posts b to the relay with c (its APIKey must have documents:write).
// A retried attempt (the relay unavailable) resends the same request with
// the same Idempotency-Key: the relay completes the batch, registering no
// document twice. Every document's SHA-256 is computed while it is sent and
// must equal what the relay registered.
func Upload(ctx context.Context, c *relayapi.Client, b Batch, p *Progress) (*api.Batch, error) {
	if len(b.Docs) == 0 {
		return nil, errors.New("upload: no documents")
	}
	for _, d := range b.Docs {
		if d.File == MetaPart {
			return nil, ErrReservedName
		}
	}
	m := api.BatchMeta{ID: b.ID, Title: b.Title, Priority: b.Priority, Signers: b.Signers, ExpiresAt: b.ExpiresAt}
	for _, d := range b.Docs {
		m.Documents = append(m.Documents, api.BatchDocMeta{File: d.File, Title: d.Title, DocType: d.DocType, MediaType: d.MediaType, Order: d.Order})
	}
	mj, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	key := make([]byte, 16)
	rand.Read(key)
	idem := hex.EncodeToString(key)
	var mu sync.Mutex
	var sums map[string]string // of the attempt whose answer is read
	res := &api.Batch{}
	err = c.PostStream(ctx, "/v1/batches", map[string]string{"Idempotency-Key": idem}, func() (io.ReadCloser, string) {
		if p != nil {
			p.Reset()
		}
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		attempt := map[string]string{}
		mu.Lock()
		sums = attempt
		mu.Unlock()
		go func() {
			pw.CloseWithError(write(mw, mj, b.Docs, p, func(file, sum string) {
				mu.Lock()
				attempt[file] = sum
				mu.Unlock()
			}))
		}()
		return pr, mw.FormDataContentType()
	}, res)
	if p != nil {
		p.Finish()
	}
	if err != nil {
		return res, err
	}
	mu.Lock()
	defer mu.Unlock()
	for _, d := range res.Documents {
		if want := sums[d.File]; want != "" && d.SHA256 != want {
			return res, fmt.Errorf("upload: the relay registered %s with sha256 %s, %s was sent", d.File, d.SHA256, want)
		}
	}
	return res, nil
}

// write streams the multipart body: the batch part first, then each file.
func write(mw *multipart.Writer, mj []byte, docs []Doc, p *Progress, sent func(file, sum string)) error {
	if err := mw.WriteField(MetaPart, string(mj)); err != nil {
		return err
	}
	for _, d := range docs {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", mime.FormatMediaType("form-data", map[string]string{"name": d.File, "filename": d.File}))
		h.Set("Content-Type", d.MediaType)
		w, err := mw.CreatePart(h)
		if err != nil {
			return err
		}
		f, err := os.Open(d.Path)
		if err != nil {
			return err
		}
		hash := sha256.New()
		n, err := io.Copy(io.MultiWriter(w, hash, counter{p}), f)
		f.Close()
		if err != nil {
			return err
		}
		if n != d.Size {
			return fmt.Errorf("%w: %s was %d bytes, %d sent", ErrChanged, d.Path, d.Size, n)
		}
		sent(d.File, hex.EncodeToString(hash.Sum(nil)))
		if p != nil {
			p.DocDone()
		}
	}
	return mw.Close()
}

type counter struct{ p *Progress }

func (c counter) Write(b []byte) (int, error) {
	if c.p != nil {
		c.p.Add(int64(len(b)))
	}
	return len(b), nil
}

// SheetURL is the batch's printable signing sheet (the id, as the relay
// answered it, path-escaped).
func SheetURL(c *relayapi.Client, id string) string {
	return c.Origin() + "/v1/batches/" + url.PathEscape(id) + "/sheet.html"
}

package upload_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/signer/relayapi"
	"github.com/qrsign/qrsign/relay/signer/upload"

	"github.com/qrsign/qrsign/relay/api"
)

// fakeBatches reads POST /v1/batches part by part as the relay does and
// answers with the batch it would register.
type fakeBatches struct {
	fail503 int
	lie     bool // report a wrong sha256 for the first document

	mu     sync.Mutex
	posts  int
	keys   []string
	meta   map[string]any
	parts  []string
	hashes map[string]string
}

func (f *fakeBatches) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.posts++
	n := f.posts
	f.keys = append(f.keys, r.Header.Get("Idempotency-Key"))
	f.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer write-key" {
		http.Error(w, "no", 401)
		return
	}
	mr, err := r.MultipartReader()
	if err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	var meta struct {
		Title     string
		Documents []struct {
			File, Title, DocType, MediaType string
			Order                           int
		}
	}
	parts, hashes := []string{}, map[string]string{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		parts = append(parts, p.FormName()+" "+p.Header.Get("Content-Type"))
		if p.FormName() == "batch" {
			b, _ := io.ReadAll(p)
			json.Unmarshal(b, &meta)
			f.mu.Lock()
			json.Unmarshal(b, &f.meta)
			f.mu.Unlock()
			continue
		}
		h := sha256.New()
		io.Copy(h, p)
		hashes[p.FormName()] = hex.EncodeToString(h.Sum(nil))
	}
	f.mu.Lock()
	f.parts, f.hashes = parts, hashes
	f.mu.Unlock()
	if n <= f.fail503 {
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(503)
		w.Write([]byte(`{"status":503,"code":"UNAVAILABLE","detail":"1 of 3 documents are registered"}`))
		return
	}
	b := api.Batch{ID: "b-1", Title: meta.Title, Total: len(meta.Documents), Registered: len(meta.Documents), Complete: true}
	for i, d := range meta.Documents {
		sum := hashes[d.File]
		if f.lie && i == 0 {
			sum = strings.Repeat("0", 64)
		}
		b.Documents = append(b.Documents, api.BatchDoc{ID: "b-1." + d.File, File: d.File, Title: d.Title, Order: d.Order,
			SHA256: sum, Registered: true})
	}
	w.WriteHeader(201)
	json.NewEncoder(w).Encode(b)
}

func dir(t *testing.T) string {
	d := t.TempDir()
	for name, body := range map[string]string{"b-lease.pdf": strings.Repeat("B", 3000), "a-nda.pdf": strings.Repeat("A", 1000),
		"c-notes.txt": "C", ".hidden": "x"} {
		os.WriteFile(filepath.Join(d, name), []byte(body), 0o644)
	}
	os.Mkdir(filepath.Join(d, "sub"), 0o755)
	return d
}

func client(t *testing.T, h http.Handler) *relayapi.Client {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, _ := relayapi.New(srv.URL)
	c.APIKey = "write-key"
	c.Sleep = func(context.Context, time.Duration) error { return nil }
	return c
}

func TestUploadStreamsEveryFileInOrder(t *testing.T) {
	docs, err := upload.FromDir(dir(t), "Q4 ", "contract")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeBatches{fail503: 1}
	var out bytes.Buffer
	p := &upload.Progress{W: &out, Total: 4001, Docs: 3}
	b, err := upload.Upload(context.Background(), client(t, f), upload.Batch{Title: "Q4", Priority: 2,
		Signers: []model.SignerSpec{{ID: "alice", MSPID: "Org1MSP", RoutingOrder: 1}}, Docs: docs}, p)
	if err != nil {
		t.Fatal(err)
	}
	if b.ID != "b-1" || len(b.Documents) != 3 {
		t.Fatalf("batch %+v", b)
	}
	if f.posts != 2 || f.keys[0] == "" || f.keys[0] != f.keys[1] {
		t.Fatalf("a retry must resend with the same Idempotency-Key: %d posts, keys %q", f.posts, f.keys)
	}
	want := []string{"batch ", "a-nda.pdf application/pdf", "b-lease.pdf application/pdf", "c-notes.txt text/plain; charset=utf-8"}
	if strings.Join(f.parts, "|") != strings.Join(want, "|") {
		t.Fatalf("parts %q, want %q", f.parts, want)
	}
	mj, _ := json.Marshal(f.meta)
	if got := string(mj); got != `{"documents":[{"docType":"contract","file":"a-nda.pdf","mediaType":"application/pdf","order":1,"title":"Q4 a-nda"},{"docType":"contract","file":"b-lease.pdf","mediaType":"application/pdf","order":2,"title":"Q4 b-lease"},{"docType":"contract","file":"c-notes.txt","mediaType":"text/plain; charset=utf-8","order":3,"title":"Q4 c-notes"}],"priority":2,"signers":[{"id":"alice","mspId":"Org1MSP","routingOrder":1}],"title":"Q4"}` {
		t.Fatalf("batch part %s", got)
	}
	// Not a terminal: whole lines, the last one complete (after the retry's reset).
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if last := lines[len(lines)-1]; last != "[##############################] 100% 3.9 KiB / 3.9 KiB, 3/3 documents" {
		t.Fatalf("last progress line %q\n%s", last, out.String())
	}
	if strings.Contains(out.String(), "\r") {
		t.Fatal("carriage returns when not on a terminal")
	}
}

func TestUploadRefusesARelayThatRegisteredOtherBytes(t *testing.T) {
	docs, _ := upload.FromDir(dir(t), "", "contract")
	_, err := upload.Upload(context.Background(), client(t, &fakeBatches{lie: true}), upload.Batch{Title: "x", Docs: docs}, nil)
	if err == nil || !strings.HasPrefix(err.Error(), "upload: the relay registered a-nda.pdf with sha256 0000") {
		t.Fatalf("err = %v", err)
	}
}

func TestProgressOnATerminalRedrawsInPlace(t *testing.T) {
	var out bytes.Buffer
	now := time.Unix(0, 0)
	p := &upload.Progress{W: &out, TTY: true, Total: 2 << 20, Docs: 2, Now: func() time.Time { return now }}
	p.Add(1 << 20)
	now = now.Add(time.Second)
	p.DocDone()
	p.Add(1 << 20)
	p.DocDone()
	p.Finish()
	want := "\r[###############...............]  50% 1.0 MiB / 2.0 MiB, 0/2 documents" +
		"\r[###############...............]  50% 1.0 MiB / 2.0 MiB, 1/2 documents" +
		"\r[##############################] 100% 2.0 MiB / 2.0 MiB, 2/2 documents\n"
	if out.String() != want {
		t.Fatalf("got  %q\nwant %q", out.String(), want)
	}
}

// A file named "batch" would be a second part named like the metadata part
// (the relay refuses the whole upload): FromDir refuses the directory, and
// Upload such a document, before anything is sent.
func TestFileNamedBatchIsRefused(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.pdf"), []byte("%PDF a"), 0o644)
	os.WriteFile(filepath.Join(dir, "batch"), []byte("b"), 0o644)
	docs, err := upload.FromDir(dir, "", "document")
	if !errors.Is(err, upload.ErrReservedName) || docs != nil {
		t.Fatalf("FromDir = %v, %v; want ErrReservedName", docs, err)
	}
	if want := filepath.Join(dir, "batch") + ": upload: a document may not be named \"batch\""; !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("err %q, want it to start %q", err, want)
	}
	var hits int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	defer srv.Close()
	c, _ := relayapi.New(srv.URL)
	c.APIKey = "k"
	_, err = upload.Upload(context.Background(), c, upload.Batch{Title: "t", Signers: []model.SignerSpec{{ID: "a", MSPID: "M", RoutingOrder: 1}},
		Docs: []upload.Doc{{Path: filepath.Join(dir, "batch"), File: "batch", Title: "batch", MediaType: "application/octet-stream", Order: 1, Size: 1}}}, nil)
	if !errors.Is(err, upload.ErrReservedName) || hits != 0 {
		t.Fatalf("Upload = %v after %d requests; want ErrReservedName, none sent", err, hits)
	}
}

func TestSheetURLEscapesTheID(t *testing.T) {
	c, _ := relayapi.New("https://relay.example")
	if got, want := upload.SheetURL(c, "b/1?x"), "https://relay.example/v1/batches/b%2F1%3Fx/sheet.html"; got != want {
		t.Fatalf("SheetURL = %q, want %q", got, want)
	}
}

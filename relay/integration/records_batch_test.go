//go:build integration

package integration

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qrsign/qrsign/chaincode/merkle"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/relay/api"
)

func TestRecordsExportAndAnnotationsOnTheRealNetwork(t *testing.T) {
	e := setup(t)
	bob := e.enroll(t, "rec")
	a := e.upload(t, bob.spec(e, 1))
	e.upload(t, bob.spec(e, 1))
	auth := []string{"X-API-Key", e.key}
	path := "/v1/signers/" + e.org.MSPID + "/" + url.PathEscape(bob.id)
	code, body, _ := e.do(t, "GET", path+"/records?limit=1", nil, auth...)
	var p1 api.RecordsPage
	json.Unmarshal(body, &p1)
	if code != 200 || len(p1.Records) != 1 || p1.NextCursor == "" {
		t.Fatalf("%d %s", code, body)
	}
	code, body, _ = e.do(t, "GET", path+"/records?limit=1&cursor="+url.QueryEscape(p1.NextCursor), nil, auth...)
	var p2 api.RecordsPage
	json.Unmarshal(body, &p2)
	if code != 200 || len(p2.Records) != 1 || p2.Records[0].ID == p1.Records[0].ID {
		t.Fatalf("page 2: %d %s", code, body)
	}
	code, body, _ = e.do(t, "GET", "/v1/owners/it/records?limit=1", nil, auth...)
	var own api.RecordsPage
	json.Unmarshal(body, &own)
	if code != 200 || len(own.Records) != 1 || own.Records[0].Owner != "it" {
		t.Fatalf("owner: %d %.300s", code, body)
	}
	code, body, _ = e.do(t, "GET", path+"/pending", nil, auth...)
	var pend api.RecordsPage
	json.Unmarshal(body, &pend)
	if code != 200 || len(pend.Records) != 2 {
		t.Fatalf("pending: %d %s", code, body)
	}

	// Annotate a with a tag of this run, then find a by the tag.
	tag := "it-" + e.run
	nonce := randHex(16)
	msg, err := payload.Build(payload.Fields{Purpose: payload.PurposeAnnotate, Channel: e.info.Channel, DocumentID: a.Document.ID,
		DocumentSHA256: a.Document.SHA256, Nonce: nonce, SignerFingerprint: payload.Fingerprint(bob.cert.Raw), Tags: []string{tag}, Note: "filed"})
	if err != nil {
		t.Fatal(err)
	}
	sig, _ := sigalg.Sign(model.AlgECDSAP256DER, bob.key, msg)
	code, body = e.post(t, "/v1/documents/"+a.Document.ID+"/annotations", api.AnnotationRequest{MSPID: e.org.MSPID, Nonce: nonce,
		CertChainPEM: bob.certPEM, Signature: base64.StdEncoding.EncodeToString(sig), Algorithm: model.AlgECDSAP256DER, Tags: []string{tag}, Note: "filed"})
	if code != 201 {
		t.Fatalf("annotate: %d %s", code, body)
	}
	code, body, _ = e.do(t, "GET", "/v1/tags/"+tag+"/records", nil, auth...)
	var tagged api.RecordsPage
	json.Unmarshal(body, &tagged)
	if code != 200 || len(tagged.Records) != 1 || tagged.Records[0].ID != a.Document.ID {
		t.Fatalf("tag: %d %s", code, body)
	}

	// PDF export: a certificate per document that poppler opens.
	code, body, hdr := e.do(t, "GET", path+"/records?format=pdf", nil, auth...)
	if code != 200 || hdr.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(body, []byte("%PDF-")) {
		t.Fatalf("pdf: %d %s", code, hdr)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "x.pdf"), body, 0o600)
	if out, err := exec.Command("pdfinfo", filepath.Join(dir, "x.pdf")).CombinedOutput(); err != nil || !strings.Contains(string(out), "Pages:") {
		t.Fatalf("pdfinfo: %v %s", err, out)
	}
	code, body, _ = e.do(t, "GET", path+"/records?format=csv", nil, auth...)
	if code != 200 || strings.Count(string(body), "\n") != 3 {
		t.Fatalf("csv: %d %s", code, body)
	}
}

// TestBatchOnTheRealNetwork registers a batch (20 documents; QRSIGN_BATCH_DOCS
// sets another size, e.g. 500 to measure), reads it back, renders its sheet
// and signs it with one batch-sign scan.
func TestBatchOnTheRealNetwork(t *testing.T) {
	e := setup(t)
	n := 20
	if v, err := strconv.Atoi(os.Getenv("QRSIGN_BATCH_DOCS")); err == nil && v > 0 {
		n = v
	}
	bob := e.enroll(t, "batch")
	id := "b-" + e.run + "-" + strconv.Itoa(n)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	var docs []map[string]any
	for i := 1; i <= n; i++ {
		docs = append(docs, map[string]any{"file": fmt.Sprintf("f%d", i), "title": fmt.Sprintf("Batch doc %d", i), "docType": "form", "order": i})
	}
	meta, _ := json.Marshal(map[string]any{"id": id, "title": "Integration batch", "owner": "it", "priority": 3,
		"signers": []model.SignerSpec{bob.spec(e, 1)}, "documents": docs})
	mw.WriteField("batch", string(meta))
	for i := 1; i <= n; i++ {
		fw, _ := mw.CreateFormFile(fmt.Sprintf("f%d", i), fmt.Sprintf("f%d.txt", i))
		fmt.Fprintf(fw, "batch %s document %d\n", id, i)
	}
	mw.Close()
	t0 := time.Now()
	code, body, _ := e.do(t, "POST", "/v1/batches", &buf, "Content-Type", mw.FormDataContentType(), "X-API-Key", e.key)
	wall := time.Since(t0)
	var b api.Batch
	json.Unmarshal(body, &b)
	if code != 201 || !b.Complete || b.Registered != n {
		t.Fatalf("%d %.600s", code, body)
	}
	t.Logf("batch of %d documents registered in %v: %.1f documents/s", n, wall.Round(time.Millisecond), float64(n)/wall.Seconds())

	code, body, _ = e.do(t, "GET", "/v1/batches/"+id, nil, "X-API-Key", e.key)
	var got api.Batch
	json.Unmarshal(body, &got)
	if code != 200 || got.Registered != n || got.Documents[n-1].Status != model.StatusPending {
		t.Fatalf("%d %.300s", code, body)
	}
	code, body, _ = e.do(t, "GET", "/v1/batches/"+id+"/sheet.pdf", nil, "X-API-Key", e.key)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "s.pdf"), body, 0o600)
	if out, err := exec.Command("pdftoppm", "-r", "200", "-png", "-f", "1", "-l", "1", filepath.Join(dir, "s.pdf"), filepath.Join(dir, "p")).CombinedOutput(); code != 200 || err != nil {
		t.Fatalf("sheet: %d %v %s", code, err, out)
	}
	if code, body, _ := e.do(t, "GET", "/v1/batches/"+id+"/sheet.html", nil, "X-API-Key", e.key); code != 200 || !strings.Contains(string(body), "data:image/png;base64,") {
		t.Fatalf("sheet.html: %d %.300s", code, body)
	}
	pages, _ := filepath.Glob(filepath.Join(dir, "p*.png"))
	if out, err := exec.Command("zbarimg", append([]string{"-q", "--raw"}, pages...)...).Output(); err != nil || !strings.Contains(string(out), e.url+"/s/") {
		t.Fatalf("no signing link decoded from the sheet: %v %s", err, out)
	}

	// One batch-sign scan signs every document.
	code, body, hdr := e.do(t, "GET", "/v1/batches/"+id+"/qr.png?signer="+url.QueryEscape(e.org.MSPID+"/"+bob.id), nil, "X-API-Key", e.key)
	if code != 200 || hdr.Get("X-Match-Code") == "" {
		t.Fatalf("qr: %d", code)
	}
	os.WriteFile(filepath.Join(dir, "q.png"), body, 0o600)
	out, err := exec.Command("zbarimg", "-q", "--raw", filepath.Join(dir, "q.png")).Output()
	if err != nil {
		t.Fatal(err)
	}
	link := strings.TrimSpace(string(out))
	tok := link[strings.LastIndex(link, "/")+1:]
	code, body, _ = e.do(t, "GET", "/v1/sessions/"+tok, nil)
	var sess api.Session
	json.Unmarshal(body, &sess)
	if code != 200 || sess.Batch == nil || sess.Batch.Size != n {
		t.Fatalf("session: %d %.300s", code, body)
	}
	var leaves [][32]byte
	for _, d := range sess.Batch.Documents {
		c, content, _ := e.do(t, "GET", strings.TrimPrefix(d.ContentURL, e.url), nil)
		if c != 200 {
			t.Fatalf("content %s: %d", d.ID, c)
		}
		leaves = append(leaves, sha256.Sum256(content))
	}
	root, _ := merkle.Root(leaves)
	if merkle.Hex(root) != sess.Batch.Root {
		t.Fatal("root does not match the downloaded documents")
	}
	msg, _ := payload.Build(payload.Fields{Purpose: payload.PurposeBatchSign, Channel: e.info.Channel, DocumentID: id,
		DocumentSHA256: sess.Batch.Root, Nonce: sess.Nonce, SignerFingerprint: payload.Fingerprint(bob.cert.Raw), Size: n})
	sig, _ := sigalg.Sign(model.AlgECDSAP256DER, bob.key, msg)
	t1 := time.Now()
	code, body = e.post(t, "/v1/callbacks/scan", api.CallbackRequest{Token: tok, Action: "batch-sign", CertChainPEM: bob.certPEM,
		Signature: base64.StdEncoding.EncodeToString(sig), Algorithm: model.AlgECDSAP256DER})
	var res api.CallbackResult
	json.Unmarshal(body, &res)
	if code != 200 || len(res.Documents) != n || res.ValidationCode != "VALID" || res.BlockNumber == 0 {
		t.Fatalf("batch-sign: %d %.400s", code, body)
	}
	t.Logf("one batch-sign of %d documents committed in %v (block %d)", n, time.Since(t1).Round(time.Millisecond), res.BlockNumber)
	code, body, _ = e.do(t, "GET", "/v1/batches/"+id, nil, "X-API-Key", e.key)
	json.Unmarshal(body, &got)
	for _, d := range got.Documents {
		if d.Status != model.StatusCompleted {
			t.Fatalf("%s is %s after the batch signature", d.ID, d.Status)
		}
	}
	// Every document closed: the stream says so once and ends.
	req, _ := http.NewRequest("GET", e.url+"/v1/batches/"+id+"/events", nil)
	req.Header.Set("X-API-Key", e.key)
	resp, err := (&http.Client{Timeout: 60 * time.Second}).Do(req) // a bound on a hang
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, err := io.ReadAll(resp.Body); err != nil || resp.StatusCode != 200 || !strings.Contains(string(b), "event: done") {
		t.Fatalf("events of a closed batch: %d %v %.300s", resp.StatusCode, err, b)
	}
}

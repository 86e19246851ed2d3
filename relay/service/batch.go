package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/qrsign/qrsign/chaincode/merkle"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/text"
	"github.com/qrsign/qrsign/relay/ledger"
	"github.com/qrsign/qrsign/relay/problem"
)

// MaxBatchDocuments bounds the documents of one batch: as many as one
// RecordBatchSignature (or RecordBatchDecline) may answer for.
const MaxBatchDocuments = model.MaxBatchItems

// BatchMeta is the "batch" part of POST /v1/batches.
type BatchMeta struct {
	ID        string             `json:"id,omitempty"`
	Title     string             `json:"title"`
	Owner     string             `json:"owner,omitempty"` // default: the API key's name
	Priority  int                `json:"priority"`
	Signers   []model.SignerSpec `json:"signers"`
	ExpiresAt *time.Time         `json:"expiresAt,omitempty"`
	Documents []BatchDocMeta     `json:"documents"`
	// IdempotencyKey is the request's Idempotency-Key header (not JSON).
	IdempotencyKey string `json:"-"`
}

// BatchDocMeta names one document of a batch and the file part holding it.
type BatchDocMeta struct {
	File      string `json:"file"`
	Title     string `json:"title"`
	DocType   string `json:"docType"`
	MediaType string `json:"mediaType,omitempty"`
	Order     int    `json:"order"`
}

// BatchFile is a file part already stored in the blob store.
type BatchFile struct {
	SHA256, MediaType string
	Size              int64
}

// DocError is why one document of a batch was refused or not registered.
type DocError struct {
	Index  int        `json:"index"`
	File   string     `json:"file,omitempty"`
	Code   model.Code `json:"code"`
	Detail string     `json:"detail"`
}

// BatchDoc is one document of a batch and its state on the ledger.
type BatchDoc struct {
	ID          string       `json:"id"`
	File        string       `json:"file"`
	Title       string       `json:"title"`
	DocType     string       `json:"docType"`
	MediaType   string       `json:"mediaType"`
	Order       int          `json:"order"`
	SHA256      string       `json:"sha256"`
	Size        int64        `json:"size"`
	Registered  bool         `json:"registered"`
	Status      model.Status `json:"status,omitempty"` // effective status, when registered
	TxID        string       `json:"txId,omitempty"`
	BlockNumber uint64       `json:"blockNumber,omitempty"`
	Error       *DocError    `json:"error,omitempty"`
	// Signers are the document's signers with their answers, when
	// registered: a batch page shows who signed what from the batch alone.
	Signers []BatchSigner `json:"signers,omitempty"`
}

// setLedger records what the ledger holds of d.
func (d *BatchDoc) setLedger(v *model.DocumentView) {
	d.Registered, d.Status, d.TxID = true, effective(v), v.CreatedTxID
	d.Signers = make([]BatchSigner, len(v.Signers))
	for i, sg := range v.Signers {
		d.Signers[i] = BatchSigner{MSPID: sg.MSPID, ID: sg.ID, Status: sg.Status}
	}
}

// BatchSigner is one signer's answer on one document of a batch.
type BatchSigner struct {
	MSPID  string             `json:"mspId"`
	ID     string             `json:"id"`
	Status model.SignerStatus `json:"status"`
}

// Batch is a batch manifest and the state of its documents.
type Batch struct {
	ID        string             `json:"id"`
	Title     string             `json:"title"`
	Owner     string             `json:"owner"`
	Priority  int                `json:"priority"`
	Signers   []model.SignerSpec `json:"signers"`
	ExpiresAt time.Time          `json:"expiresAt"`
	CreatedAt time.Time          `json:"createdAt"`
	// Root is the Merkle root (chaincode/merkle, RFC 9162) of the documents'
	// SHA-256 hashes in signing order; Total is the tree's size.
	Root       string     `json:"root"`
	Documents  []BatchDoc `json:"documents"` // in order
	Total      int        `json:"total"`
	Registered int        `json:"registered"`
	Complete   bool       `json:"complete"`
}

// BatchProblem is a batch answer that is also an error: refused documents
// (400 BATCH_INVALID, nothing written) or a registration cut short (503
// UNAVAILABLE; the batch shows exactly which documents are registered).
type BatchProblem struct {
	*problem.Problem
	Errors []DocError `json:"errors,omitempty"`
	Batch  *Batch     `json:"batch,omitempty"`
}

func (b *BatchProblem) Unwrap() error { return b.Problem }

func (s *Service) manifestPath(id string) string {
	return filepath.Join(s.BatchDir, id+".json")
}

// CreateBatch validates every document of a batch (nothing is written if any
// is invalid), writes the manifest, then registers the documents with at
// most Concurrency RegisterDocument calls in flight. A retry of the same
// request (same id, Idempotency-Key or content) completes a batch cut short.
func (s *Service) CreateBatch(ctx context.Context, c Caller, meta BatchMeta, files map[string]BatchFile) (b *Batch, err error) {
	started := time.Now()
	defer func() { s.op(c, "batch", meta.ID, started, nil, err) }()
	now := s.now()
	if meta.Owner == "" {
		meta.Owner = c.Who
	}
	n := len(meta.Documents)
	if n == 0 || n > MaxBatchDocuments {
		return nil, problem.Newf(model.CodeInvalidField, "a batch holds 1..%d documents", MaxBatchDocuments)
	}
	if err := model.CheckText("title", meta.Title, model.MaxTitleLen, text.Line); err != nil {
		return nil, problem.From(err)
	}
	if meta.ID == "" {
		meta.ID = batchID(c.Who, meta, files)
	} else if !model.ValidID(meta.ID) || len(meta.ID) > 58 {
		return nil, problem.Newf(model.CodeInvalidField, "batch id %q must match %s and be at most 58 characters", clip(meta.ID), "^[A-Za-z0-9][A-Za-z0-9._-]*$")
	}
	expires := now.Add(s.DefaultExpiry).Truncate(time.Second)
	if meta.ExpiresAt != nil {
		expires = meta.ExpiresAt.UTC()
	}
	b = &Batch{ID: meta.ID, Title: meta.Title, Owner: meta.Owner, Priority: meta.Priority, Signers: meta.Signers,
		ExpiresAt: expires, CreatedAt: now, Total: n}
	var errs []DocError
	seenFile, seenOrder := map[string]int{}, map[int]int{}
	reqs := make([]model.RegisterDocumentRequest, n)
	for i, d := range meta.Documents {
		bad := func(code model.Code, f string, a ...any) {
			errs = append(errs, DocError{Index: i, File: d.File, Code: code, Detail: fmt.Sprintf(f, a...)})
		}
		f, ok := files[d.File]
		switch {
		case d.File == "":
			bad(model.CodeInvalidField, "documents[%d].file must name a file part", i)
			continue
		case !ok:
			bad(model.CodeInvalidField, "documents[%d].file %q: no such file part", i, clip(d.File))
			continue
		}
		if j, dup := seenFile[d.File]; dup {
			bad(model.CodeInvalidField, "documents[%d].file %q is also documents[%d].file", i, clip(d.File), j)
		}
		seenFile[d.File] = i
		if j, dup := seenOrder[d.Order]; dup {
			bad(model.CodeInvalidField, "documents[%d].order %d is also documents[%d].order", i, d.Order, j)
		}
		seenOrder[d.Order] = i
		if d.Order < 1 {
			bad(model.CodeInvalidField, "documents[%d].order must be at least 1", i)
		}
		mt := d.MediaType
		if mt == "" {
			mt = f.MediaType
		}
		r := model.RegisterDocumentRequest{ID: fmt.Sprintf("%s.%04d", meta.ID, d.Order), SHA256: f.SHA256, Size: f.Size,
			MediaType: mediaTypeOf(mt), Title: d.Title, DocType: d.DocType, Owner: meta.Owner, Signers: meta.Signers,
			Priority: meta.Priority, ExpiresAt: expires, BatchID: meta.ID, BatchOrder: d.Order}
		if err := r.Validate(now); err != nil {
			var me *model.Error
			if errors.As(err, &me) {
				bad(me.Code, "documents[%d]: %s", i, me.Message)
			} else {
				bad(model.CodeInvalidField, "documents[%d]: %v", i, err)
			}
		}
		reqs[i] = r
		b.Documents = append(b.Documents, BatchDoc{ID: r.ID, File: d.File, Title: d.Title, DocType: d.DocType,
			MediaType: r.MediaType, Order: d.Order, SHA256: f.SHA256, Size: f.Size})
	}
	if len(errs) > 0 {
		bad := map[int]bool{}
		for _, e := range errs {
			bad[e.Index] = true
		}
		p := problem.Newf(problem.CodeBatchInvalid, "%d of %d documents are invalid; nothing was registered", len(bad), n)
		return nil, &BatchProblem{Problem: p, Errors: errs}
	}
	sort.SliceStable(b.Documents, func(i, j int) bool { return b.Documents[i].Order < b.Documents[j].Order })
	sort.SliceStable(reqs, func(i, j int) bool { return reqs[i].BatchOrder < reqs[j].BatchOrder })
	// On the ledger batchOrder is the position in signing order (0..n-1):
	// the index of the document's leaf in the batch's Merkle tree.
	for i := range reqs {
		reqs[i].BatchOrder = i
	}
	root, err := batchRoot(b.Documents)
	if err != nil {
		return nil, problem.From(err)
	}
	b.Root = root
	// The manifest is written before any ledger write, so GET /v1/batches/{id}
	// can always say which of the planned documents the ledger holds.
	if old, err := s.readManifest(meta.ID); err == nil {
		if !sameBatch(old, b) {
			return nil, problem.Newf(model.CodeDocumentExists, "batch %s exists with other documents", meta.ID)
		}
		b.CreatedAt = old.CreatedAt
	} else if err := s.writeManifest(b); err != nil {
		return nil, problem.From(err)
	}
	s.registerAll(ctx, b, reqs)
	if !b.Complete {
		p := problem.Newf(problem.CodeUnavailable, "%d of %d documents are registered; retry the same request to register the rest (registered ones are not registered twice)", b.Registered, b.Total)
		p.RetryAfter = 2
		return b, &BatchProblem{Problem: p, Batch: b}
	}
	return b, nil
}

func (s *Service) registerAll(ctx context.Context, b *Batch, reqs []model.RegisterDocumentRequest) {
	conc := s.BatchConcurrency
	if conc < 1 {
		conc = 16
	}
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	for i := range reqs {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			d := &b.Documents[i]
			t0 := time.Now()
			w, err := s.Ledger.RegisterDocument(ctx, reqs[i])
			s.observe("RegisterDocument", t0)
			if code, _ := ledger.CodeOf(err); code == model.CodeDocumentExists {
				// Registered by an earlier attempt: the same bytes count as registered.
				v, gerr := s.Ledger.GetDocument(ctx, d.ID)
				if gerr == nil && v.SHA256 == d.SHA256 && v.BatchID == b.ID {
					d.setLedger(v)
					d.BlockNumber, _ = s.Ledger.BlockOfTx(ctx, v.CreatedTxID)
					return
				}
			}
			if err != nil {
				p := problem.From(fromLedger(err))
				d.Error = &DocError{Index: i, File: d.File, Code: p.Code, Detail: p.Detail}
				return
			}
			d.Registered, d.Status, d.TxID, d.BlockNumber = true, model.StatusPending, w.TxID, w.BlockNumber
		}(i)
	}
	wg.Wait()
	b.Registered = 0
	for _, d := range b.Documents {
		if d.Registered {
			b.Registered++
		}
	}
	b.Complete = b.Registered == b.Total
}

// GetBatch reads a batch's manifest and asks the ledger for each document:
// registered or not, and its effective status.
func (s *Service) GetBatch(ctx context.Context, id string) (*Batch, error) {
	if !model.ValidID(id) {
		return nil, problem.Newf(problem.CodeNotFound, "no batch %q", clip(id))
	}
	b, err := s.readManifest(id)
	if err != nil {
		return nil, problem.Newf(problem.CodeNotFound, "no batch %q at this relay", clip(id))
	}
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var netErr error
	for i := range b.Documents {
		wg.Add(1)
		sem <- struct{}{}
		go func(d *BatchDoc) {
			defer func() { <-sem; wg.Done() }()
			v, err := s.Ledger.GetDocument(ctx, d.ID)
			if code, _ := ledger.CodeOf(err); code == model.CodeDocumentNotFound {
				return
			}
			if err != nil {
				mu.Lock()
				netErr = err
				mu.Unlock()
				return
			}
			d.setLedger(v)
		}(&b.Documents[i])
	}
	wg.Wait()
	if netErr != nil {
		return nil, fromLedger(netErr)
	}
	b.Registered = 0
	for _, d := range b.Documents {
		if d.Registered {
			b.Registered++
		}
	}
	b.Complete = b.Registered == b.Total
	return b, nil
}

// batchRoot is the Merkle root of the documents' hashes in signing order.
func batchRoot(docs []BatchDoc) (string, error) {
	leaves, err := batchLeaves(docs)
	if err != nil {
		return "", err
	}
	r, err := merkle.Root(leaves)
	if err != nil {
		return "", err
	}
	return merkle.Hex(r), nil
}

func batchLeaves(docs []BatchDoc) ([][32]byte, error) {
	leaves := make([][32]byte, len(docs))
	for i, d := range docs {
		b, err := hex.DecodeString(d.SHA256)
		if err != nil || len(b) != 32 {
			return nil, fmt.Errorf("batch document %s: bad sha256", d.ID)
		}
		copy(leaves[i][:], b)
	}
	return leaves, nil
}

func effective(v *model.DocumentView) model.Status {
	if v.EffectiveStatus != "" {
		return v.EffectiveStatus
	}
	return v.Status
}

// batchID names a batch the caller did not name: from the Idempotency-Key
// when given, else from its content, so a retried upload is the same batch.
func batchID(who string, m BatchMeta, files map[string]BatchFile) string {
	h := sha256.New()
	if m.IdempotencyKey != "" {
		fmt.Fprintf(h, "qrsign-batch-key/1\n%s\n%s", who, m.IdempotencyKey)
	} else {
		fmt.Fprintf(h, "qrsign-batch/1\n%s\n%s\n%s\n%d", who, m.Title, m.Owner, m.Priority)
		for _, sg := range m.Signers {
			fmt.Fprintf(h, "\n%s/%s/%d", sg.MSPID, sg.ID, sg.RoutingOrder)
		}
		for _, d := range m.Documents {
			fmt.Fprintf(h, "\n%d %s %s %s", d.Order, files[d.File].SHA256, d.Title, d.DocType)
		}
	}
	return "batch-" + hex.EncodeToString(h.Sum(nil))[:20]
}

func sameBatch(a, b *Batch) bool {
	if len(a.Documents) != len(b.Documents) || a.Owner != b.Owner {
		return false
	}
	for i := range a.Documents {
		if a.Documents[i].ID != b.Documents[i].ID || a.Documents[i].SHA256 != b.Documents[i].SHA256 {
			return false
		}
	}
	return true
}

// BatchDocumentIDs lists a batch's document ids from this relay's manifest
// alone (no ledger read): what a live view of the batch watches.
func (s *Service) BatchDocumentIDs(id string) ([]string, error) {
	if !model.ValidID(id) {
		return nil, problem.Newf(problem.CodeNotFound, "no batch %q", clip(id))
	}
	b, err := s.readManifest(id)
	if err != nil {
		return nil, problem.Newf(problem.CodeNotFound, "no batch %q at this relay", clip(id))
	}
	ids := make([]string, len(b.Documents))
	for i, d := range b.Documents {
		ids[i] = d.ID
	}
	return ids, nil
}

func (s *Service) readManifest(id string) (*Batch, error) {
	raw, err := os.ReadFile(s.manifestPath(id))
	if err != nil {
		return nil, err
	}
	var b Batch
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, err
	}
	for i := range b.Documents {
		b.Documents[i].Registered, b.Documents[i].Status, b.Documents[i].TxID, b.Documents[i].BlockNumber, b.Documents[i].Error, b.Documents[i].Signers = false, "", "", 0, nil, nil
	}
	return &b, nil
}

// writeManifest stores the plan (no ledger state) atomically: temp, fsync, link.
func (s *Service) writeManifest(b *Batch) error {
	if s.BatchDir == "" {
		return errors.New("service: BatchDir is not set")
	}
	if err := os.MkdirAll(s.BatchDir, 0o700); err != nil {
		return err
	}
	plan := *b
	plan.Documents = append([]BatchDoc(nil), b.Documents...)
	raw, err := json.Marshal(plan)
	if err != nil {
		return err
	}
	f, err := os.CreateTemp(s.BatchDir, ".batch-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	_, werr := f.Write(raw)
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		return err
	}
	if err := os.Link(f.Name(), s.manifestPath(b.ID)); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	return nil
}

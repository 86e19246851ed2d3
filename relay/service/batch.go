package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/qrsign/qrsign/chaincode/merkle"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/text"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/ledger"
	"github.com/qrsign/qrsign/relay/pades"
)

// MaxBatchDocuments bounds the documents of one batch: as many as one
// RecordBatchSignature (or RecordBatchDecline) may answer for.
const MaxBatchDocuments = model.MaxBatchItems

// BatchFile is a file part already stored in the blob store.
type BatchFile struct {
	SHA256, MediaType string
	Size              int64
}

// setLedger records what the ledger holds of d.
func setLedger(d *api.BatchDoc, v *model.DocumentView) {
	d.Registered, d.Status, d.TxID = true, effective(v), v.CreatedTxID
	d.Signers = make([]api.BatchSigner, len(v.Signers))
	for i, sg := range v.Signers {
		d.Signers[i] = api.BatchSigner{MSPID: sg.MSPID, ID: sg.ID, Status: sg.Status}
	}
}

func (s *Service) manifestPath(id string) string {
	return filepath.Join(s.BatchDir, id+".json")
}

// CreateBatch validates every document of a batch (nothing is written if any
// is invalid), writes the manifest, then registers the documents with at
// most Concurrency RegisterDocument calls in flight. A retry of the same
// request (same id, Idempotency-Key or content) completes a batch cut short.
func (s *Service) CreateBatch(ctx context.Context, c Caller, meta api.BatchMeta, files map[string]BatchFile) (b *api.Batch, err error) {
	started := time.Now()
	defer func() { s.op(c, "batch", meta.ID, started, nil, err) }()
	now := s.now()
	if meta.Owner == "" {
		meta.Owner = c.Who
	}
	n := len(meta.Documents)
	if n == 0 || n > MaxBatchDocuments {
		return nil, fault.Newf(model.CodeInvalidField, "a batch holds 1..%d documents", MaxBatchDocuments)
	}
	if err := model.CheckText("title", meta.Title, model.MaxTitleLen, text.Line); err != nil {
		return nil, fault.From(err)
	}
	if meta.ID == "" {
		meta.ID = batchID(c.Who, c.IdempotencyKey, meta, files)
	} else if !model.ValidID(meta.ID) || len(meta.ID) > 58 {
		return nil, fault.Newf(model.CodeInvalidField, "batch id %q must match %s and be at most 58 characters", clip(meta.ID), "^[A-Za-z0-9][A-Za-z0-9._-]*$")
	}
	expires, err := s.expiry(meta.ExpiresAt, now)
	if err != nil {
		return nil, err
	}
	b = &api.Batch{ID: meta.ID, Title: meta.Title, Owner: meta.Owner, Priority: meta.Priority, Signers: meta.Signers,
		ExpiresAt: expires, CreatedAt: now, Total: n}
	var errs []api.DocError
	seenFile, seenOrder := map[string]int{}, map[int]int{}
	reqs := make([]model.RegisterDocumentRequest, n)
	for i, d := range meta.Documents {
		bad := func(code model.Code, f string, a ...any) {
			errs = append(errs, api.DocError{Index: i, File: d.File, Code: code, Detail: fmt.Sprintf(f, a...)})
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
		if r.MediaType == model.PDFMediaType {
			head, err := s.blobHead(ctx, f.SHA256)
			if err != nil {
				return nil, err
			}
			if !HasPDFHeader(head) {
				bad(model.Code(pades.CodeNotPDF), "documents[%d]: file %q is not a PDF (no %%PDF- header in its first %d bytes), though its media type is %s",
					i, clip(d.File), PDFHeaderWindow, model.PDFMediaType)
			}
		}
		reqs[i] = r
		b.Documents = append(b.Documents, api.BatchDoc{ID: r.ID, File: d.File, Title: d.Title, DocType: d.DocType,
			MediaType: r.MediaType, Order: d.Order, SHA256: f.SHA256, Size: f.Size})
	}
	if len(errs) > 0 {
		bad := map[int]bool{}
		for _, e := range errs {
			bad[e.Index] = true
		}
		p := fault.Newf(fault.CodeBatchInvalid, "%d of %d documents are invalid; nothing was registered", len(bad), n)
		p.Errors = errs
		return nil, p
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
		return nil, fault.From(err)
	}
	b.Root = root
	// The manifest is written before any ledger write, so GET /v1/batches/{id}
	// can always say which of the planned documents the ledger holds. A
	// request that loses the race to write it is judged against the
	// winner's, as if it had come second.
	old, err := s.readManifest(meta.ID)
	if err != nil {
		if err = s.writeManifest(b); errors.Is(err, os.ErrExist) {
			old, err = s.readManifest(meta.ID)
		}
		if err != nil {
			return nil, fault.From(err)
		}
	}
	if old != nil {
		if !sameBatch(old, b, meta.ExpiresAt != nil) {
			return nil, fault.Newf(model.CodeDocumentExists, "batch %s exists with other documents or metadata", meta.ID)
		}
		b.CreatedAt = old.CreatedAt
	}
	permanent := s.registerAll(ctx, b, reqs)
	if b.Complete {
		return b, nil
	}
	if !permanent {
		p := fault.Newf(fault.CodeUnavailable, "%d of %d documents are registered; retry the same request to register the rest (registered ones are not registered twice)", b.Registered, b.Total)
		p.RetryAfter = 2
		p.Batch = b
		return b, p
	}
	// Every failure is a refusal that a retry meets again: answer the first
	// one's code (its status), not "retry". With nothing registered the
	// batch is no batch: its manifest goes, so a request with corrected
	// input may take its id.
	var first *api.DocError
	for _, d := range b.Documents {
		if d.Error != nil {
			first = d.Error
			break
		}
	}
	p := fault.Newf(first.Code, "%d of %d documents are registered; the ledger refused the others for good (documents[%d] %s: %s), so retrying the same request will not help",
		b.Registered, b.Total, first.Index, clip(first.File), first.Detail)
	p.Batch = b
	if b.Registered == 0 {
		if err := os.Remove(s.manifestPath(b.ID)); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.Log.Warn("the manifest of a refused batch stays", "batch", b.ID, "err", err)
		}
	}
	return b, p
}

// blobHead reads the first PDFHeaderWindow bytes of a stored blob.
func (s *Service) blobHead(ctx context.Context, sha string) ([]byte, error) {
	r, _, err := s.Blobs.Open(ctx, sha)
	if err != nil {
		return nil, fault.From(err)
	}
	defer r.Close()
	head, err := io.ReadAll(io.LimitReader(r, PDFHeaderWindow))
	if err != nil {
		return nil, fault.From(err)
	}
	return head, nil
}

// registerAll registers the documents of b the ledger does not hold yet,
// setting each one's state or error. It says whether every failure (if
// any) is permanent: a refusal that certainly wrote nothing and that a
// retry of the same request would meet again.
func (s *Service) registerAll(ctx context.Context, b *api.Batch, reqs []model.RegisterDocumentRequest) (permanent bool) {
	conc := s.BatchConcurrency
	if conc < 1 {
		conc = 16
	}
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	transient := make([]bool, len(reqs))
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
					setLedger(d, v)
					d.BlockNumber, _ = s.Ledger.BlockOfTx(ctx, v.CreatedTxID)
					return
				}
				if gerr != nil { // it exists, maybe by an earlier attempt of this batch: unknown until read
					p := fault.From(fromLedger(gerr))
					d.Error = &api.DocError{Index: i, File: d.File, Code: p.Code, Detail: p.Detail}
					transient[i] = true
					return
				}
			}
			if err != nil {
				p := fault.From(fromLedger(err))
				d.Error = &api.DocError{Index: i, File: d.File, Code: p.Code, Detail: p.Detail}
				transient[i] = p.Code == fault.CodeUnavailable || !certainlyRefused(err)
				return
			}
			d.Registered, d.Status, d.TxID, d.BlockNumber = true, model.StatusPending, w.TxID, w.BlockNumber
		}(i)
	}
	wg.Wait()
	b.Registered = 0
	permanent = true
	for i, d := range b.Documents {
		if d.Registered {
			b.Registered++
		}
		if transient[i] {
			permanent = false
		}
	}
	b.Complete = b.Registered == b.Total
	return permanent
}

// GetBatch reads a batch's manifest and asks the ledger for each document:
// registered or not, and its effective status.
func (s *Service) GetBatch(ctx context.Context, id string) (*api.Batch, error) {
	if !model.ValidID(id) {
		return nil, fault.Newf(fault.CodeNotFound, "no batch %q", clip(id))
	}
	b, err := s.readManifest(id)
	if err != nil {
		return nil, fault.Newf(fault.CodeNotFound, "no batch %q at this relay", clip(id))
	}
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var netErr error
	for i := range b.Documents {
		wg.Add(1)
		sem <- struct{}{}
		go func(d *api.BatchDoc) {
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
			setLedger(d, v)
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
func batchRoot(docs []api.BatchDoc) (string, error) {
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

func batchLeaves(docs []api.BatchDoc) ([][32]byte, error) {
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
func batchID(who, key string, m api.BatchMeta, files map[string]BatchFile) string {
	h := sha256.New()
	if key != "" {
		fmt.Fprintf(h, "qrsign-batch-key/1\n%s\n%s", who, key)
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

// sameBatch says whether b asks for what the manifest a planned: the same
// documents (bytes and metadata) under the same owner, title, priority and
// signers, and the same expiry when b's was named (namedExpiry; else it is
// the default from the time of the request).
func sameBatch(a, b *api.Batch, namedExpiry bool) bool {
	if len(a.Documents) != len(b.Documents) || a.Owner != b.Owner || a.Title != b.Title || a.Priority != b.Priority ||
		(namedExpiry && !a.ExpiresAt.Equal(b.ExpiresAt)) || !slices.Equal(a.Signers, b.Signers) {
		return false
	}
	for i := range a.Documents {
		x, y := a.Documents[i], b.Documents[i]
		if x.ID != y.ID || x.SHA256 != y.SHA256 || x.Size != y.Size || x.Title != y.Title || x.DocType != y.DocType ||
			x.MediaType != y.MediaType || x.Order != y.Order {
			return false
		}
	}
	return true
}

// BatchDocumentIDs lists a batch's document ids from this relay's manifest
// alone (no ledger read): what a live view of the batch watches.
func (s *Service) BatchDocumentIDs(id string) ([]string, error) {
	if !model.ValidID(id) {
		return nil, fault.Newf(fault.CodeNotFound, "no batch %q", clip(id))
	}
	b, err := s.readManifest(id)
	if err != nil {
		return nil, fault.Newf(fault.CodeNotFound, "no batch %q at this relay", clip(id))
	}
	ids := make([]string, len(b.Documents))
	for i, d := range b.Documents {
		ids[i] = d.ID
	}
	return ids, nil
}

func (s *Service) readManifest(id string) (*api.Batch, error) {
	raw, err := os.ReadFile(s.manifestPath(id))
	if err != nil {
		return nil, err
	}
	var b api.Batch
	if err := json.Unmarshal(raw, &b); err != nil {
		return nil, err
	}
	for i := range b.Documents {
		b.Documents[i].Registered, b.Documents[i].Status, b.Documents[i].TxID, b.Documents[i].BlockNumber, b.Documents[i].Error, b.Documents[i].Signers = false, "", "", 0, nil, nil
	}
	return &b, nil
}

// writeManifest stores the plan (no ledger state) atomically: temp, fsync,
// link. It fails with os.ErrExist when b.ID has a manifest.
func (s *Service) writeManifest(b *api.Batch) error {
	if s.BatchDir == "" {
		return errors.New("service: BatchDir is not set")
	}
	if err := os.MkdirAll(s.BatchDir, 0o700); err != nil {
		return err
	}
	plan := *b
	plan.Documents = append([]api.BatchDoc(nil), b.Documents...)
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
	return os.Link(f.Name(), s.manifestPath(b.ID))
}

package flow

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/qrsign/qrsign/chaincode/merkle"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/relay/api"
	"github.com/qrsign/qrsign/relay/signer/clearsign"
)

// ErrBatchMismatch: a batch session's documents do not make the root the QR
// code names (or the session contradicts itself). Nothing was signed.
var ErrBatchMismatch = clearsign.ErrBatchMismatch

// checkBatch checks a batch session, whose one signature over (batch id,
// Merkle root, size) signs every document, or with the reason declines every
// one. Before anything is asked or signed, every document is downloaded and
// hashed, and the root recomputed from those hashes in order must equal the
// QR's (the relay signed it in the token) and the session's; the size signed
// is the number of documents.
func (s *Scanner) checkBatch(ctx context.Context, sc *scan, decline bool) (*subject, error) {
	sess, b := sc.sess, sc.sess.Batch
	n := len(b.Documents)
	switch {
	case b.ID != sc.claims.DocID:
		return nil, fmt.Errorf("%w: the session's batch is %q, the QR code's %q", ErrBatchMismatch, b.ID, sc.claims.DocID)
	case n == 0 || n > payload.MaxBatchSize:
		return nil, fmt.Errorf("%w: the session lists %d documents (1..%d)", ErrBatchMismatch, n, payload.MaxBatchSize)
	case b.Size != n:
		return nil, fmt.Errorf("%w: the session says %d documents and lists %d", ErrBatchMismatch, b.Size, n)
	}
	w := s.out()
	fmt.Fprint(w, s.tr("batch", printable(sess.Title, maxShown), printable(b.ID, maxShown), n))
	for i, d := range b.Documents {
		fmt.Fprint(w, s.tr("batchDoc", i+1, printable(d.Title, maxShown), printable(d.ID, maxShown)))
	}
	root, docs, err := s.batchRoot(ctx, sc, !decline)
	if err != nil {
		return nil, err
	}
	switch {
	case root != sc.claims.SHA256:
		return nil, &HashMismatchError{Source: "batch's Merkle root (recomputed from the documents)", Want: sc.claims.SHA256, Got: root}
	case b.Root != root:
		return nil, &HashMismatchError{Source: "session's batch root", Want: root, Got: b.Root}
	}
	fmt.Fprint(w, s.tr("root", root, n))
	sub := &subject{purpose: payload.PurposeBatchSign, action: api.ActionBatchSign, id: b.ID, sha256: root, size: n}
	verb := s.tr("sign")
	if decline {
		// A decline signs only the decline payload (as a single document's
		// does): no PDF revisions or .p7s files over contents not kept.
		sub.purpose, sub.action, verb = payload.PurposeBatchDecline, api.ActionBatchDecline, s.tr("decline")
	} else {
		sub.batch = docs
	}
	sub.question = s.tr("batchQ", verb, n, sess.Title, printable(sess.Signer.ID, maxShown))
	return sub, nil
}

// batchDocs are a batch's documents as downloaded and checked: ids in
// batch order, bytes (kept when signing: PDF revisions and .p7s files are
// made over them) and SHA-256 by id.
type batchDocs struct {
	order    []string
	contents map[string][]byte
	sha      map[string]string
}

// batchRoot downloads the batch's documents in order, checks each one's
// bytes against its listed SHA-256, and returns the Merkle root of them.
func (s *Scanner) batchRoot(ctx context.Context, sc *scan, keep bool) (string, *batchDocs, error) {
	docs := sc.sess.Batch.Documents
	leaves := make([][32]byte, len(docs))
	bd := &batchDocs{order: make([]string, len(docs)), contents: map[string][]byte{}, sha: make(map[string]string, len(docs))}
	for i, d := range docs {
		if _, seen := bd.sha[d.ID]; seen {
			return "", nil, fmt.Errorf("%w: document %s is listed twice", ErrBatchMismatch, d.ID)
		}
		content, err := sc.rc.Content(ctx, contentRef(sc.rc, d.ContentURL, d.ID, sc.tok), s.maxBytes())
		if err != nil {
			return "", nil, fmt.Errorf("downloading document %d (%s): %w", i+1, d.ID, err)
		}
		leaves[i] = sha256.Sum256(content)
		got := hex.EncodeToString(leaves[i][:])
		if got != d.SHA256 {
			return "", nil, &HashMismatchError{Source: fmt.Sprintf("batch document %d %q (%s)", i+1, d.Title, d.ID), Want: d.SHA256, Got: got}
		}
		bd.order[i], bd.sha[d.ID] = d.ID, got
		if keep {
			bd.contents[d.ID] = content
		}
	}
	r, err := merkle.Root(leaves)
	if err != nil {
		return "", nil, fmt.Errorf("%w: %v", ErrBatchMismatch, err)
	}
	return merkle.Hex(r), bd, nil
}

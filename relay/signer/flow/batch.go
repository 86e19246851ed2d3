package flow

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/qrsign/qrsign/chaincode/merkle"
	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/relay/signer/relayapi"
	"github.com/qrsign/qrsign/relay/token"

	"github.com/qrsign/qrsign/relay/api"
)

// ErrBatchMismatch: a batch session's documents do not make the root the QR
// code names (or the session contradicts itself). Nothing was signed.
var ErrBatchMismatch = errors.New("REFUSED: the batch does not match the QR code; nothing was signed")

// runBatch is a scan of a batch session: one signature over (batch id,
// Merkle root, size) signs every document, or with the reason declines every
// one. Before anything is asked or signed, every document is downloaded and
// hashed, and the root recomputed from those hashes in order must equal the
// QR's (the relay signed it in the token) and the session's; the size signed
// is the number of documents.
func (s *Scanner) runBatch(ctx context.Context, rc *relayapi.Client, tok string, claims token.Claims, sess *api.Session, req Request) (*Outcome, error) {
	b := sess.Batch
	purpose, action, verb := payload.PurposeBatchSign, api.ActionBatchSign, "Sign"
	switch req.Action {
	case api.ActionSign:
	case api.ActionDecline:
		purpose, action, verb = payload.PurposeBatchDecline, api.ActionBatchDecline, "Decline"
	default:
		return nil, fmt.Errorf("a batch session is signed or declined as a whole, not %q", req.Action)
	}
	n := len(b.Documents)
	switch {
	case b.ID != claims.DocID:
		return nil, fmt.Errorf("%w: the session's batch is %q, the QR code's %q", ErrBatchMismatch, b.ID, claims.DocID)
	case n == 0 || n > payload.MaxBatchSize:
		return nil, fmt.Errorf("%w: the session lists %d documents (1..%d)", ErrBatchMismatch, n, payload.MaxBatchSize)
	case b.Size != n:
		return nil, fmt.Errorf("%w: the session says %d documents and lists %d", ErrBatchMismatch, b.Size, n)
	}
	w := s.out()
	fmt.Fprintf(w, "Batch:      %s (%s), %d documents\n", sess.Title, b.ID, n)
	for i, d := range b.Documents {
		fmt.Fprintf(w, "  %3d. %s (%s)\n", i+1, d.Title, d.ID)
	}

	// Each document's bytes must hash to its listed sha256; the listed
	// hashes, in order, must make the QR's root. Both before anything is signed.
	leaves := make([][32]byte, n)
	seen := make(map[string]bool, n)
	for i, d := range b.Documents {
		if seen[d.ID] {
			return nil, fmt.Errorf("%w: document %s is listed twice", ErrBatchMismatch, d.ID)
		}
		seen[d.ID] = true
		content, err := rc.Content(ctx, contentRef(rc, d.ContentURL, d.ID, tok), s.maxBytes())
		if err != nil {
			return nil, fmt.Errorf("downloading document %d (%s): %w", i+1, d.ID, err)
		}
		leaves[i] = sha256.Sum256(content)
		if got := hex.EncodeToString(leaves[i][:]); got != d.SHA256 {
			return nil, &HashMismatchError{Source: fmt.Sprintf("batch document %d %q (%s)", i+1, d.Title, d.ID), Want: d.SHA256, Got: got}
		}
	}
	r, err := merkle.Root(leaves)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBatchMismatch, err)
	}
	root := merkle.Hex(r)
	switch {
	case root != claims.SHA256:
		return nil, &HashMismatchError{Source: "batch's Merkle root (recomputed from the documents)", Want: claims.SHA256, Got: root}
	case b.Root != root:
		return nil, &HashMismatchError{Source: "session's batch root", Want: root, Got: b.Root}
	}
	fmt.Fprintf(w, "Root:       %s  (recomputed from the %d documents; matches the QR code)\n", root, n)
	fmt.Fprintf(w, "Signer:     %s (%s), routing order %d\n", sess.Signer.ID, sess.Signer.MSPID, sess.Signer.RoutingOrder)
	fmt.Fprintf(w, "Match code: %s  (must equal the code shown next to the QR)\n", sess.MatchCode)
	fmt.Fprintf(w, "Expires:    %s\n", sess.ExpiresAt.UTC().Format("2006-01-02 15:04:05Z"))
	if purpose == payload.PurposeBatchDecline {
		fmt.Fprintf(w, "Reason:     %s\n", req.Reason)
	}
	if err := s.confirm(fmt.Sprintf("%s all %d documents of %q as %s?", verb, n, sess.Title, sess.Signer.ID)); err != nil {
		return nil, err
	}

	cert, err := s.Keystore.Cert()
	if err != nil {
		return nil, err
	}
	if cert.Subject.CommonName != claims.SignerID {
		return nil, fmt.Errorf("%w: it names %s/%s, this client holds %q", ErrWrongSigner, claims.MSPID, claims.SignerID, cert.Subject.CommonName)
	}
	key, chain, err := s.unlock(cert.Subject.CommonName)
	if err != nil {
		return nil, err
	}
	msg, err := payload.Build(payload.Fields{Purpose: purpose, Channel: sess.Channel, DocumentID: b.ID,
		DocumentSHA256: root, Nonce: claims.Nonce, SignerFingerprint: payload.Fingerprint(cert.Raw), Size: n, Reason: req.Reason})
	if err != nil {
		return nil, err
	}
	sig, err := sigalg.Sign(model.AlgECDSAP256DER, key, msg)
	if err != nil {
		return nil, err
	}
	res, err := rc.Callback(ctx, "/v1/callbacks/scan", api.CallbackRequest{Token: tok, Action: action,
		CertChainPEM: chain, Signature: base64.StdEncoding.EncodeToString(sig), Algorithm: model.AlgECDSAP256DER,
		Reason: req.Reason})
	if err != nil {
		return nil, err
	}
	return &Outcome{Session: sess, ContentSHA256: root, Result: res}, nil
}

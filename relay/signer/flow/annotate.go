package flow

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/chaincode/payload"
	"github.com/qrsign/qrsign/chaincode/sigalg"
	"github.com/qrsign/qrsign/relay/signer/relayapi"

	"github.com/qrsign/qrsign/relay/api"
)

// Annotation is one annotate command: tags and/or a note a signer of the
// document attaches to it, signed (no session token: the signature over a
// fresh nonce is the proof).
type Annotation struct {
	Relay      string // the relay's origin
	DocumentID string
	Tags       []string
	Note       string
	MSPID      string // the signer's org, needed only when the CN signs the document in two orgs
	// Read access to the document (its channel and hash): an API key with
	// documents:read, or a session token of the document.
	APIKey, Token string
	Channel       string // used when the relay does not state the channel
}

// Annotate signs the annotate payload for a and posts it.
func (s *Scanner) Annotate(ctx context.Context, a Annotation) (*api.Annotated, error) {
	if len(a.Tags) == 0 && a.Note == "" {
		return nil, errors.New("an annotation needs --tag or --note")
	}
	if len(a.Tags) > model.MaxTags {
		return nil, fmt.Errorf("at most %d tags", model.MaxTags)
	}
	for _, t := range a.Tags {
		if !model.ValidTag(t) {
			return nil, fmt.Errorf("tag %q: lowercase letters, digits and '-', 1..32 characters, starting with a letter or digit", t)
		}
	}
	if len(a.Note) > model.MaxTextLen {
		return nil, fmt.Errorf("the note is %d bytes, at most %d", len(a.Note), model.MaxTextLen)
	}
	rc, err := relayapi.New(a.Relay)
	if err != nil {
		return nil, err
	}
	rc.HTTP, rc.Retry, rc.APIKey, rc.Token = s.HTTP, s.Retry, a.APIKey, a.Token
	if s.Configure != nil {
		s.Configure(rc)
	}
	prov, err := rc.Provenance(ctx, a.DocumentID)
	if err != nil {
		return nil, fmt.Errorf("reading the document: %w", err)
	}
	doc := prov.Document
	if doc.ID != a.DocumentID || prov.DocumentID != a.DocumentID {
		return nil, fmt.Errorf("%w: asked for document %q, got %q", ErrSessionMismatch, a.DocumentID, doc.ID)
	}
	channel := prov.Channel
	switch {
	case channel == "" && a.Channel == "":
		return nil, errors.New("the relay does not state the document's channel; give --channel")
	case channel == "":
		channel = a.Channel
	case a.Channel != "" && a.Channel != channel:
		return nil, fmt.Errorf("%w: the relay says channel %q, --channel says %q", ErrSessionMismatch, channel, a.Channel)
	}

	cert, err := s.Keystore.Cert()
	if err != nil {
		return nil, err
	}
	cn := cert.Subject.CommonName
	var msps []string
	for _, sg := range doc.Signers {
		if sg.ID == cn && (a.MSPID == "" || sg.MSPID == a.MSPID) {
			msps = append(msps, sg.MSPID)
		}
	}
	switch len(msps) {
	case 0:
		return nil, fmt.Errorf("%w: %q is not a signer of document %s", ErrWrongSigner, cn, doc.ID)
	case 1:
	default:
		return nil, fmt.Errorf("%q signs document %s in %s; say which with --msp", cn, doc.ID, strings.Join(msps, " and "))
	}

	w := s.out()
	fmt.Fprintf(w, "Document:   %s (%s), %s\n", doc.Title, doc.ID, doc.Status)
	fmt.Fprintf(w, "SHA-256:    %s\n", doc.SHA256)
	fmt.Fprintf(w, "Tags now:   %s\n", strings.Join(doc.Tags, ", "))
	if len(a.Tags) > 0 {
		fmt.Fprintf(w, "Adding:     %s\n", strings.Join(a.Tags, ", "))
	}
	if a.Note != "" {
		fmt.Fprintf(w, "Note:       %s\n", a.Note)
	}
	fmt.Fprintf(w, "Signer:     %s (%s)\n", cn, msps[0])
	if err := s.confirm(fmt.Sprintf("Annotate %q as %s?", doc.Title, cn)); err != nil {
		return nil, err
	}
	key, chain, err := s.unlock(cn)
	if err != nil {
		return nil, err
	}
	nonce, err := NewNonce()
	if err != nil {
		return nil, err
	}
	msg, err := payload.Build(payload.Fields{Purpose: payload.PurposeAnnotate, Channel: channel, DocumentID: doc.ID,
		DocumentSHA256: doc.SHA256, Nonce: nonce, SignerFingerprint: payload.Fingerprint(cert.Raw), Tags: a.Tags, Note: a.Note})
	if err != nil {
		return nil, err
	}
	sig, err := sigalg.Sign(model.AlgECDSAP256DER, key, msg)
	if err != nil {
		return nil, err
	}
	return rc.Annotate(ctx, doc.ID, api.AnnotationRequest{MSPID: msps[0], Nonce: nonce, CertChainPEM: chain,
		Signature: base64.StdEncoding.EncodeToString(sig), Algorithm: model.AlgECDSAP256DER,
		Tags: append([]string{}, a.Tags...), Note: a.Note})
}

// NewNonce is a fresh 128-bit nonce, 32 lowercase hex characters.
func NewNonce() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

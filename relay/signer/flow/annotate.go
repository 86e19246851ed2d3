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
	"github.com/qrsign/qrsign/chaincode/text"
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
	if err := a.check(); err != nil {
		return nil, err
	}
	rc, err := s.client(a.Relay)
	if err != nil {
		return nil, err
	}
	rc.APIKey, rc.Token = a.APIKey, a.Token
	doc, channel, err := a.read(ctx, rc)
	if err != nil {
		return nil, err
	}
	cert, err := s.Keystore.Cert()
	if err != nil {
		return nil, err
	}
	cn := cert.Subject.CommonName
	msp, err := signerOrg(doc, cn, a.MSPID)
	if err != nil {
		return nil, err
	}
	w := s.out()
	fmt.Fprint(w, s.tr("docStatus", printable(doc.Title, maxShown), printable(doc.ID, maxShown), printable(string(doc.Status), maxShown)))
	fmt.Fprint(w, s.tr("sha", text.Escape(doc.SHA256)))
	fmt.Fprint(w, s.tr("tagsNow", text.Escape(strings.Join(doc.Tags, ", "))))
	if len(a.Tags) > 0 {
		fmt.Fprint(w, s.tr("adding", text.Escape(strings.Join(a.Tags, ", "))))
	}
	if a.Note != "" {
		fmt.Fprint(w, s.tr("note", text.Escape(a.Note)))
	}
	fmt.Fprint(w, s.tr("signerOrg", text.Escape(cn), text.Escape(msp)))
	if err := s.confirm(s.tr("annotateQ", doc.Title, cn)); err != nil {
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
	return rc.Annotate(ctx, doc.ID, api.AnnotationRequest{MSPID: msp, Nonce: nonce, CertChainPEM: chain,
		Signature: base64.StdEncoding.EncodeToString(sig), Algorithm: model.AlgECDSAP256DER,
		Tags: append([]string{}, a.Tags...), Note: a.Note})
}

// check refuses an annotation the chaincode would refuse, before asking anything.
func (a *Annotation) check() error {
	if len(a.Tags) == 0 && a.Note == "" {
		return errors.New("an annotation needs --tag or --note")
	}
	if len(a.Tags) > model.MaxTags {
		return fmt.Errorf("at most %d tags", model.MaxTags)
	}
	for _, t := range a.Tags {
		if !model.ValidTag(t) {
			return fmt.Errorf("tag %q: lowercase letters, digits and '-', 1..32 characters, starting with a letter or digit", t)
		}
	}
	if len(a.Note) > model.MaxTextLen {
		return fmt.Errorf("the note is %d bytes, at most %d", len(a.Note), model.MaxTextLen)
	}
	return nil
}

// read fetches the document to annotate and the channel its payload binds.
func (a *Annotation) read(ctx context.Context, rc *relayapi.Client) (model.DocumentView, string, error) {
	prov, err := rc.Provenance(ctx, a.DocumentID)
	if err != nil {
		return model.DocumentView{}, "", fmt.Errorf("reading the document: %w", err)
	}
	if prov.Document == nil {
		return model.DocumentView{}, "", fmt.Errorf("%w: the relay's answer holds no document", ErrSessionMismatch)
	}
	doc := *prov.Document
	if doc.ID != a.DocumentID || prov.DocumentID != a.DocumentID {
		return doc, "", fmt.Errorf("%w: asked for document %q, got %q", ErrSessionMismatch, a.DocumentID, doc.ID)
	}
	switch channel := prov.Channel; {
	case channel == "" && a.Channel == "":
		return doc, "", errors.New("the relay does not state the document's channel; give --channel")
	case channel == "":
		return doc, a.Channel, nil
	case a.Channel != "" && a.Channel != channel:
		return doc, "", fmt.Errorf("%w: the relay says channel %q, --channel says %q", ErrSessionMismatch, channel, a.Channel)
	default:
		return doc, channel, nil
	}
}

// signerOrg is the org in which cn signs doc (msp, if given, narrows it).
func signerOrg(doc model.DocumentView, cn, msp string) (string, error) {
	var msps []string
	for _, sg := range doc.Signers {
		if sg.ID == cn && (msp == "" || sg.MSPID == msp) {
			msps = append(msps, sg.MSPID)
		}
	}
	switch len(msps) {
	case 0:
		return "", fmt.Errorf("%w: %q is not a signer of document %s", ErrWrongSigner, cn, doc.ID)
	case 1:
		return msps[0], nil
	}
	return "", fmt.Errorf("%q signs document %s in %s; say which with --msp", cn, doc.ID, strings.Join(msps, " and "))
}

// NewNonce is a fresh 128-bit nonce, 32 lowercase hex characters.
func NewNonce() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

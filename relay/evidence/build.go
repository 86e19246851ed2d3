package evidence

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/qrsign/qrsign/chaincode/model"
)

// Source is what Build reads from the ledger: a document's events, the block
// of a transaction (qscc GetBlockByTxID, raw protobuf) and an org's CA and
// CRL events. ledger.Gateway implements it.
type Source interface {
	GetHistory(ctx context.Context, id string) (*model.History, error)
	BlockByTxID(ctx context.Context, txID string) ([]byte, error)
	GetOrgHistory(ctx context.Context, mspID string) (*model.OrgHistory, error)
}

// ErrIncomplete wraps every error of Assemble: the inputs do not make a
// bundle (a block missing, an event not written by its transaction, a CA or
// CRL the events name not published). It is the ledger's data that is
// inconsistent, or the wrong files were given.
var ErrIncomplete = errors.New("evidence incomplete")

func incomplete(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrIncomplete, fmt.Sprintf(format, args...))
}

// Witnesser endorses, without submitting, a read-only proposal that reads
// doc/<id> (the chaincode's GetDocument) and returns the endorsed envelope:
// the bundle's freshness witness. ledger.Gateway implements it.
type Witnesser interface {
	Witness(ctx context.Context, id string) ([]byte, error)
}

// ErrTooLarge: the bundle would exceed Options' caps (its events or its
// blocks' bytes); nothing more is fetched.
var ErrTooLarge = errors.New("evidence too large")

// Options bound and observe a build.
type Options struct {
	MaxEvents int // events of the document; 0: no cap
	MaxBytes  int // bytes of the blocks the bundle carries (each once per transaction); 0: no cap
	// OnBlock is called once per block fetched (the caller charges for it).
	OnBlock func()
}

// Stats say what a build read.
type Stats struct {
	Blocks      int           // blocks fetched (each at most once)
	Witness     time.Duration // endorsing the freshness witness
	WitnessRuns int           // witnesses endorsed (more than 1 when an event committed meanwhile)
}

// Build reads everything a bundle of document id needs from src. Ledger
// errors are returned as they are (so callers can map them); inconsistencies
// wrap ErrIncomplete.
func Build(ctx context.Context, src Source, id string) (*Bundle, error) {
	b, _, err := BuildWith(ctx, src, id, Options{})
	return b, err
}

// BuildWith is Build with caps, a per-block callback and statistics. When
// src is also a Witnesser the bundle gets a freshness witness, endorsed
// after the history was read; if an event committed in between (the witness
// reads a newer version than the last transaction wrote) the build starts
// over, at most 3 times.
func BuildWith(ctx context.Context, src Source, id string, opt Options) (*Bundle, *Stats, error) {
	st := &Stats{}
	for attempt := 0; ; attempt++ {
		b, err := build(ctx, src, id, opt, st)
		if err != nil {
			return nil, st, err
		}
		w, ok := src.(Witnesser)
		if !ok {
			return b, st, nil
		}
		t0 := time.Now()
		env, err := w.Witness(ctx, id)
		st.Witness += time.Since(t0)
		st.WitnessRuns++
		if err != nil {
			return nil, st, err
		}
		b.Witness = base64.StdEncoding.EncodeToString(env)
		if fresh, err := witnessPins(b, env); err != nil {
			return nil, st, err
		} else if fresh {
			return b, st, nil
		}
		if attempt == 2 {
			return nil, st, incomplete("document %s kept changing while its bundle was built", id)
		}
	}
}

// witnessPins tells whether the witness read doc/<id> where the bundle's
// last transaction wrote it (witnessRead, as Verify checks it).
func witnessPins(b *Bundle, env []byte) (bool, error) {
	w, err := parseTx(env)
	if err != nil {
		return false, incomplete("witness: %v", err)
	}
	var last model.Event
	if err := json.Unmarshal(b.Events[len(b.Events)-1], &last); err != nil {
		return false, incomplete("last event: %v", err)
	}
	t := b.lastTransaction([]model.Event{last})
	if t == nil {
		return false, incomplete("the last event's transaction is not in the bundle")
	}
	v, pinned, err := witnessRead(b, w, t)
	if err != nil || v == nil {
		return false, incomplete("witness did not read %s", docKey(b.DocumentID))
	}
	return pinned, nil
}

func build(ctx context.Context, src Source, id string, opt Options, st *Stats) (*Bundle, error) {
	h, err := src.GetHistory(ctx, id)
	if err != nil {
		return nil, err
	}
	if opt.MaxEvents > 0 && len(h.Events) > opt.MaxEvents {
		return nil, fmt.Errorf("%w: document %s has %d events, the cap is %d", ErrTooLarge, id, len(h.Events), opt.MaxEvents)
	}
	// Each block is fetched once: a block holding several of the document's
	// transactions serves them all.
	blocks := map[string][]byte{}
	size := 0
	for _, e := range h.Events {
		if _, ok := blocks[e.TxID]; ok {
			continue
		}
		raw, err := src.BlockByTxID(ctx, e.TxID)
		if err != nil {
			return nil, err
		}
		st.Blocks++
		if opt.OnBlock != nil {
			opt.OnBlock()
		}
		held := blockTxIDs(raw)
		for _, o := range h.Events {
			if _, done := blocks[o.TxID]; !done && (o.TxID == e.TxID || held[o.TxID]) {
				blocks[o.TxID] = raw
				size += len(raw)
			}
		}
		if opt.MaxBytes > 0 && size > opt.MaxBytes {
			return nil, fmt.Errorf("%w: document %s's blocks exceed %d bytes", ErrTooLarge, id, opt.MaxBytes)
		}
	}
	var orgEvents []model.Event
	seen := map[string]bool{}
	for _, e := range h.Events {
		ev := evidenceOf(e)
		if ev == nil || seen[ev.Signer.MSPID] {
			continue
		}
		seen[ev.Signer.MSPID] = true
		oh, err := src.GetOrgHistory(ctx, ev.Signer.MSPID)
		if err != nil {
			return nil, err
		}
		orgEvents = append(orgEvents, oh.Events...)
	}
	return Assemble(id, h.Events, blocks, orgEvents)
}

// blockTxIDs are the endorser transactions a raw block holds (none if it
// does not parse: Assemble reports that).
func blockTxIDs(raw []byte) map[string]bool {
	ids := map[string]bool{}
	blk, err := parseBlock(raw)
	if err != nil {
		return ids
	}
	for _, d := range blk.Data {
		if t, err := parseTx(d); err == nil {
			ids[t.TxID] = true
		}
	}
	return ids
}

// Assemble makes a bundle from a document's events (GetHistory), the raw
// block of each of their transactions (keyed by tx id) and the CA and CRL
// events (GetOrgHistory) of the signers' orgs. The events put in the bundle
// are the bytes each transaction wrote, not the history's re-encoding.
func Assemble(id string, events []model.Event, blocks map[string][]byte, orgEvents []model.Event) (*Bundle, error) {
	if len(events) == 0 {
		return nil, incomplete("document %s has no events", id)
	}
	b := &Bundle{Format: Format, DocumentID: id, Events: []json.RawMessage{}, Transactions: []Transaction{},
		Blocks: []Block{}, CAs: []CA{}, CRLs: []CRL{}, Witness: ""}
	if r := events[0].Registered; r != nil {
		b.DocumentSHA256 = r.SHA256
	}
	txs := map[string]*tx{}
	for i, e := range events {
		if e.Seq != i || e.DocumentID != id {
			return nil, incomplete("event %d is seq %d of document %q", i, e.Seq, e.DocumentID)
		}
		t, ok := txs[e.TxID]
		if !ok {
			raw, ok := blocks[e.TxID]
			if !ok {
				return nil, incomplete("no block for transaction %s (event %d)", e.TxID, i)
			}
			var err error
			if t, err = addTx(b, e.TxID, raw); err != nil {
				return nil, err
			}
			txs[e.TxID] = t
		}
		v, ok := t.write(eventKey(id, i))
		if !ok {
			return nil, incomplete("transaction %s did not write %s", e.TxID, eventKey(id, i))
		}
		var written model.Event
		if err := json.Unmarshal(v, &written); err != nil {
			return nil, incomplete("%s: %v", eventKey(id, i), err)
		}
		a, _ := json.Marshal(written)
		c, _ := json.Marshal(e)
		if !bytes.Equal(a, c) {
			return nil, incomplete("event %d differs from what transaction %s wrote at %s", i, e.TxID, eventKey(id, i))
		}
		b.Events = append(b.Events, json.RawMessage(v))
	}
	if err := addTrust(b, events, orgEvents); err != nil {
		return nil, err
	}
	return b, nil
}

func addTx(b *Bundle, txID string, raw []byte) (*tx, error) {
	blk, err := parseBlock(raw)
	if err != nil {
		return nil, incomplete("transaction %s: %v", txID, err)
	}
	i, t, err := blk.findTx(txID)
	if err != nil {
		return nil, incomplete("%v", err)
	}
	if b.Channel == "" {
		b.Channel, b.Chaincode = t.ChannelID, t.Chaincode
	}
	b.Transactions = append(b.Transactions, Transaction{TxID: txID, BlockNumber: blk.Number, TxIndex: i,
		ValidationCode: blk.validationCode(i)})
	at := sort.Search(len(b.Blocks), func(k int) bool { return b.Blocks[k].Number >= blk.Number })
	if at < len(b.Blocks) && b.Blocks[at].Number == blk.Number {
		return t, nil // listed once for all its transactions
	}
	data := make([]string, len(blk.Data))
	for j, d := range blk.Data {
		data[j] = base64.StdEncoding.EncodeToString(d)
	}
	b.Blocks = slices.Insert(b.Blocks, at, Block{Number: blk.Number, PreviousHash: hex.EncodeToString(blk.Prev),
		DataHash: hex.EncodeToString(blk.Hash), HeaderHash: hex.EncodeToString(headerHash(blk.Number, blk.Prev, blk.Hash)), Data: data,
		Signatures: base64.StdEncoding.EncodeToString(blk.Signatures)})
	return t, nil
}

// addTrust adds the CA certificates and CRLs the events' evidence names.
func addTrust(b *Bundle, events []model.Event, orgEvents []model.Event) error {
	haveCA, haveCRL := map[string]bool{}, map[string]bool{}
	for _, e := range events {
		ev := evidenceOf(e)
		if ev == nil {
			continue
		}
		msp := ev.Signer.MSPID
		if k := msp + "/" + ev.CAFingerprint; !haveCA[k] {
			ca := findCA(orgEvents, msp, ev.CAFingerprint)
			if ca == nil {
				return incomplete("event %d names CA %s of %s, which the org never registered", e.Seq, ev.CAFingerprint, msp)
			}
			b.CAs = append(b.CAs, CA{MSPID: msp, Fingerprint: ca.Fingerprint, CertPEM: ca.CertPEM})
			haveCA[k] = true
		}
		if ev.CRLThisUpdate == nil {
			continue
		}
		k := msp + "/" + ev.CAFingerprint + "/" + ev.CRLNumber + "/" + ev.CRLThisUpdate.UTC().Format(time.RFC3339Nano)
		if haveCRL[k] {
			continue
		}
		crl := findCRL(orgEvents, msp, ev)
		if crl == nil {
			return incomplete("event %d names CRL %q (thisUpdate %s) of CA %s of %s, which the org never published",
				e.Seq, ev.CRLNumber, ev.CRLThisUpdate.UTC().Format(time.RFC3339), ev.CAFingerprint, msp)
		}
		b.CRLs = append(b.CRLs, CRL{MSPID: msp, CAFingerprint: crl.CAFingerprint, CRLPEM: crl.CRLPEM})
		haveCRL[k] = true
	}
	return nil
}

func findCA(orgEvents []model.Event, msp, fp string) *model.SignerCA {
	for _, o := range orgEvents {
		if o.MSPID == msp && o.CA != nil && strings.EqualFold(o.CA.Fingerprint, fp) {
			return o.CA
		}
	}
	return nil
}

func findCRL(orgEvents []model.Event, msp string, ev *model.SignatureEvidence) *model.CRLInfo {
	for _, o := range orgEvents {
		if o.MSPID == msp && o.CRL != nil && o.CRL.CAFingerprint == ev.CAFingerprint && o.CRL.Number == ev.CRLNumber &&
			o.CRL.ThisUpdate.Equal(*ev.CRLThisUpdate) {
			return o.CRL
		}
	}
	return nil
}

// evidenceOf is the signature evidence an event carries, if any.
func evidenceOf(e model.Event) *model.SignatureEvidence {
	switch {
	case e.Signature != nil:
		return e.Signature
	case e.Annotation != nil:
		return &e.Annotation.Evidence
	}
	return nil
}

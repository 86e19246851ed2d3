package evidence

import (
	"bytes"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/ledger/rwset/kvrwset"
	"github.com/hyperledger/fabric-protos-go-apiv2/msp"
	"google.golang.org/protobuf/proto"
)

// tx is what a verifier reads out of one endorser transaction envelope.
type tx struct {
	ChannelID string
	TxID      string
	Timestamp time.Time
	Nonce     []byte
	Creator   []byte // serialized identity of the submitter
	Payload   []byte // signed by Creator
	Signature []byte

	Chaincode      string // ChaincodeId.Name of the proposal response
	ResponseStatus int32
	PRP            []byte // proposal response payload, signed by each endorser
	Endorsements   []endorsement
	Writes         []*kvrwset.KVWrite // of the chaincode's namespace
	Reads          []*kvrwset.KVRead  // of the chaincode's namespace, with the versions endorsed

	// What Fabric's validator recomputes the proposal hash from
	// (msgvalidation: channel header ‖ the action's signature header ‖
	// chaincode proposal payload), and what the endorsers signed.
	ChannelHeader, SignatureHeader, ActionHeader, ProposalPayload, ProposalHash []byte
	Transient                                                                   bool // the proposal payload carries a transient map
}

// parseTx decodes an endorser transaction envelope with one action.
func parseTx(env []byte) (*tx, error) {
	var e common.Envelope
	if err := proto.Unmarshal(env, &e); err != nil {
		return nil, fmt.Errorf("envelope: %w", err)
	}
	var p common.Payload
	if err := proto.Unmarshal(e.GetPayload(), &p); err != nil {
		return nil, fmt.Errorf("envelope payload: %w", err)
	}
	var ch common.ChannelHeader
	if err := proto.Unmarshal(p.GetHeader().GetChannelHeader(), &ch); err != nil {
		return nil, fmt.Errorf("channel header: %w", err)
	}
	if ch.GetType() != int32(common.HeaderType_ENDORSER_TRANSACTION) {
		return nil, fmt.Errorf("header type %d is not an endorser transaction", ch.GetType())
	}
	var sh common.SignatureHeader
	if err := proto.Unmarshal(p.GetHeader().GetSignatureHeader(), &sh); err != nil {
		return nil, fmt.Errorf("signature header: %w", err)
	}
	t := &tx{ChannelID: ch.GetChannelId(), TxID: ch.GetTxId(), Timestamp: ch.GetTimestamp().AsTime().UTC(),
		Nonce: sh.GetNonce(), Creator: sh.GetCreator(), Payload: e.GetPayload(), Signature: e.GetSignature(),
		ChannelHeader: p.GetHeader().GetChannelHeader(), SignatureHeader: p.GetHeader().GetSignatureHeader()}
	a, err := parseAction(p.GetData())
	if err != nil {
		return nil, err
	}
	t.ActionHeader, t.ProposalPayload, t.Transient = a.Header, a.ProposalPayload, a.Transient
	t.PRP, t.Endorsements, t.ProposalHash = a.PRP, a.Endorsements, a.ProposalHash
	t.Chaincode, t.ResponseStatus = a.Chaincode, a.ResponseStatus
	var rws rwset.TxReadWriteSet
	if err := proto.Unmarshal(a.Results, &rws); err != nil {
		return nil, fmt.Errorf("read-write set: %w", err)
	}
	for _, ns := range rws.GetNsRwset() {
		if ns.GetNamespace() != t.Chaincode {
			continue
		}
		var kv kvrwset.KVRWSet
		if err := proto.Unmarshal(ns.GetRwset(), &kv); err != nil {
			return nil, fmt.Errorf("read-write set of %s: %w", ns.GetNamespace(), err)
		}
		t.Writes = append(t.Writes, kv.GetWrites()...)
		t.Reads = append(t.Reads, kv.GetReads()...)
	}
	return t, nil
}

// proposalHash is what Fabric's validator (core/common/validation,
// validateEndorserTransaction) recomputes and compares with the hash the
// endorsers signed: SHA-256 over the channel header, the action's signature
// header and the chaincode proposal payload as carried (the client removed
// the transient map before building the transaction).
func (t *tx) proposalHash() []byte {
	h := sha256.New()
	h.Write(t.ChannelHeader)
	h.Write(t.ActionHeader)
	h.Write(t.ProposalPayload)
	return h.Sum(nil)
}

// read returns the version at which tx read key: found is false if it did
// not read it; v is nil if it read the key as absent.
func (t *tx) read(key string) (v *kvrwset.Version, found bool) {
	for _, r := range t.Reads {
		if r.GetKey() == key {
			return r.GetVersion(), true
		}
	}
	return nil, false
}

// write returns the value tx wrote at key (nil, false if it did not).
func (t *tx) write(key string) ([]byte, bool) {
	for _, w := range t.Writes {
		if w.GetKey() == key && !w.GetIsDelete() {
			return w.GetValue(), true
		}
	}
	return nil, false
}

// computedTxID is how Fabric derives a transaction id: hex SHA-256 of the
// signature header's nonce followed by the creator.
func computedTxID(nonce, creator []byte) string {
	sum := sha256.Sum256(append(append([]byte{}, nonce...), creator...))
	return hex.EncodeToString(sum[:])
}

// identity decodes a serialized identity (MSP id and PEM certificate).
func identity(b []byte) (*msp.SerializedIdentity, error) {
	var id msp.SerializedIdentity
	if err := proto.Unmarshal(b, &id); err != nil {
		return nil, fmt.Errorf("serialized identity: %w", err)
	}
	return &id, nil
}

// headerBytes is the ASN.1 DER encoding of a block header that Fabric hashes
// and the orderers sign: SEQUENCE { INTEGER number, OCTET STRING previousHash,
// OCTET STRING dataHash }.
func headerBytes(number uint64, prev, data []byte) []byte {
	b, err := asn1.Marshal(struct {
		Number       *big.Int
		PreviousHash []byte
		DataHash     []byte
	}{new(big.Int).SetUint64(number), prev, data})
	if err != nil { // only impossible types fail to marshal
		panic(err)
	}
	return b
}

func headerHash(number uint64, prev, data []byte) []byte {
	sum := sha256.Sum256(headerBytes(number, prev, data))
	return sum[:]
}

// dataHash is Fabric 2.5's block data hash: SHA-256 over the concatenation
// of the data entries.
func dataHash(entries [][]byte) []byte {
	sum := sha256.Sum256(bytes.Join(entries, nil))
	return sum[:]
}

// blockParts takes apart a raw block: header, data entries, SIGNATURES
// metadata and the validation code of entry i.
type blockParts struct {
	Number     uint64
	Prev, Hash []byte // previous hash, data hash
	Data       [][]byte
	Signatures []byte
	Filter     []byte
}

func parseBlock(raw []byte) (*blockParts, error) {
	var b common.Block
	if err := proto.Unmarshal(raw, &b); err != nil {
		return nil, fmt.Errorf("block: %w", err)
	}
	if b.GetHeader() == nil {
		return nil, errors.New("block: no header")
	}
	md := b.GetMetadata().GetMetadata()
	if len(md) <= int(common.BlockMetadataIndex_TRANSACTIONS_FILTER) {
		return nil, fmt.Errorf("block %d: %d metadata entries, no transactions filter", b.GetHeader().GetNumber(), len(md))
	}
	return &blockParts{Number: b.GetHeader().GetNumber(), Prev: b.GetHeader().GetPreviousHash(),
		Hash: b.GetHeader().GetDataHash(), Data: b.GetData().GetData(),
		Signatures: md[common.BlockMetadataIndex_SIGNATURES], Filter: md[common.BlockMetadataIndex_TRANSACTIONS_FILTER]}, nil
}

// validationCode names the peer's validation code of data entry i.
func (b *blockParts) validationCode(i int) string {
	if i < 0 || i >= len(b.Filter) {
		return "MISSING"
	}
	return txValidationName(b.Filter[i])
}

// findTx is the index of the envelope whose channel header names txID.
func (b *blockParts) findTx(txID string) (int, *tx, error) {
	for i, d := range b.Data {
		t, err := parseTx(d)
		if err != nil {
			continue // config or other transactions
		}
		if t.TxID == txID {
			return i, t, nil
		}
	}
	return -1, nil, fmt.Errorf("block %d holds no endorser transaction %s", b.Number, txID)
}

// eventKey is the chaincode's key of a document event (chaincode/contract/keys.go).
func eventKey(docID string, seq int) string { return fmt.Sprintf("ev/%s/%08d", docID, seq) }

// docKey is the chaincode's key of the document projection.
func docKey(docID string) string { return "doc/" + docID }

// eventPrefix selects every event key of a document.
func eventPrefix(docID string) string { return "ev/" + docID + "/" }

package evidence

import (
	"fmt"
	"strconv"

	"google.golang.org/protobuf/encoding/protowire"
)

// The peer messages of an endorser transaction (fabric-protos peer package:
// Transaction, ChaincodeActionPayload, ProposalResponsePayload, ...) are read
// here field by field: the generated package also holds the peer's gRPC
// services, and linking it would pull gRPC into the offline verifier. The
// field numbers are those of fabric-protos v0.3 (peer/transaction.proto,
// proposal.proto, proposal_response.proto, chaincode.proto);
// TestPeerWireAgreesWithTheGeneratedMessages decodes the golden bundles both
// ways.

// wireMsg is one decoded protobuf message: its length-delimited fields (in
// order, repeated ones all kept) and its varint fields (the last one wins).
type wireMsg struct {
	bytes   map[protowire.Number][][]byte
	varints map[protowire.Number]uint64
}

// decodeWire splits a message into fields; malformed wire data is an error,
// unknown fields and wire types are skipped as protobuf does.
func decodeWire(what string, b []byte) (*wireMsg, error) {
	m := &wireMsg{bytes: map[protowire.Number][][]byte{}, varints: map[protowire.Number]uint64{}}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, fmt.Errorf("%s: %w", what, protowire.ParseError(n))
		}
		b = b[n:]
		switch typ {
		case protowire.BytesType:
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return nil, fmt.Errorf("%s: field %d: %w", what, num, protowire.ParseError(n))
			}
			m.bytes[num] = append(m.bytes[num], v)
			b = b[n:]
		case protowire.VarintType:
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return nil, fmt.Errorf("%s: field %d: %w", what, num, protowire.ParseError(n))
			}
			m.varints[num] = v
			b = b[n:]
		default:
			n := protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return nil, fmt.Errorf("%s: field %d: %w", what, num, protowire.ParseError(n))
			}
			b = b[n:]
		}
	}
	return m, nil
}

// one is a singular length-delimited field (the last occurrence, as
// protobuf reads scalars); nil when absent.
func (m *wireMsg) one(n protowire.Number) []byte {
	vs := m.bytes[n]
	if len(vs) == 0 {
		return nil
	}
	return vs[len(vs)-1]
}

// endorsement is peer.Endorsement: a peer's signature over (proposal
// response payload ‖ endorser).
type endorsement struct {
	Endorser  []byte // serialized identity
	Signature []byte
}

// endorserAction is what parseTx needs of a peer.Transaction's one action.
type endorserAction struct {
	Header          []byte // TransactionAction.header: the signature header
	ProposalPayload []byte // ChaincodeActionPayload.chaincode_proposal_payload
	Transient       bool   // ChaincodeProposalPayload.TransientMap is not empty
	PRP             []byte // ChaincodeEndorsedAction.proposal_response_payload
	Endorsements    []endorsement
	ProposalHash    []byte // ProposalResponsePayload.proposal_hash
	Results         []byte // ChaincodeAction.results: the read-write set
	ResponseStatus  int32  // ChaincodeAction.response.status
	Chaincode       string // ChaincodeAction.chaincode_id.name
}

// parseAction reads a peer.Transaction holding exactly one action.
func parseAction(data []byte) (*endorserAction, error) {
	trx, err := decodeWire("transaction", data)
	if err != nil {
		return nil, err
	}
	actions := trx.bytes[1] // Transaction.actions
	if len(actions) != 1 {
		return nil, fmt.Errorf("transaction has %d actions, want 1", len(actions))
	}
	ta, err := decodeWire("transaction action", actions[0])
	if err != nil {
		return nil, err
	}
	a := &endorserAction{Header: ta.one(1)}
	cap, err := decodeWire("chaincode action payload", ta.one(2))
	if err != nil {
		return nil, err
	}
	a.ProposalPayload = cap.one(1)
	cea, err := decodeWire("chaincode endorsed action", cap.one(2))
	if err != nil {
		return nil, err
	}
	a.PRP = cea.one(1)
	for i, raw := range cea.bytes[2] {
		e, err := decodeWire("endorsement "+strconv.Itoa(i), raw)
		if err != nil {
			return nil, err
		}
		a.Endorsements = append(a.Endorsements, endorsement{Endorser: e.one(1), Signature: e.one(2)})
	}
	cpp, err := decodeWire("chaincode proposal payload", a.ProposalPayload)
	if err != nil {
		return nil, err
	}
	a.Transient = len(cpp.bytes[2]) > 0 // TransientMap entries
	prp, err := decodeWire("proposal response payload", a.PRP)
	if err != nil {
		return nil, err
	}
	a.ProposalHash = prp.one(1)
	act, err := decodeWire("chaincode action", prp.one(2)) // the extension
	if err != nil {
		return nil, err
	}
	a.Results = act.one(1)
	resp, err := decodeWire("chaincode response", act.one(3))
	if err != nil {
		return nil, err
	}
	a.ResponseStatus = int32(resp.varints[1])
	id, err := decodeWire("chaincode id", act.one(4))
	if err != nil {
		return nil, err
	}
	a.Chaincode = string(id.one(2))
	return a, nil
}

// txValidationCodes names peer.TxValidationCode values, as the committing
// peer writes them into a block's TRANSACTIONS_FILTER.
var txValidationCodes = map[byte]string{
	0: "VALID", 1: "NIL_ENVELOPE", 2: "BAD_PAYLOAD", 3: "BAD_COMMON_HEADER", 4: "BAD_CREATOR_SIGNATURE",
	5: "INVALID_ENDORSER_TRANSACTION", 6: "INVALID_CONFIG_TRANSACTION", 7: "UNSUPPORTED_TX_PAYLOAD",
	8: "BAD_PROPOSAL_TXID", 9: "DUPLICATE_TXID", 10: "ENDORSEMENT_POLICY_FAILURE", 11: "MVCC_READ_CONFLICT",
	12: "PHANTOM_READ_CONFLICT", 13: "UNKNOWN_TX_TYPE", 14: "TARGET_CHAIN_NOT_FOUND", 15: "MARSHAL_TX_ERROR",
	16: "NIL_TXACTION", 17: "EXPIRED_CHAINCODE", 18: "CHAINCODE_VERSION_CONFLICT", 19: "BAD_HEADER_EXTENSION",
	20: "BAD_CHANNEL_HEADER", 21: "BAD_RESPONSE_PAYLOAD", 22: "BAD_RWSET", 23: "ILLEGAL_WRITESET",
	24: "INVALID_WRITESET", 25: "INVALID_CHAINCODE", 254: "NOT_VALIDATED", 255: "INVALID_OTHER_REASON",
}

// txValidationName names a validation code as protobuf's enum String does.
func txValidationName(c byte) string {
	if s, ok := txValidationCodes[c]; ok {
		return s
	}
	return strconv.Itoa(int(c))
}

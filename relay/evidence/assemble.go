package evidence

import (
	"bytes"
	"encoding/hex"
	"encoding/json"

	"github.com/qrsign/qrsign/chaincode/model"
)

// FromPeerOutputs assembles a bundle from what an auditor fetched with the
// peer CLI alone (README.md lists the commands): the output of GetHistory,
// the blocks of its transactions (qscc GetBlockByTxID printed with --hex, or
// raw protobuf as `peer channel fetch` writes them) and the output of
// GetOrgHistory for each signer org. No relay is involved.
func FromPeerOutputs(history []byte, blocks [][]byte, orgHistories [][]byte) (*Bundle, error) {
	var h model.History
	if err := json.Unmarshal(bytes.TrimSpace(history), &h); err != nil {
		return nil, incomplete("history: %v", err)
	}
	byTx := map[string][]byte{}
	for i, raw := range blocks {
		raw = blockBytes(raw)
		blk, err := parseBlock(raw)
		if err != nil {
			return nil, incomplete("block file %d: %v", i+1, err)
		}
		for _, e := range h.Events {
			if _, ok := byTx[e.TxID]; ok {
				continue
			}
			if _, _, err := blk.findTx(e.TxID); err == nil {
				byTx[e.TxID] = raw
			}
		}
	}
	var orgEvents []model.Event
	for i, raw := range orgHistories {
		var oh model.OrgHistory
		if err := json.Unmarshal(bytes.TrimSpace(raw), &oh); err != nil {
			return nil, incomplete("org history %d: %v", i+1, err)
		}
		orgEvents = append(orgEvents, oh.Events...)
	}
	return Assemble(h.DocumentID, h.Events, byTx, orgEvents)
}

// blockBytes accepts a block as hex text (peer chaincode query --hex), as
// raw protobuf (peer channel fetch), or as raw protobuf followed by the
// newline plain `peer chaincode query` prints after it.
func blockBytes(raw []byte) []byte {
	if t := bytes.TrimSpace(raw); len(t) > 0 && len(t)%2 == 0 {
		if b, err := hex.DecodeString(string(t)); err == nil {
			return b
		}
	}
	if _, err := parseBlock(raw); err != nil && bytes.HasSuffix(raw, []byte("\n")) {
		if _, err := parseBlock(raw[:len(raw)-1]); err == nil {
			return raw[:len(raw)-1]
		}
	}
	return raw
}

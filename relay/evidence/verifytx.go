package evidence

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"google.golang.org/protobuf/proto"
)

// checkEnvelope parses the envelope and checks it names this transaction,
// channel and chaincode.
func checkEnvelope(b *Bundle, bt *Transaction) (*tx, error) {
	enc, _, err := b.envelope(bt)
	if err != nil {
		return nil, err
	}
	env, err := b64(enc, "envelope")
	if err != nil {
		return nil, err
	}
	t, err := parseTx(env)
	if err != nil {
		return nil, err
	}
	switch {
	case t.TxID != bt.TxID:
		return nil, fmt.Errorf("envelope is of transaction %s", t.TxID)
	case computedTxID(t.Nonce, t.Creator) != t.TxID:
		return nil, fmt.Errorf("transaction id %s is not SHA-256(nonce ‖ creator)", t.TxID)
	case t.ChannelID != b.Channel:
		return nil, fmt.Errorf("envelope is of channel %q, the bundle's is %q", t.ChannelID, b.Channel)
	case t.Chaincode != b.Chaincode:
		return nil, fmt.Errorf("envelope invokes chaincode %q, the bundle's is %q", t.Chaincode, b.Chaincode)
	case t.ResponseStatus != 200:
		return nil, fmt.Errorf("chaincode response status %d", t.ResponseStatus)
	}
	return t, checkProposal(t)
}

// checkProposal ties the endorsed proposal response to this envelope as
// Fabric's validator does: the action's signature header is the
// transaction's, and the proposal hash the endorsers signed is recomputed
// from the channel header, that header and the proposal payload. Without it
// an endorsement made for another proposal (another channel, another
// creator) could be re-wrapped.
func checkProposal(t *tx) error {
	switch {
	case !bytes.Equal(t.ActionHeader, t.SignatureHeader):
		return errors.New("the action's signature header is not the transaction's")
	case t.Transient:
		return errors.New("the chaincode proposal payload carries a transient map")
	case !bytes.Equal(t.proposalHash(), t.ProposalHash):
		return fmt.Errorf("the endorsed proposal hash %x is not the hash of this transaction's headers and proposal payload", t.ProposalHash)
	}
	return nil
}

func checkCreator(t *tx, trust Trust) (finding, error) {
	msp, cert, err := fabricIdentity(t.Creator, trust.Orgs, t.Timestamp)
	if err != nil {
		return finding{}, err
	}
	if err := fabricVerify(cert, t.Payload, t.Signature); err != nil {
		return finding{}, err
	}
	return finding{fmt.Sprintf("signed by %s %q", msp, cert.Subject.CommonName),
		map[string]string{"msp": msp, "cn": cert.Subject.CommonName}}, nil
}

// endorsed is what checkEndorsements found: n endorsements by orgs, need
// of the given orgs required.
type endorsed struct {
	n, need, given int
	orgs           []string
}

func (e endorsed) finding() finding {
	orgs := strings.Join(e.orgs, ", ")
	return finding{fmt.Sprintf("%d endorsement(s) verify, by %s: %d org(s), %d needed of the %d given", e.n, orgs, len(e.orgs), e.need, e.given),
		map[string]string{"n": strconv.Itoa(e.n), "orgs": orgs, "orgCount": strconv.Itoa(len(e.orgs)), "need": strconv.Itoa(e.need),
			"given": strconv.Itoa(e.given)}}
}

// checkEndorsements verifies every endorsement over (proposal response
// payload ‖ endorser) and counts the distinct orgs.
func checkEndorsements(t *tx, trust Trust) (endorsed, error) {
	if len(t.Endorsements) == 0 {
		return endorsed{}, errors.New("no endorsements")
	}
	var orgs []string
	for i, e := range t.Endorsements {
		msp, cert, err := fabricIdentity(e.Endorser, trust.Orgs, t.Timestamp)
		if err != nil {
			return endorsed{}, fmt.Errorf("endorsement %d: %w", i, err)
		}
		// The chaincode's policy names peers (OutOf(n, 'Org1MSP.peer', ...)):
		// a client of the org chains to the same root but may not endorse.
		if !hasOU(cert, "peer") {
			return endorsed{}, fmt.Errorf("endorsement %d: %q of %s is not a peer (OU %v)", i, cert.Subject.CommonName, msp, cert.Subject.OrganizationalUnit)
		}
		msg := append(append([]byte{}, t.PRP...), e.Endorser...)
		if err := fabricVerify(cert, msg, e.Signature); err != nil {
			return endorsed{}, fmt.Errorf("endorsement %d by %s: %w", i, msp, err)
		}
		if !slices.Contains(orgs, msp) {
			orgs = append(orgs, msp)
		}
	}
	need := trust.MinEndorsingOrgs
	if need <= 0 {
		return endorsed{}, errors.New("no endorsement policy given (Trust.MinEndorsingOrgs, --endorsing-orgs)")
	}
	if len(orgs) < need {
		return endorsed{}, fmt.Errorf("endorsed by %d org(s) (%s); the policy needs %d of the %d given", len(orgs),
			strings.Join(orgs, ", "), need, len(trust.Orgs))
	}
	return endorsed{n: len(t.Endorsements), need: need, given: len(trust.Orgs), orgs: orgs}, nil
}

// envelope is the transaction's entry in its block: the block listed with
// its number (exactly once), entry TxIndex.
func (b *Bundle) envelope(bt *Transaction) (string, *Block, error) {
	var blk *Block
	for i := range b.Blocks {
		if b.Blocks[i].Number == bt.BlockNumber {
			if blk != nil {
				return "", nil, fmt.Errorf("block %d is listed twice", bt.BlockNumber)
			}
			blk = &b.Blocks[i]
		}
	}
	switch {
	case blk == nil:
		return "", nil, fmt.Errorf("block %d is not in the bundle", bt.BlockNumber)
	case bt.TxIndex < 0 || bt.TxIndex >= len(blk.Data):
		return "", nil, fmt.Errorf("txIndex %d is outside block %d's %d entries", bt.TxIndex, bt.BlockNumber, len(blk.Data))
	}
	return blk.Data[bt.TxIndex], blk, nil
}

// blockCheck is the outcome of one block's check, shared by its transactions.
type blockCheck struct {
	found finding
	err   error
}

// checkTxBlock checks the transaction's block once (cache by number).
func checkTxBlock(b *Bundle, bt *Transaction, trust Trust, at time.Time, cache map[uint64]blockCheck) (finding, error) {
	_, blk, err := b.envelope(bt)
	if err != nil {
		return finding{}, err
	}
	c, ok := cache[blk.Number]
	if !ok {
		c.found, c.err = checkBlock(blk, trust, at)
		cache[blk.Number] = c
	}
	if c.err != nil {
		return finding{}, c.err
	}
	p := maps.Clone(c.found.params)
	p["entry"], p["block"] = strconv.Itoa(bt.TxIndex), strconv.FormatUint(blk.Number, 10)
	return finding{fmt.Sprintf("entry %d of block %d; %s", bt.TxIndex, blk.Number, c.found.detail), p}, nil
}

// checkBlockList requires the blocks listed by ascending number, each named
// by a transaction of the bundle (nothing in a bundle is unproven filler).
func checkBlockList(b *Bundle) (finding, error) {
	named := map[uint64]bool{}
	for _, bt := range b.Transactions {
		named[bt.BlockNumber] = true
	}
	for i, blk := range b.Blocks {
		if i > 0 && blk.Number <= b.Blocks[i-1].Number {
			return finding{}, fmt.Errorf("block %d is listed after block %d: blocks are listed once, by ascending number", blk.Number, b.Blocks[i-1].Number)
		}
		if !named[blk.Number] {
			return finding{}, fmt.Errorf("block %d is named by no transaction", blk.Number)
		}
	}
	return finding{fmt.Sprintf("%d block(s), each listed once and named by a transaction", len(b.Blocks)),
		map[string]string{"n": strconv.Itoa(len(b.Blocks))}}, nil
}

// checkBlock recomputes the data hash and header hash and verifies the
// orderers' signatures over the header.
func checkBlock(blk *Block, trust Trust, at time.Time) (finding, error) {
	entries := make([][]byte, len(blk.Data))
	for i, d := range blk.Data {
		var err error
		if entries[i], err = b64(d, fmt.Sprintf("block entry %d", i)); err != nil {
			return finding{}, err
		}
	}
	prev, err1 := hex.DecodeString(blk.PreviousHash)
	dh, err2 := hex.DecodeString(blk.DataHash)
	hh, err3 := hex.DecodeString(blk.HeaderHash)
	if err := errors.Join(err1, err2, err3); err != nil || strings.ToLower(blk.PreviousHash+blk.DataHash+blk.HeaderHash) !=
		blk.PreviousHash+blk.DataHash+blk.HeaderHash {
		return finding{}, errors.New("previousHash, dataHash and headerHash must be lowercase hex")
	}
	if got := dataHash(entries); !bytes.Equal(got, dh) {
		return finding{}, fmt.Errorf("data hash recomputed over %d entries is %x, the header says %s", len(entries), got, blk.DataHash)
	}
	if got := headerHash(blk.Number, prev, dh); !bytes.Equal(got, hh) {
		return finding{}, fmt.Errorf("header hash recomputed is %x, the bundle says %s", got, blk.HeaderHash)
	}
	raw, err := b64(blk.Signatures, "block signatures")
	if err != nil {
		return finding{}, err
	}
	var md common.Metadata
	if err := proto.Unmarshal(raw, &md); err != nil {
		return finding{}, fmt.Errorf("block signatures: %v", err)
	}
	if len(md.GetSignatures()) == 0 {
		return finding{}, fmt.Errorf("block %d carries no orderer signature", blk.Number)
	}
	hdr := headerBytes(blk.Number, prev, dh)
	var signers []string
	for i, s := range md.GetSignatures() {
		var sh common.SignatureHeader
		if err := proto.Unmarshal(s.GetSignatureHeader(), &sh); err != nil {
			return finding{}, fmt.Errorf("orderer signature %d: header: %v", i, err)
		}
		msp, cert, err := fabricIdentity(sh.GetCreator(), trust.Orderers, at)
		if err != nil {
			return finding{}, fmt.Errorf("orderer signature %d: %w", i, err)
		}
		if !hasOU(cert, "orderer") {
			return finding{}, fmt.Errorf("orderer signature %d: %q of %s is not an orderer (OU %v)", i, cert.Subject.CommonName, msp, cert.Subject.OrganizationalUnit)
		}
		msg := append(append(append([]byte{}, md.GetValue()...), s.GetSignatureHeader()...), hdr...)
		if err := fabricVerify(cert, msg, s.GetSignature()); err != nil {
			return finding{}, fmt.Errorf("orderer signature %d by %s: %w", i, msp, err)
		}
		signers = append(signers, fmt.Sprintf("%s %q", msp, cert.Subject.CommonName))
	}
	hh16, by := fmt.Sprintf("%.16s", blk.HeaderHash), strings.Join(signers, ", ")
	return finding{fmt.Sprintf("data hash and header hash %s… recomputed; signed by %s", hh16, by),
		map[string]string{"headerHash": hh16, "signers": by}}, nil
}

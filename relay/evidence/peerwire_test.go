package evidence

import (
	"bytes"
	"encoding/base64"
	"testing"

	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"
)

// generatedAction reads the same fields as parseAction with the generated
// peer messages (which the verifier may not link: they carry gRPC).
func generatedAction(t *testing.T, data []byte) *endorserAction {
	t.Helper()
	var trx peer.Transaction
	var cap peer.ChaincodeActionPayload
	var cpp peer.ChaincodeProposalPayload
	var prp peer.ProposalResponsePayload
	var act peer.ChaincodeAction
	must := func(b []byte, m proto.Message) {
		if err := proto.Unmarshal(b, m); err != nil {
			t.Fatal(err)
		}
	}
	must(data, &trx)
	must(trx.GetActions()[0].GetPayload(), &cap)
	must(cap.GetChaincodeProposalPayload(), &cpp)
	must(cap.GetAction().GetProposalResponsePayload(), &prp)
	must(prp.GetExtension(), &act)
	a := &endorserAction{Header: trx.GetActions()[0].GetHeader(), ProposalPayload: cap.GetChaincodeProposalPayload(),
		Transient: len(cpp.GetTransientMap()) > 0, PRP: cap.GetAction().GetProposalResponsePayload(),
		ProposalHash: prp.GetProposalHash(), Results: act.GetResults(), ResponseStatus: act.GetResponse().GetStatus(),
		Chaincode: act.GetChaincodeId().GetName()}
	for _, e := range cap.GetAction().GetEndorsements() {
		a.Endorsements = append(a.Endorsements, endorsement{Endorser: e.GetEndorser(), Signature: e.GetSignature()})
	}
	return a
}

func sameAction(a, b *endorserAction) bool {
	if len(a.Endorsements) != len(b.Endorsements) {
		return false
	}
	for i := range a.Endorsements {
		if !bytes.Equal(a.Endorsements[i].Endorser, b.Endorsements[i].Endorser) ||
			!bytes.Equal(a.Endorsements[i].Signature, b.Endorsements[i].Signature) {
			return false
		}
	}
	return bytes.Equal(a.Header, b.Header) && bytes.Equal(a.ProposalPayload, b.ProposalPayload) && a.Transient == b.Transient &&
		bytes.Equal(a.PRP, b.PRP) && bytes.Equal(a.ProposalHash, b.ProposalHash) && bytes.Equal(a.Results, b.Results) &&
		a.ResponseStatus == b.ResponseStatus && a.Chaincode == b.Chaincode
}

func TestPeerWireAgreesWithTheGeneratedMessages(t *testing.T) {
	n := 0
	for _, name := range []string{"two-signers.json", "declined.json", "batch.json"} {
		b := goldenBundle(t, name)
		envs := []string{b.Witness}
		for _, blk := range b.Blocks {
			envs = append(envs, blk.Data...)
		}
		for _, e64 := range envs {
			raw, _ := base64.StdEncoding.DecodeString(e64)
			var env common.Envelope
			var p common.Payload
			var ch common.ChannelHeader
			if proto.Unmarshal(raw, &env) != nil || proto.Unmarshal(env.GetPayload(), &p) != nil ||
				proto.Unmarshal(p.GetHeader().GetChannelHeader(), &ch) != nil || ch.GetType() != int32(common.HeaderType_ENDORSER_TRANSACTION) {
				continue
			}
			got, err := parseAction(p.GetData())
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if want := generatedAction(t, p.GetData()); !sameAction(got, want) {
				t.Fatalf("%s: tx %s: protowire read %+v, generated code %+v", name, ch.GetTxId(), got, want)
			}
			n++
		}
	}
	if n < 10 {
		t.Fatalf("compared only %d transactions", n)
	}
}

func TestPeerWireRefusesTruncatedData(t *testing.T) {
	b := goldenBundle(t, "two-signers.json")
	raw, _ := base64.StdEncoding.DecodeString(b.Witness)
	var env common.Envelope
	var p common.Payload
	if proto.Unmarshal(raw, &env) != nil || proto.Unmarshal(env.GetPayload(), &p) != nil {
		t.Fatal("witness does not decode")
	}
	data := p.GetData()
	for _, cut := range []int{1, 2, len(data) / 2, len(data) - 1} {
		if _, err := parseAction(data[:cut]); err == nil {
			t.Errorf("a transaction cut at %d of %d bytes parsed", cut, len(data))
		}
	}
}

func TestTxValidationNamesAreFabrics(t *testing.T) {
	for c := 0; c < 256; c++ {
		want, known := peer.TxValidationCode_name[int32(c)]
		if !known {
			want = peer.TxValidationCode(c).String() // protobuf's name for an unknown value: the number
		}
		if got := txValidationName(byte(c)); got != want {
			t.Errorf("code %d: %q, want %q", c, got, want)
		}
	}
}

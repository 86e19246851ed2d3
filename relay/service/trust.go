package service

import (
	"context"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/fault"
)

// OrgTrust is mspID's signer CAs and CRLs as the ledger records them. It is
// public ledger data: verifiers (qrsign verify --trust-ledger-cas) compare
// what several orgs' relays read from their own peers. An org with nothing
// registered is 200 with empty lists, as the chaincode answers.
func (s *Service) OrgTrust(ctx context.Context, mspID string) (*model.OrgTrust, error) {
	// Same check as the chaincode, so a bad id costs no evaluate.
	if !model.ValidID(mspID) {
		return nil, fault.Newf(model.CodeInvalidField, "mspId %q is not a valid MSP id", clip(mspID))
	}
	t, err := s.Ledger.GetOrgTrust(ctx, mspID)
	if err != nil {
		return nil, fromLedger(err)
	}
	if t.CAs == nil {
		t.CAs = []model.SignerCA{}
	}
	if t.CRLs == nil {
		t.CRLs = []model.CRLInfo{}
	}
	return t, nil
}

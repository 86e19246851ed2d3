package contract

import (
	"encoding/json"

	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"

	"github.com/qrsign/qrsign/chaincode/model"
)

// GetOrgHistory returns an org's SignerCARegistered and CRLPublished events.
func (c *Contract) GetOrgHistory(ctx contractapi.TransactionContextInterface, mspID string) (string, error) {
	out, err := getOrgHistory(ctx, mspID)
	return out, asError(err)
}

func getOrgHistory(ctx contractapi.TransactionContextInterface, mspID string) (string, error) {
	if !model.ValidID(mspID) {
		return "", model.Errorf(model.CodeInvalidField, "mspId %q is not a valid MSP id", clip(mspID))
	}
	t := &txn{stub: ctx.GetStub()}
	res := model.OrgHistory{MSPID: mspID, Events: []model.Event{}}
	err := t.scan(orgEventPrefix(mspID), func(k string, v []byte) error {
		var e model.Event
		if err := json.Unmarshal(v, &e); err != nil {
			return internal("decode %s: %v", k, err)
		}
		res.Events = append(res.Events, e)
		return nil
	})
	if err != nil {
		return "", err
	}
	return jsonResult(res)
}

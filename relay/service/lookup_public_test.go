package service

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
)

func TestRedactStripsSignerKeysFromCheckNamesAndDropsDetails(t *testing.T) {
	l := &Lookup{By: "sha256", View: ViewFull, Matches: []LookupMatch{{View: ViewFull, DocumentID: "hr-7", Title: "Termination J. Doe",
		DocType: "letter", OwnerMSP: "Org1MSP", Tags: []string{"hr"},
		Signers:  []LookupSigner{{ID: "jdoe", MSPID: "Org1MSP", RoutingOrder: 1, Status: model.SignerSigned, TxID: "t1"}},
		TxEvents: []LookupEvent{{Seq: 1, Type: model.EventSignatureRecorded, Signer: "Org1MSP/jdoe"}},
		Verification: &model.VerifyReport{DocumentID: "hr-7", Checks: []model.Check{
			{Name: "events", OK: true, Detail: "2 events"},
			{Name: "SignatureRecorded#1 Org1MSP/jdoe certificate", Detail: `certificate CN "jdoe" is not signer jdoe`},
			{Name: "completion", Detail: "completed without signatures of [Org1MSP/jdoe]"},
		}}}}}
	l.Redact(nil, DiscloseNone)
	b, _ := json.Marshal(l)
	for _, secret := range []string{"jdoe", "hr-7", "Termination", "letter", "Org1MSP", `"hr"`, "2 events"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("redacted lookup holds %q: %s", secret, b)
		}
	}
	got := []string{}
	for _, c := range l.Matches[0].Verification.Checks {
		got = append(got, c.Name)
	}
	if strings.Join(got, ",") != "events,SignatureRecorded#1 certificate,completion" || l.View != ViewPublic {
		t.Fatalf("checks %v, view %s", got, l.View)
	}
}

func TestRedactKeepsWhatTheCallerMaySee(t *testing.T) {
	l := &Lookup{By: "doc", View: ViewFull, Matches: []LookupMatch{{View: ViewFull, DocumentID: "a", Title: "A"}, {View: ViewFull, DocumentID: "b", Title: "B"}}}
	l.Redact(func(id string) bool { return id == "a" }, DiscloseNone)
	if a, b := l.Matches[0], l.Matches[1]; a.Title != "A" || a.View != ViewFull || b.Title != "" || b.DocumentID != "b" || b.View != ViewPublic || l.View != ViewPublic {
		t.Fatalf("%+v", l)
	}
}

// The disclosure levels: a signature transaction's signer and the slots keep
// the organisation with "org", everything with "identity", where the check
// names keep their signer keys too (and a check's event its signer as the
// slots do); details and their params are dropped at every level, codes kept.
func TestRedactDisclosesSignersByLevel(t *testing.T) {
	for _, c := range []struct {
		level                     SignerDisclosure
		slot, txSigner, checkName string
	}{
		{DiscloseNone, "/", "", "SignatureRecorded#1 certificate"},
		{DiscloseOrg, "Org1MSP/", "Org1MSP", "SignatureRecorded#1 certificate"},
		{DiscloseIdentity, "Org1MSP/jdoe", "Org1MSP/jdoe", "SignatureRecorded#1 Org1MSP/jdoe certificate"},
	} {
		l := &Lookup{By: "txId", Matches: []LookupMatch{{DocumentID: "hr-7",
			Signers:  []LookupSigner{{ID: "jdoe", MSPID: "Org1MSP", RoutingOrder: 1, Status: model.SignerSigned}},
			TxEvents: []LookupEvent{{Seq: 1, Type: model.EventSignatureRecorded, Signer: "Org1MSP/jdoe"}},
			Verification: &model.VerifyReport{Checks: []model.Check{
				{Name: "SignatureRecorded#1 Org1MSP/jdoe certificate", OK: true, Detail: `CN "jdoe"`, Code: model.CheckCertificate,
					Event:  &model.CheckEvent{Seq: 1, Type: model.EventSignatureRecorded, Signer: "Org1MSP/jdoe"},
					Params: map[string]string{"msp": "Org1MSP"}}}}}}}
		l.Redact(nil, c.level)
		m := l.Matches[0]
		ch := m.Verification.Checks[0]
		got := []string{m.Signers[0].MSPID + "/" + m.Signers[0].ID, m.TxEvents[0].Signer, ch.Name, ch.Detail,
			ch.Code, fmt.Sprint(ch.Event.Seq, ch.Event.Type, ch.Event.Signer), fmt.Sprint(len(ch.Params))}
		if want := []string{c.slot, c.txSigner, c.checkName, "", "certificate", fmt.Sprint(1, "SignatureRecorded", c.txSigner), "0"}; strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: got %q, want %q", c.level, got, want)
		}
	}
}

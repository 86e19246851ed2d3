package service

import (
	"errors"
	"testing"

	"github.com/qrsign/qrsign/relay/fault"
	"github.com/qrsign/qrsign/relay/ledger"
	"github.com/qrsign/qrsign/relay/problem"
)

func TestLedgerFailuresBecomeProblemsThatSayWhetherToRetry(t *testing.T) {
	submitted := ledger.Unavailable("RecordSignature", "tx1", errors.New("deadline"))
	submitted.Submitted = true
	for _, tc := range []struct {
		name   string
		err    error
		status int
		code   string
		detail string
		retry  int
	}{
		{"endorsement failed: nothing recorded", ledger.Unavailable("RecordSignature", "tx1", errors.New("no peers")), 503, "UNAVAILABLE",
			"the network cannot take the transaction now; nothing was recorded, retry", 2},
		{"commit status not read: outcome unknown", submitted, 503, "UNAVAILABLE",
			"the network did not confirm the transaction in time; its outcome is unknown, and retrying is safe (it is never recorded twice)", 2},
		{"read conflict past retries: transient", ledger.Invalidated("RecordSignature", "tx1", "MVCC_READ_CONFLICT"), 503, "UNAVAILABLE",
			"the transaction was invalidated at commit (MVCC_READ_CONFLICT) by concurrent writes; nothing was recorded, retry", 1},
		{"duplicate tx id: an earlier copy may be recorded, outcome unknown", ledger.Invalidated("RecordSignature", "tx1", "DUPLICATE_TXID"), 503, "UNAVAILABLE",
			"the network did not confirm the transaction in time; its outcome is unknown, and retrying is safe (it is never recorded twice)", 2},
		{"org removed from the channel: permanent", ledger.NotMember("RecordSignature", "tx1", errors.New("creator org unknown")), 403, "ORG_NOT_MEMBER",
			"this relay's organisation is not a member of the channel (it left the consortium): nothing was recorded, and retrying through this relay will not help; use a member's relay", 0},
		{"policy failure: permanent", ledger.Invalidated("RecordSignature", "tx1", "ENDORSEMENT_POLICY_FAILURE"), 502, "NOT_COMMITTED",
			"the transaction was invalidated at commit (ENDORSEMENT_POLICY_FAILURE); nothing was recorded and retrying will not help", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p *fault.Error
			if !errors.As(fromLedger(tc.err), &p) {
				t.Fatal("not a problem")
			}
			if problem.Status(p.Code) != tc.status || string(p.Code) != tc.code || p.Detail != tc.detail || p.RetryAfter != tc.retry || p.TxID != "tx1" {
				t.Fatalf("%d %s %q retry %d tx %q", problem.Status(p.Code), p.Code, p.Detail, p.RetryAfter, p.TxID)
			}
		})
	}
}

package ledger

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/qrsign/qrsign/chaincode/model"
)

func endorseFailure(t *testing.T, c codes.Code, msg string, details ...string) error {
	st := status.New(c, msg)
	for _, d := range details {
		var err error
		if st, err = st.WithDetails(&gateway.ErrorDetail{Address: "127.0.0.1:7051", MspId: "Org1MSP", Message: d}); err != nil {
			t.Fatal(err)
		}
	}
	return st.Err()
}

func TestClassifyTellsRejectionsFromNetworkTrouble(t *testing.T) {
	cases := []struct {
		name string
		err  error
		kind error
		code model.Code
		msg  string
	}{
		{"chaincode code in the peer's error detail is a rejection",
			endorseFailure(t, codes.Aborted, "failed to endorse transaction, see attached details for more info",
				"chaincode response 500, OUT_OF_TURN: routing order 1 has not finished"),
			ErrRejected, model.CodeOutOfTurn, "routing order 1 has not finished"},
		{"evaluate error text carrying the code is a rejection",
			endorseFailure(t, codes.Unknown, "evaluate call to endorser returned error: chaincode response 500, DOCUMENT_NOT_FOUND: no document x"),
			ErrRejected, model.CodeDocumentNotFound, "no document x"},
		{"unreachable peer is unavailable", endorseFailure(t, codes.Unavailable, "connection refused"), ErrUnavailable, "", ""},
		{"no endorsing combination is unavailable",
			endorseFailure(t, codes.FailedPrecondition, "no combination of peers can be derived which satisfy the endorsement policy"),
			ErrUnavailable, "", ""},
		{"deadline is unavailable", context.DeadlineExceeded, ErrUnavailable, "", ""},
		{"other orgs' peers not knowing our org is not being a member",
			endorseFailure(t, codes.Aborted, "failed to collect enough transaction endorsements, see attached details for more info",
				"rpc error: code = Unknown desc = error validating proposal: access denied: channel [qrsign] creator org unknown, creator is malformed"),
			ErrNotMember, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := classify("RecordSignature", "tx1", tc.err)
			if !errors.Is(err, tc.kind) {
				t.Fatalf("%v is not %v", err, tc.kind)
			}
			var le *Error
			if !errors.As(err, &le) || le.TxID != "tx1" || le.Code != tc.code {
				t.Fatalf("%#v", le)
			}
			if tc.code != "" {
				var me *model.Error
				if !errors.As(err, &me) || me.Message != tc.msg {
					t.Fatalf("chaincode error %#v", me)
				}
				if c, ok := CodeOf(fmt.Errorf("wrapped: %w", err)); !ok || c != tc.code {
					t.Fatalf("CodeOf through wrapping: %v %v", c, ok)
				}
			}
		})
	}
}

func TestInvalidatedCarriesTheValidationCode(t *testing.T) {
	err := Invalidated("RecordSignature", "tx9", "MVCC_READ_CONFLICT")
	if !errors.Is(err, ErrInvalidated) || err.Error() != "ledger: RecordSignature (tx tx9): invalidated at commit MVCC_READ_CONFLICT: validation code MVCC_READ_CONFLICT" {
		t.Fatalf("%v", err)
	}
	if _, ok := CodeOf(err); ok {
		t.Fatal("an invalidation is not a chaincode rejection")
	}
}

func TestConflictsAreRetriedWithFreshTransactionsThenGiveUp(t *testing.T) {
	cases := []struct {
		name     string
		outcomes []string // validation code per attempt; "" = committed
		retries  int
		attempts int
		err      string
	}{
		{"conflict then commit", []string{"MVCC_READ_CONFLICT", ""}, 3, 2, ""},
		{"phantom conflict then commit", []string{"PHANTOM_READ_CONFLICT", ""}, 3, 2, ""},
		{"conflicts past the limit", []string{"MVCC_READ_CONFLICT", "MVCC_READ_CONFLICT", "MVCC_READ_CONFLICT"}, 2, 3,
			"ledger: RecordSignature (tx tx3): invalidated at commit MVCC_READ_CONFLICT: validation code MVCC_READ_CONFLICT"},
		{"a policy changed by a membership change, then commit", []string{"ENDORSEMENT_POLICY_FAILURE", ""}, 3, 2, ""},
		{"a policy never met, past the limit", []string{"ENDORSEMENT_POLICY_FAILURE", "ENDORSEMENT_POLICY_FAILURE", "ENDORSEMENT_POLICY_FAILURE"}, 2, 3,
			"ledger: RecordSignature (tx tx3): invalidated at commit ENDORSEMENT_POLICY_FAILURE: validation code ENDORSEMENT_POLICY_FAILURE"},
		{"other invalidation is not retried", []string{"BAD_CREATOR_SIGNATURE", ""}, 3, 1,
			"ledger: RecordSignature (tx tx1): invalidated at commit BAD_CREATOR_SIGNATURE: validation code BAD_CREATOR_SIGNATURE"},
		{"diverged endorsements then commit", []string{"diverged", ""}, 3, 2, ""},
		{"an unreachable network is not retried here", []string{"unavailable", ""}, 3, 1,
			"ledger: RecordSignature (tx tx1): network unavailable: rpc error: code = Unavailable desc = connection refused"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			tx, _, err := retryConflicts(context.Background(), "RecordSignature", tc.retries, 0, func() (Tx, []byte, error) {
				code := tc.outcomes[n]
				n++
				id := fmt.Sprintf("tx%d", n)
				switch code {
				case "":
				case "diverged": // two orgs' peers at different heights
					return Tx{TxID: id}, nil, Unavailable("RecordSignature", id,
						status.Error(codes.Aborted, "failed to assemble transaction: ProposalResponsePayloads do not match"))
				case "unavailable":
					return Tx{TxID: id}, nil, Unavailable("RecordSignature", id, status.Error(codes.Unavailable, "connection refused"))
				default:
					return Tx{TxID: id}, nil, Invalidated("RecordSignature", id, code)
				}
				return Tx{TxID: id, ValidationCode: "VALID"}, nil, nil
			})
			if n != tc.attempts {
				t.Fatalf("%d attempts, want %d", n, tc.attempts)
			}
			if tc.err == "" {
				if err != nil || tx.TxID != fmt.Sprintf("tx%d", n) {
					t.Fatalf("%v %+v", err, tx)
				}
			} else if err == nil || err.Error() != tc.err {
				t.Fatalf("error %v, want %s", err, tc.err)
			}
		})
	}
}

// After the channel refused the org, a gateway finding no endorsers is the
// same refusal until a transaction goes through again; before, it is an outage.
func TestNoEndorsersAfterARefusalIsNotBeingAMember(t *testing.T) {
	g := &Gateway{}
	refused := classify("RecordSignature", "tx1", endorseFailure(t, codes.Aborted, "failed to collect enough transaction endorsements",
		"access denied: channel [qrsign] creator org unknown, creator is malformed"))
	noPlan := func() error {
		return classify("RecordSignature", "tx2", endorseFailure(t, codes.FailedPrecondition,
			"no combination of peers can be derived which satisfy the endorsement policy: no peer combination can satisfy the endorsement policy"))
	}
	steps := []struct {
		name string
		err  error
		want error
	}{
		{"no endorsers before any refusal: outage", noPlan(), ErrUnavailable},
		{"the refusal", refused, ErrNotMember},
		{"no endorsers after it: still refused", noPlan(), ErrNotMember},
		{"a transaction goes through", nil, nil},
		{"no endorsers again: outage", noPlan(), ErrUnavailable},
	}
	for _, s := range steps {
		err := g.membership("RecordSignature", "tx", s.err)
		if s.want == nil {
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			continue
		}
		if !errors.Is(err, s.want) || (s.want == ErrUnavailable) == errors.Is(err, ErrNotMember) {
			t.Fatalf("%s: %v, want %v", s.name, err, s.want)
		}
	}
}

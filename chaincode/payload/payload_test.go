package payload_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/payload"
)

func TestBatchSizeField(t *testing.T) {
	h := strings.Repeat("ab", 32)
	base := payload.Fields{Purpose: payload.PurposeBatchSign, Channel: "qrsign", DocumentID: "b1", DocumentSHA256: h,
		Nonce: strings.Repeat("0", 32), SignerFingerprint: h}
	for _, c := range []struct {
		name string
		mod  func(*payload.Fields)
		want string
	}{
		{"no size", func(f *payload.Fields) {}, "payload: batch size must be 1..65536"},
		{"too large", func(f *payload.Fields) { f.Size = 65537 }, "payload: batch size must be 1..65536"},
		{"size on a sign payload", func(f *payload.Fields) { f.Purpose, f.Size = payload.PurposeSign, 3 }, "payload: size is bound only for batch-sign and batch-decline"},
		{"size on a decline payload", func(f *payload.Fields) { f.Purpose, f.Size = payload.PurposeDecline, 3 }, "payload: size is bound only for batch-sign and batch-decline"},
		{"reason on a batch-sign payload", func(f *payload.Fields) { f.Size, f.Reason = 3, "no" }, "payload: reason is bound only for decline and batch-decline"},
		{"batch-decline without size", func(f *payload.Fields) { f.Purpose, f.Reason = payload.PurposeBatchDecline, "no" }, "payload: batch size must be 1..65536"},
	} {
		f := base
		c.mod(&f)
		if _, err := payload.Build(f); err == nil || err.Error() != c.want {
			t.Errorf("%s: got %v, want %s", c.name, err, c.want)
		}
	}
	f := base
	f.Size = 300
	p, err := payload.Build(f)
	if err != nil || !strings.HasSuffix(string(p), "signer=64:"+h+"\nsize=3:300\n") {
		t.Fatalf("Build = %q, %v", p, err)
	}
	for _, bad := range []string{"size=3:030\n", "size=2:-1\n", "size=1:0\n", "size=0:\n"} {
		q := strings.Replace(string(p), "size=3:300\n", bad, 1)
		if _, err := payload.Parse([]byte(q)); err == nil {
			t.Errorf("Parse accepted %q", bad)
		}
	}
}

// A batch decline binds the batch's size and then the reason, in that order,
// and parses back to the same fields.
func TestBatchDeclineBindsSizeThenReason(t *testing.T) {
	h := strings.Repeat("cd", 32)
	f := payload.Fields{Purpose: payload.PurposeBatchDecline, Channel: "qrsign", DocumentID: "b1", DocumentSHA256: h,
		Nonce: strings.Repeat("1", 32), SignerFingerprint: h, Size: 12, Reason: "Wrong salary\nin all 12"}
	p, err := payload.Build(f)
	if err != nil || !strings.HasSuffix(string(p), "signer=64:"+h+"\nsize=2:12\nreason=22:Wrong salary\nin all 12\n") {
		t.Fatalf("Build = %q, %v", p, err)
	}
	back, err := payload.Parse(p)
	if err != nil || !reflect.DeepEqual(back, f) {
		t.Fatalf("Parse = %+v, %v", back, err)
	}
	f.Reason = ""
	if _, err := payload.Build(f); err != nil {
		t.Fatalf("an empty reason is the signer's business: %v", err)
	}
}

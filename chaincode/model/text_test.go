package model

import (
	"strings"
	"testing"
	"time"
)

// forgedTitle is issue 11's title: a forged "Document:" line and a
// right-to-left override.
const forgedTitle = "Loan guarantee 500000 EUR\nSHA-256:    (looks fine)\nDocument:   Newsletter subscription\u202e fdp.txt"

// TestDisplayedFieldsFollowTheTextRule: every displayed free-text field of
// every request refuses what package text refuses, naming the field.
func TestDisplayedFieldsFollowTheTextRule(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	doc := func(title string) error {
		r := RegisterDocumentRequest{ID: "d1", SHA256: strings.Repeat("a", 64), MediaType: "text/plain", Title: title,
			DocType: "contract", Owner: "alice", Signers: []SignerSpec{{ID: "bob", MSPID: "Org1MSP", RoutingOrder: 1}},
			ExpiresAt: now.Add(time.Hour)}
		return r.Validate(now)
	}
	sig := SignatureRequest{DocumentID: "d1", Nonce: strings.Repeat("0", 32), CertChainPEM: "x", Signature: "c2ln",
		Algorithm: AlgEd25519}
	decline := func(reason string) error { r := sig; r.Reason = reason; return r.Validate() }
	batchDecline := func(reason string) error {
		r := BatchSignatureRequest{BatchID: "b1", Nonce: sig.Nonce, CertChainPEM: "x", Signature: "c2ln", Algorithm: AlgEd25519,
			Root: strings.Repeat("a", 64), Size: 1, Items: []BatchItem{{DocumentID: "b1.0001"}}, Reason: reason}
		r.Items[0].Proof.Size = 1
		return r.Validate()
	}
	note := func(n string) error { r := AnnotateRequest{SignatureRequest: sig, Note: n}; return r.Validate() }
	void := func(reason string) error { r := VoidRequest{DocumentID: "d1", Reason: reason}; return r.Validate() }
	const cf = "is an invisible formatting character (bidi control, zero-width, BOM, tag, …)"
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"plain title", doc("Loan guarantee 500000 EUR"), ""},
		{"forged title", doc(forgedTitle), "INVALID_FIELD: title: U+000A at byte 25 is a control character"},
		{"title with RLO", doc("Newsletter\u202e fdp.txt"), "INVALID_FIELD: title: U+202E at byte 10 " + cf},
		{"title with C1 NEL", doc("a\u0085b"), "INVALID_FIELD: title: U+0085 at byte 1 is a C1 control character"},
		{"title with CSI", doc("a\u009b31m"), "INVALID_FIELD: title: U+009B at byte 1 is a C1 control character"},
		{"title with tab", doc("a\tb"), "INVALID_FIELD: title: U+0009 at byte 1 is a control character"},
		{"title NFD", doc("Re\u0301sume\u0301"), "INVALID_FIELD: title: is not in Unicode NFC (normalise it first: what is signed is what is recorded)"},
		{"title invalid UTF-8", doc("a\xffb"), "INVALID_FIELD: title: invalid UTF-8 at byte 1"},
		{"blank title", doc("  "), "INVALID_FIELD: title must be 1..256 bytes, not blank"},
		{"long title", doc(strings.Repeat("x", 257)), "INVALID_FIELD: title must be 1..256 bytes, not blank"},
		{"multi-line decline reason", decline("Clause 4 is wrong.\nPlease fix — 5€"), ""},
		{"decline reason with CR", decline("a\r\nb"), "INVALID_FIELD: reason: U+000D at byte 1 is a control character"},
		{"decline reason with LRI", decline("ok\u2066"), "INVALID_FIELD: reason: U+2066 at byte 2 " + cf},
		{"long decline reason", decline(strings.Repeat("x", 1025)), "INVALID_FIELD: reason must be at most 1024 bytes"},
		{"batch decline reason with ZWSP", batchDecline("a\u200b"), "INVALID_FIELD: reason: U+200B at byte 1 " + cf},
		{"note with BOM", note("\ufeffnote"), "INVALID_FIELD: note: U+FEFF at byte 0 " + cf},
		{"note with line separator", note("a\u2028b"), "INVALID_FIELD: note: U+2028 at byte 1 is a line or paragraph separator"},
		{"multi-line note", note("seen\nby legal"), ""},
		{"void reason with tag char", void("x\U000e0041"), "INVALID_FIELD: reason: U+E0041 at byte 1 " + cf},
		{"blank void reason", void(" "), "INVALID_FIELD: reason must be 1..1024 bytes, not blank"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			if tc.err != nil {
				got = tc.err.Error()
			}
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestDecodeRefusesWhatJSONWouldReplace: encoding/json turns invalid UTF-8
// and lone surrogate escapes into U+FFFD; Decode refuses them instead.
func TestDecodeRefusesWhatJSONWouldReplace(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"lone surrogate in a title", `{"id":"d1","title":"Loan \ud800"}`,
			`INVALID_FIELD: title: holds \ud800, a lone surrogate (not a character)`},
		{"invalid UTF-8 in a reason", "{\"documentId\":\"d1\",\"reason\":\"a\xc0b\"}",
			"INVALID_FIELD: reason: invalid UTF-8 at byte 1 of the string"},
		{"a real pair", `{"id":"d1","title":"\ud83d\ude00"}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var v struct {
				ID         string `json:"id"`
				DocumentID string `json:"documentId"`
				Title      string `json:"title"`
				Reason     string `json:"reason"`
			}
			got := ""
			if err := Decode([]byte(tc.in), &v); err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

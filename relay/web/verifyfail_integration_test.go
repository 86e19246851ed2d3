//go:build integration

package web_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/web"
)

// A failed VerifyRecord check (which an honest ledger never answers: a proxy
// fails the projection check of a real record) is explained on /verify in
// the page's language, its diagnostics folded away as data; a zh page shows
// no English of its own.
func TestVerifyPageExplainsAFailedCheckInChromium(t *testing.T) {
	s := newSite(t)
	const diag = "stored projection differs from fold(events)"
	hostile := rewritingSite(t, s, web.Config{PublicURL: s.org.Relay.URL, Channel: s.info.Channel, MSPID: s.org.MSPID},
		func(path string) bool { return path == "/v1/verify" },
		func(b []byte) ([]byte, error) {
			var ans map[string]any
			if err := json.Unmarshal(b, &ans); err != nil {
				return nil, err
			}
			for _, m := range ans["matches"].([]any) {
				m := m.(map[string]any)
				m["verified"] = false
				v := m["verification"].(map[string]any)
				v["ok"] = false
				for _, c := range v["checks"].([]any) {
					if c := c.(map[string]any); c["code"] == "projection" {
						c["ok"], c["detail"] = false, diag
						delete(c, "params")
					}
				}
			}
			return json.Marshal(ans)
		})
	doc := s.upload(t, "Record a proxy calls tampered", []byte("lease "+unique("t")+"\n"),
		model.SignerSpec{ID: unique("signer"), MSPID: s.org.MSPID, RoutingOrder: 1})

	for _, tc := range []struct{ lang, reason, folded string }{
		{"zh-CN", "存储的记录与由事件推演的结果不一致。", "诊断信息（账本原文）"},
		{"en", "The stored record differs from what the events make.", "Diagnostics, as the ledger wrote them"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			p := launchChromium(t, "--lang="+tc.lang, "--accept-lang="+tc.lang).page(t)
			p.navigate(hostile.URL + "/verify?doc=" + doc.Document.ID)
			p.waitFor(`document.getElementById("record").hidden === false`, "the record")
			row := p.text(`document.querySelector('#checks-body tr[data-code="projection"]').innerText`)
			if !strings.Contains(row, tc.reason) || !strings.Contains(row, tc.folded) || strings.Contains(row, diag) {
				t.Errorf("the failed check's row says %q, want %q and %q with the diagnostics folded", row, tc.reason, tc.folded)
			}
			if got := p.text(`document.querySelector('#checks-body tr[data-code="projection"] details code').textContent`); got != diag {
				t.Errorf("the folded diagnostics are %q, want %q", got, diag)
			}
			if got := p.text(`document.getElementById("outcome").textContent`); !strings.Contains(got, tc.reason) || strings.Contains(got, diag) {
				t.Errorf("the verdict says %q, want the reason %q without the diagnostics", got, tc.reason)
			}
			if tc.lang == "zh-CN" {
				if bad := p.visibleEnglish(doc.Document.ID, "application/octet-stream", s.org.MSPID); len(bad) > 0 {
					t.Errorf("the zh page shows English words %v", bad)
				}
			}
			p.screenshot("verify-failed-check-" + tc.lang)
		})
	}
}

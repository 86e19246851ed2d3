package export

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
)

// Every language has every key, and every key is used: a status by its code
// (and "txt"+code in summaries), any other key as a literal in the code.
func TestMessagesAreCompleteAndUsed(t *testing.T) {
	if err := msgs.Check(); err != nil {
		t.Fatal(err)
	}
	var src strings.Builder
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") && f != "messages.go" {
			b, _ := os.ReadFile(f)
			src.Write(b)
		}
	}
	statuses := map[string]bool{}
	for _, s := range []string{string(model.StatusPending), string(model.StatusCompleted), string(model.StatusDeclined),
		string(model.StatusVoided), string(model.StatusExpired), string(model.SignerSigned)} {
		statuses[s], statuses["txt"+s] = true, true
	}
	for key := range msgs["en"] {
		if !statuses[key] && !strings.Contains(src.String(), `"`+key+`"`) {
			t.Errorf("message %q is never used", key)
		}
	}
}

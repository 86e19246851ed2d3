package flow

import (
	"os"
	"strings"
	"testing"
)

// Both languages have every message, and every message is used.
func TestMessagesAreCompleteAndUsed(t *testing.T) {
	if err := msgs.Check(); err != nil {
		t.Fatal(err)
	}
	var src strings.Builder
	for _, f := range []string{"flow.go", "annotate.go", "batch.go", "login.go", "unlock.go"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src.Write(b)
	}
	for k := range msgs["en"] {
		if !strings.Contains(src.String(), `s.tr("`+k+`"`) {
			t.Errorf("message %q is never used", k)
		}
	}
}

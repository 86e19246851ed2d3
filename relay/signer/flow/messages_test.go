package flow

import (
	"testing"

	"github.com/qrsign/qrsign/relay/i18n/i18ntest"
)

// Both languages have every message, and every message is used.
func TestMessagesAreCompleteAndUsed(t *testing.T) {
	i18ntest.CheckCatalog(t, msgs, "s.tr(", "flow.go", "annotate.go", "batch.go", "batchpdf.go", "login.go", "unlock.go", "pdf.go")
}

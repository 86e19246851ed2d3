// Package i18ntest checks a package's message catalogue in its tests.
package i18ntest

import (
	"os"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/relay/i18n"
)

// CheckCatalog fails t when a language lacks a key another has, or when no
// file names a key the way the package asks for messages: call followed by
// the quoted key, as in `tr("key"`.
func CheckCatalog(t *testing.T, c i18n.Catalog, call string, files ...string) {
	t.Helper()
	if err := c.Check(); err != nil {
		t.Fatal(err)
	}
	var src strings.Builder
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		src.Write(b)
	}
	for k := range c[i18n.En] {
		if !strings.Contains(src.String(), call+`"`+k+`"`) {
			t.Errorf("message %q is never used", k)
		}
	}
}

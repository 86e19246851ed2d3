package export

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
	"github.com/qrsign/qrsign/relay/i18n"
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

var verbRE = regexp.MustCompile(`%(?:\[(\d+)\])?[-+# 0]*[0-9]*(?:\.[0-9]+)?([a-zA-Z%])`)

// argVerbs maps each argument a format uses (by number) to its verbs.
func argVerbs(f string) map[int]string {
	m := map[int]string{}
	n := 0
	for _, g := range verbRE.FindAllStringSubmatch(f, -1) {
		if g[2] == "%" {
			continue
		}
		if g[1] != "" {
			fmt.Sscan(g[1], &n)
		} else {
			n++
		}
		m[n] += g[2]
	}
	return m
}

// A translation takes the same arguments with the same verbs: one that
// dropped or reordered a %d would print %!d(MISSING) or the wrong number.
func TestMessagesTakeTheSameArgumentsInEveryLanguage(t *testing.T) {
	for k, en := range msgs[i18n.En] {
		for _, l := range i18n.All {
			if a, b := argVerbs(en), argVerbs(msgs[l][k]); fmt.Sprint(a) != fmt.Sprint(b) {
				t.Errorf("%s: en %v %q, %s %v %q", k, a, en, l, b, msgs[l][k])
			}
		}
	}
}

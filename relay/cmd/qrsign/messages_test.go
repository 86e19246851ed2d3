package main

import (
	"bytes"
	"context"
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
	for _, f := range []string{"main.go", "login.go", "evidence.go"} {
		b, _ := os.ReadFile(f)
		src.Write(b)
	}
	for k := range msgs["en"] {
		if !strings.Contains(src.String(), `tr("`+k+`"`) {
			t.Errorf("message %q is never used", k)
		}
	}
}

// LC_ALL, then LANG, choose the language of human output.
func TestHumanOutputFollowsTheLocale(t *testing.T) {
	for _, c := range []struct{ lcAll, lang, want string }{
		{"", "zh_CN.UTF-8", "qrsign：未知命令 \"frobnicate\""},
		{"C", "zh_CN.UTF-8", `qrsign: unknown command "frobnicate"`},
		{"zh_CN.UTF-8", "en_US.UTF-8", "qrsign：未知命令 \"frobnicate\""},
		{"", "en_GB.UTF-8", `qrsign: unknown command "frobnicate"`},
	} {
		t.Setenv("LC_ALL", c.lcAll)
		t.Setenv("LC_MESSAGES", "")
		t.Setenv("LANG", c.lang)
		var out, errOut bytes.Buffer
		run(context.Background(), []string{"frobnicate"}, strings.NewReader(""), &out, &errOut)
		if first, _, _ := strings.Cut(errOut.String(), "\n"); first != c.want {
			t.Errorf("LC_ALL=%q LANG=%q: %q, want %q", c.lcAll, c.lang, first, c.want)
		}
	}
}

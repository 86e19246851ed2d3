package prompt_test

import (
	"strings"
	"testing"

	"github.com/qrsign/qrsign/relay/signer/prompt"
)

func TestLinesReadsOnePassphrasePerLine(t *testing.T) {
	l := &prompt.Lines{R: strings.NewReader("first secret\r\nsecond\n")}
	for _, want := range []string{"first secret", "second"} {
		got, err := l.Passphrase("? ")
		if err != nil || string(got) != want {
			t.Fatalf("got %q, %v; want %q", got, err, want)
		}
	}
	_, err := l.Passphrase("? ")
	if err == nil || err.Error() != "prompt: reading passphrase from stdin: EOF" {
		t.Fatalf("err = %v", err)
	}
}

func TestLinesNeverConfirmsFromStdin(t *testing.T) {
	_, err := (&prompt.Lines{R: strings.NewReader("y\n")}).Confirm("Sign?")
	if err == nil || err.Error() != "prompt: confirmation needs a terminal; pass --yes with --passphrase-stdin" {
		t.Fatalf("err = %v", err)
	}
}

func TestLastLineWithoutNewline(t *testing.T) {
	got, err := (&prompt.Lines{R: strings.NewReader("only")}).Passphrase("? ")
	if err != nil || string(got) != "only" {
		t.Fatalf("got %q, %v", got, err)
	}
}

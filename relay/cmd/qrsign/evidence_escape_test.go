package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/relay/evidence"
)

// A hostile bundle cannot paint a verdict on the auditor's terminal: its
// text (here a CA fingerprint carrying cursor moves, a fake "VERIFIED" and
// "conceal") is printed escaped, and the real verdict stands.
func TestVerifyEvidencePrintsBundleTextEscaped(t *testing.T) {
	raw, err := os.ReadFile(golden("two-signers.json"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := evidence.Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	extra := b.CAs[0]
	extra.Fingerprint = "x\r\x1b[2K\x1b[1A\x1b[2KVERIFIED: 33 checks passed\n\x1b[8m"
	b.CAs = append(b.CAs, extra)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(b); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "hostile.json")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run(context.Background(), append([]string{"verify-evidence", path, golden("two-signers.pdf")}, goldenRoots()...), strings.NewReader(""), &out, &errb)
	all := out.String() + errb.String()
	if code != exitUnverified || strings.ContainsAny(all, "\x1b\r") || !strings.Contains(out.String(), `x\r\u001b[2K`) ||
		strings.Contains(out.String(), "\nVERIFIED") {
		t.Fatalf("exit %d\nstdout %q\nstderr %q", code, out.String(), errb.String())
	}
}

package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/buildinfo"
	"github.com/qrsign/qrsign/relay/signer/flow"

	"github.com/qrsign/qrsign/relay/api"
)

// The tests read English output whatever the terminal's language; those of
// Chinese output set it themselves.
func TestMain(m *testing.M) {
	os.Setenv("LC_ALL", "C.UTF-8")
	os.Exit(m.Run())
}

func TestFlagsMayFollowTheArgument(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	reason := fs.String("reason", "", "")
	yes := fs.Bool("yes", false, "")
	pos, err := parse(fs, []string{"qr.png", "--reason", "wrong rent", "--yes"})
	if err != nil || !slices.Equal(pos, []string{"qr.png"}) || *reason != "wrong rent" || !*yes {
		t.Fatalf("pos %v reason %q yes %v err %v", pos, *reason, *yes, err)
	}
}

func TestExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want int
	}{
		{"a hash mismatch is a refusal", &flow.HashMismatchError{Source: "content"}, exitRefused},
		{"a wrong signer is a refusal", fmt.Errorf("%w: x", flow.ErrWrongSigner), exitRefused},
		{"a batch that does not make the QR's root is a refusal", fmt.Errorf("%w: x", flow.ErrBatchMismatch), exitRefused},
		{"a ledger rejection", &api.Problem{Status: 409, Code: "OUT_OF_TURN"}, exitRejected},
		{"an unavailable relay", &api.Problem{Status: 503, Code: "UNAVAILABLE"}, exitUnavailable},
		{"retries ran out on connection errors", errors.New("relayapi: 12 tries: dial tcp: connection refused"), exitUnavailable},
		{"a failed verification", errUnverified, exitUnverified},
		{"bad usage", usageError{"x"}, exitUsage},
		{"anything else", errors.New("boom"), exitError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := exitCode(tc.err); got != tc.want {
				t.Fatalf("exitCode = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `qrsign: unknown command "frobnicate"`},
		{[]string{"scan"}, "qrsign scan: scan needs exactly one QR image, URL or token"},
		{[]string{"enroll", "--id", "alice"}, "qrsign enroll: enroll needs --ca, --ca-tls, --id and --secret"},
		{[]string{"annotate", "doc-1", "--relay", "http://127.0.0.1:1"}, "qrsign annotate: annotate needs --tag or --note"},
		{[]string{"annotate", "doc-1", "--relay", "http://127.0.0.1:1", "--tag", "hr"}, "qrsign annotate: annotate needs read access to the document"},
		{[]string{"verify", "doc-1", "--relay", "http://127.0.0.1:1"}, "qrsign verify: verify needs read access: $QRSIGN_API_KEY (documents:read) or --token <session URL>"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Setenv("QRSIGN_API_KEY", "")
			var out, errb bytes.Buffer
			code := run(context.Background(), tc.args, strings.NewReader(""), &out, &errb)
			if code != exitUsage || !strings.HasPrefix(errb.String(), tc.want) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, errb.String(), exitUsage, tc.want)
			}
		})
	}
}

func TestHelpIsSuccessOnStdout(t *testing.T) {
	for _, args := range [][]string{
		{"enroll", "--help"}, {"scan", "--help"}, {"scan", "qr.png", "-h"}, {"decline", "-help"}, {"verify", "--help"},
		{"annotate", "--help"}, {"batch", "upload", "--help"}, {"whoami", "--help"}, {"verify-evidence", "--help"},
		{"evidence", "assemble", "--help"}, {"login", "--help"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), args, strings.NewReader(""), &out, &errb)
			if code != exitOK || errb.Len() != 0 || !strings.HasPrefix(out.String(), "Usage of qrsign ") || !strings.Contains(out.String(), "\n  -") {
				t.Fatalf("exit %d, stdout %q, stderr %q; want 0 and the flags on stdout only", code, out.String(), errb.String())
			}
		})
	}
	for _, args := range [][]string{{"help"}, {"--help"}, {"batch", "--help"}, {"evidence", "-h"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), args, strings.NewReader(""), &out, &errb)
			if code != exitOK || errb.Len() != 0 || !strings.HasPrefix(out.String(), "usage:\n  qrsign enroll") {
				t.Fatalf("exit %d, stdout %q, stderr %q; want 0 and the command list on stdout", code, out.String(), errb.String())
			}
		})
	}
}

func TestBadFlagIsAUsageErrorOnStderr(t *testing.T) {
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"scan", "--frobnicate"}, strings.NewReader(""), &out, &errb)
	want := "flag provided but not defined: -frobnicate\nUsage of qrsign scan:\n"
	if code != exitUsage || out.Len() != 0 || !strings.HasPrefix(errb.String(), want) ||
		!strings.HasSuffix(errb.String(), "qrsign scan: flag provided but not defined: -frobnicate\n") {
		t.Fatalf("exit %d, stdout %q, stderr %q; want %d and %q... on stderr", code, out.String(), errb.String(), exitUsage, want)
	}
}

func TestVersion(t *testing.T) {
	for _, arg := range []string{"version", "--version", "-version"} {
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{arg}, strings.NewReader(""), &out, &errb)
		if code != exitOK || errb.Len() != 0 || out.String() != buildinfo.Read().Format("qrsign") {
			t.Fatalf("%s: exit %d, stdout %q, stderr %q", arg, code, out.String(), errb.String())
		}
	}
}

func TestPassphraseSources(t *testing.T) {
	t.Run("QRSIGN_PASSPHRASE wins", func(t *testing.T) {
		t.Setenv("QRSIGN_PASSPHRASE", "from-env")
		got, err := prompter(strings.NewReader("from-stdin\n"), true, true, io.Discard).Passphrase("? ")
		if err != nil || string(got) != "from-env" {
			t.Fatalf("got %q, %v", got, err)
		}
	})
	t.Run("stdin when it is not a terminal", func(t *testing.T) {
		t.Setenv("QRSIGN_PASSPHRASE", "")
		got, err := prompter(strings.NewReader("from-stdin\n"), false, true, io.Discard).Passphrase("? ")
		if err != nil || string(got) != "from-stdin" {
			t.Fatalf("got %q, %v", got, err)
		}
	})
	t.Run("--yes confirms without asking", func(t *testing.T) {
		ok, err := prompter(strings.NewReader(""), true, true, io.Discard).Confirm("Sign?")
		if err != nil || !ok {
			t.Fatalf("got %v, %v", ok, err)
		}
	})
}

func TestParseSigner(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"Org1MSP/alice", "Org1MSP/alice@1"},
		{"Org2MSP/bob:3", "Org2MSP/bob@3"},
		{"alice", `--signer "alice": want MSPID/ID[:ORDER]`},
		{"Org1MSP/", `--signer "Org1MSP/": want MSPID/ID[:ORDER]`},
		{"Org1MSP/bob:0", `--signer "Org1MSP/bob:0": the routing order must be a positive integer`},
	} {
		s, err := parseSigner(tc.in)
		got := fmt.Sprintf("%s/%s@%d", s.MSPID, s.ID, s.RoutingOrder)
		if err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("parseSigner(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

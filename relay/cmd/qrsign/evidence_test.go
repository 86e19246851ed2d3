package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The golden bundle and roots captured from the real network (relay/evidence/testdata).
func golden(name string) string { return filepath.Join("..", "..", "evidence", "testdata", name) }

func goldenRoots() []string {
	return []string{"--ca", "Org1MSP=" + golden("root-Org1MSP.pem"), "--ca", "Org2MSP=" + golden("root-Org2MSP.pem"),
		"--orderer-ca", "OrdererMSP=" + golden("orderer-root-OrdererMSP.pem"), "--endorsing-orgs", "2", "--now", goldenNow}
}

// goldenNow is the verifier's clock for the golden bundles (witnesses dated
// 2026-11-24T19:47Z): the checks do not depend on the day they run.
const goldenNow = "2026-11-25T00:00:00Z"

func TestVerifyEvidence(t *testing.T) {
	tampered := filepath.Join(t.TempDir(), "tampered.json")
	b, err := os.ReadFile(golden("two-signers.json"))
	if err != nil {
		t.Fatal(err)
	}
	edited := bytes.Replace(b, []byte(`"signatures": 2`), []byte(`"signatures": 3`), 1)
	if bytes.Equal(edited, b) {
		t.Fatal("the golden bundle has no DocumentCompleted event with 2 signatures")
	}
	if err := os.WriteFile(tampered, edited, 0o644); err != nil {
		t.Fatal(err)
	}
	bundle, doc := golden("two-signers.json"), golden("two-signers.pdf")
	// The same bundle without its witness, as `qrsign evidence assemble` makes one.
	unwitnessed := filepath.Join(t.TempDir(), "unwitnessed.json")
	noWitness := regexp.MustCompile(`"witness": "[A-Za-z0-9+/=]+"`).ReplaceAll(b, []byte(`"witness": ""`))
	if bytes.Equal(noWitness, b) || os.WriteFile(unwitnessed, noWitness, 0o644) != nil {
		t.Fatal("the golden bundle has no witness to remove")
	}
	cases := []struct {
		name     string
		args     []string
		code     int
		out, err string // substrings of stdout and stderr
	}{
		{"the golden bundle with its document", append([]string{bundle, doc}, goldenRoots()...), exitOK,
			"VERIFIED: 32 checks passed", ""},
		{"another file as the document", append([]string{bundle, golden("root-Org1MSP.pem")}, goldenRoots()...), exitUnverified,
			"FAIL document file: the file hashes to", "qrsign verify-evidence: verification FAILED: 1 of 32 checks failed"},
		{"the orgs' roots swapped", []string{bundle, "--ca", "Org1MSP=" + golden("root-Org2MSP.pem"), "--ca", "Org2MSP=" + golden("root-Org1MSP.pem"),
			"--orderer-ca", "OrdererMSP=" + golden("orderer-root-OrdererMSP.pem"), "--endorsing-orgs", "2"}, exitUnverified, "does not chain to a root of Org1MSP", "verification FAILED"},
		// An auditor who trusts only Org1's root must still state the policy:
		// it is not derived from the roots (Org1 alone would then suffice).
		{"one org's root and no policy", []string{bundle, "--ca", "Org1MSP=" + golden("root-Org1MSP.pem"), "--orderer-ca",
			"OrdererMSP=" + golden("orderer-root-OrdererMSP.pem")}, exitUsage, "",
			"qrsign verify-evidence: verify-evidence needs --endorsing-orgs N, the number of distinct orgs the channel's endorsement policy requires (a positive number; it is not derived from the --ca roots)"},
		{"one org's root with the policy of two", []string{bundle, "--ca", "Org1MSP=" + golden("root-Org1MSP.pem"), "--orderer-ca",
			"OrdererMSP=" + golden("orderer-root-OrdererMSP.pem"), "--endorsing-orgs", "2"}, exitUnverified,
			"no root was given for Org2MSP", "verification FAILED"},
		{"a policy of three orgs", append(append([]string{bundle}, goldenRoots()...), "--endorsing-orgs", "3"), exitUnverified,
			"the policy needs 3 of the 2 given", "verification FAILED"},
		{"no witness", append([]string{unwitnessed, doc}, goldenRoots()...), exitUnverified,
			"FAIL last transaction validity: no freshness witness", "verification FAILED: 1 of 32 checks failed"},
		{"no witness, the peer's word accepted", append(append([]string{unwitnessed, doc}, goldenRoots()...), "--accept-unwitnessed"), exitOK,
			"ok   last transaction validity: UNPROVEN (peer's word)", ""},
		{"the witness's creator and date shown", append([]string{bundle, doc}, goldenRoots()...), exitOK,
			`ok   last transaction validity: witness aab17a3d3b77502f created by Org1MSP "relay" (envelope unsigned), dated 2026-11-24T19:47:26.663400473Z by its creator`, ""},
		{"a verifier's clock before the witness's date", append(append([]string{bundle, doc}, goldenRoots()...), "--now", "2026-11-24T19:40:00Z"), exitUnverified,
			"FAIL last transaction validity: witness: dated 2026-11-24T19:47:26.663400473Z, after the verifier's clock (2026-11-24T19:40:00Z) + 5m0s", "verification FAILED: 1 of 32 checks failed"},
		{"a clock that is not a time", append(append([]string{bundle}, goldenRoots()...), "--now", "tomorrow"), exitUsage, "",
			`qrsign verify-evidence: verify-evidence --now wants an RFC 3339 time (2026-11-24T20:00:00Z), not "tomorrow"`},
		{"an edited event", append([]string{tampered}, goldenRoots()...), exitUnverified, "FAIL events proven", "verification FAILED"},
		{"not a bundle", append([]string{golden("root-Org1MSP.pem")}, goldenRoots()...), exitUnverified, "",
			"qrsign verify-evidence: verification FAILED: " + golden("root-Org1MSP.pem") + ": evidence bundle: invalid character '-'"},
		{"no roots", []string{bundle, "--endorsing-orgs", "2"}, exitUsage, "",
			"qrsign verify-evidence: verify-evidence needs --ca MSPID=FILE for the member orgs and --orderer-ca MSPID=FILE: it trusts nothing else"},
		{"no bundle", goldenRoots(), exitUsage, "", "qrsign verify-evidence: verify-evidence needs a bundle file and optionally the document file"},
		{"a root without its MSP", []string{bundle, "--ca", golden("root-Org1MSP.pem")}, exitUsage, "",
			"want MSPID=FILE"},
		{"a negative policy", append(append([]string{bundle}, goldenRoots()...), "--endorsing-orgs", "-1"), exitUsage, "",
			"qrsign verify-evidence: verify-evidence needs --endorsing-orgs N"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), append([]string{"verify-evidence"}, c.args...), strings.NewReader(""), &out, &errb)
			if code != c.code || !strings.Contains(out.String(), c.out) || !strings.Contains(errb.String(), c.err) {
				t.Fatalf("exit %d (want %d)\nstdout %s\nstderr %s\nwant stdout ∋ %q, stderr ∋ %q", code, c.code, out.String(), errb.String(), c.out, c.err)
			}
		})
	}
}

func TestEvidenceAssembleUsage(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"evidence"}, "qrsign evidence: evidence needs a subcommand: assemble"},
		{[]string{"evidence", "assemble", "--history", "h.json"}, "qrsign evidence: evidence assemble needs --history and at least one --block"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(context.Background(), c.args, strings.NewReader(""), &out, &errb)
			if code != exitUsage || !strings.HasPrefix(errb.String(), c.want) {
				t.Fatalf("exit %d stderr %q, want %d %q", code, errb.String(), exitUsage, c.want)
			}
		})
	}
}

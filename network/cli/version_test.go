package cli

import (
	"bytes"
	"flag"
	"io"
	"reflect"
	"regexp"
	"testing"
)

func TestParseInterspersed(t *testing.T) {
	for _, tc := range []struct {
		args      []string
		pos       []string
		state     string
		wantError bool
	}{
		{[]string{"peer0.org1", "--state", "s"}, []string{"peer0.org1"}, "s", false},
		{[]string{"--state", "s", "peer0.org1"}, []string{"peer0.org1"}, "s", false},
		{[]string{"org1", "--state", "s", "alice"}, []string{"org1", "alice"}, "s", false},
		{[]string{"--", "--state"}, []string{"--state"}, "", false},
		{[]string{"peer0.org1", "--nope"}, nil, "", true},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		state := fs.String("state", "", "")
		pos, err := parseInterspersed(fs, tc.args)
		if (err != nil) != tc.wantError || !reflect.DeepEqual(pos, tc.pos) || *state != tc.state {
			t.Errorf("%q: %q state %q err %v; want %q state %q error %v", tc.args, pos, *state, err, tc.pos, tc.state, tc.wantError)
		}
	}
}

// `network start-node NODE --state DIR` reads DIR, as with the flag first.
func TestStartNodeFlagAfterNode(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	if code := Main([]string{"start-node", "peer0.org1", "--state", dir}, &out, &errOut); code != 1 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	want := "network start-node: netinfo: open " + dir + "/network.json: no such file or directory (is the network up?)\n"
	if errOut.String() != want {
		t.Fatalf("stderr %q, want %q", errOut.String(), want)
	}
}

func TestVersionShape(t *testing.T) {
	var out bytes.Buffer
	if code := Main([]string{"--version"}, &out, io.Discard); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if !regexp.MustCompile(`^network \S+ \(\S+ \S+\) go\S+\n$`).MatchString(out.String()) {
		t.Fatalf("%q", out.String())
	}
}

// org and update refuse malformed calls with their usage, before any state is read.
func TestOrgAndUpdateUsage(t *testing.T) {
	const orgUsage = "usage: network org add|remove|init|join|leave|rotate-ca ORG\n"
	const updUsage = "usage: network update propose add|remove ORG --as MEMBER | update sign|submit FILE --as MEMBER\n"
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"org", "add"}, orgUsage},
		{[]string{"org", "evict", "org3"}, orgUsage},
		{[]string{"update", "sign", "f.update"}, updUsage},
		{[]string{"update", "propose", "add", "--as", "org1"}, updUsage},
		{[]string{"update", "vote", "f.update", "--as", "org1"}, updUsage},
	} {
		var out, errOut bytes.Buffer
		code := Main(append(tc.args, "--state", dir+"/s"), &out, &errOut)
		if code != 2 || errOut.String() != tc.want {
			t.Errorf("%v: exit %d %q, want 2 %q", tc.args, code, errOut.String(), tc.want)
		}
	}
	var out, errOut bytes.Buffer
	if code := Main([]string{"org", "add", "org3", "--state", dir + "/s"}, &out, &errOut); code != 1 ||
		errOut.String() != "network org: no network in "+dir+"/s (bring it up first)\n" {
		t.Errorf("org add without a network: exit %d %q", code, errOut.String())
	}
}

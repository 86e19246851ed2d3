package cli

import (
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/network/cluster"
)

// A bad file stops `up` with the field named, before the state dir exists.
func TestUpRejectsBadConfigBeforeStarting(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "net.yaml")
	os.WriteFile(cfg, []byte("profiles:\n  default:\n    chanel: qrsign\n"), 0o644)
	state := filepath.Join(dir, "state")
	var out, errOut bytes.Buffer
	code := Main([]string{"up", "--config", cfg, "--state", state}, &out, &errOut)
	want := "network up: " + cfg + ": line 3: field chanel not found in type config.Profile\n"
	if code != 1 || errOut.String() != want {
		t.Fatalf("exit %d, stderr %q\nwant %q", code, errOut.String(), want)
	}
	if _, err := os.Stat(state); !os.IsNotExist(err) {
		t.Fatalf("state dir created for a bad config: %v", err)
	}
}

// A port held by another program is named with its field before anything starts.
func TestUpNamesBusyPort(t *testing.T) {
	// org1's own address in the shipped file.
	l, err := net.Listen("tcp", "127.0.0.3:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	// chaincode.serverPort is 9999 in the shipped file: offset it onto the busy port.
	offset := port - 9999
	state := filepath.Join(t.TempDir(), "state")
	var out, errOut bytes.Buffer
	code := Main([]string{"up", "--config", "../../test-network.yaml", "--state", state,
		"--port-offset", strconv.Itoa(offset)}, &out, &errOut)
	want := "127.0.0.3:" + strconv.Itoa(port) + " (profiles.default.chaincode.serverPort) is already in use"
	if code != 1 || !strings.Contains(errOut.String(), want) {
		if strings.Contains(errOut.String(), "is not a port") {
			t.Skipf("offset %d moves other ports out of range", offset)
		}
		t.Fatalf("exit %d, stderr %q, want it to contain %q", code, errOut.String(), want)
	}
	if _, err := os.Stat(state); !os.IsNotExist(err) {
		t.Fatalf("state dir created although a port is busy: %v", err)
	}
}

func TestUnknownCommandAndUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Main([]string{"explode"}, &out, &errOut); code != 2 || !strings.HasPrefix(errOut.String(), `network: unknown command "explode"`) {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	errOut.Reset()
	if code := Main([]string{"logs"}, &out, &errOut); code != 2 || errOut.String() != "usage: network logs NODE\n" {
		t.Fatalf("exit %d: %q", code, errOut.String())
	}
}

// `up` on a state that holds a network reuses the port offset and profile it
// was made with when the flags leave them out, and refuses flags that
// contradict them before touching anything (the ports live in the state).
// States older than origin.json answer from network.json.
func TestUpAgainKeepsTheStatesOffsetAndProfile(t *testing.T) {
	state := t.TempDir()
	os.WriteFile(filepath.Join(state, "network.json"), []byte(`{"profile":"redundant","portOffset":4000}`), 0o644)
	testUpAgain(t, state)
}

// The origin is recorded before anything that carries ports is made, so a
// state whose first `up` failed half-way (no network.json) is kept too, and
// its config file as well.
func TestUpAgainAfterAFailedFirstUpKeepsItsOrigin(t *testing.T) {
	state := t.TempDir()
	cfg := filepath.Join(t.TempDir(), "net.yaml")
	os.WriteFile(cfg, []byte("profiles: {}\n"), 0o644)
	if err := cluster.SaveOrigin(state, cluster.Origin{Profile: "redundant", ConfigFile: cfg, PortOffset: 4000}); err != nil {
		t.Fatal(err)
	}
	testUpAgain(t, state)
	o := Options{Config: "test-network.yaml", State: state}
	if err := o.asBefore(map[string]bool{}); err != nil || o.Config != cfg {
		t.Fatalf("config left out: %+v, %v", o, err)
	}
	var out, errOut bytes.Buffer
	code := Main([]string{"up", "--state", state, "--config", "other.yaml"}, &out, &errOut)
	if want := "holds a network made with --config " + cfg + ", not "; code != 1 || !strings.Contains(errOut.String(), want) || out.Len() != 0 {
		t.Fatalf("another config: exit %d, stderr %q", code, errOut.String())
	}
}

func testUpAgain(t *testing.T, state string) {
	t.Helper()
	o := Options{Profile: "default", State: state}
	if err := o.asBefore(map[string]bool{}); err != nil || o.PortOffset != 4000 || o.Profile != "redundant" {
		t.Fatalf("flags left out: %+v, %v", o, err)
	}
	o = Options{Profile: "redundant", State: state, PortOffset: 4000}
	if err := o.asBefore(map[string]bool{"profile": true, "port-offset": true}); err != nil {
		t.Fatalf("the same flags given: %v", err)
	}
	if err := (&Options{State: t.TempDir(), PortOffset: 7}).asBefore(map[string]bool{"port-offset": true}); err != nil {
		t.Fatalf("a new state: %v", err)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--port-offset", "0"}, "holds a network made with --port-offset 4000, not 0: leave the flag out (or give 4000), " +
			"or start over with `network down --purge --state " + state + "`"},
		{[]string{"--profile", "default"}, "holds a network made with --profile redundant, not default"},
	} {
		var out, errOut bytes.Buffer
		code := Main(append([]string{"up", "--state", state}, c.args...), &out, &errOut)
		if code != 1 || !strings.Contains(errOut.String(), "network up: "+state+" "+c.want) {
			t.Errorf("%v: exit %d, stderr %q", c.args, code, errOut.String())
		}
		if out.Len() != 0 {
			t.Errorf("%v: up went ahead: %s", c.args, out.String())
		}
	}
}

// `down --purge` deletes only a network's state directory: one with the
// origin file `up` writes first. A directory that merely has run/ (such as
// /var), the root and the home directory are refused before anything stops.
func TestPurgeRefusesWhatIsNotAState(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "var")
	if err := os.MkdirAll(filepath.Join(dir, "run"), 0o755); err != nil {
		t.Fatal(err)
	}
	precious := filepath.Join(dir, "lib", "precious.db")
	os.MkdirAll(filepath.Dir(precious), 0o755)
	os.WriteFile(precious, []byte("x"), 0o644)
	os.WriteFile(filepath.Join(dir, "network.json"), []byte("{}"), 0o644)
	os.MkdirAll(filepath.Join(dir, "crypto"), 0o755)
	var out bytes.Buffer
	err := down(Options{State: dir}, true, &out)
	want := "refusing to delete " + dir + ": not a network state directory (no origin.json; states made before it was written: stop with down, then delete by hand)"
	if err == nil || err.Error() != want {
		t.Errorf("down --purge on a directory with run/: %v\nwant %s", err, want)
	}
	if _, serr := os.Stat(precious); serr != nil {
		t.Errorf("deleted: %v", serr)
	}
	if out.Len() != 0 {
		t.Errorf("stopped before refusing: %q", out.String())
	}

	home := t.TempDir()
	t.Setenv("HOME", home)
	if err := cluster.SaveOrigin(home, cluster.Origin{Profile: "default"}); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "home")
	os.Symlink(home, link)
	for state, want := range map[string]string{
		"/":  "refusing to delete /: it is the root directory",
		home: "refusing to delete " + home + ": it is your home directory",
		link: "refusing to delete " + link + ": it is your home directory",
	} {
		if err := down(Options{State: state}, true, io.Discard); err == nil || err.Error() != want {
			t.Errorf("down --purge --state %s: %v\nwant %s", state, err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(home, cluster.OriginFile)); err != nil {
		t.Errorf("home deleted: %v", err)
	}

	state := filepath.Join(t.TempDir(), "state")
	os.MkdirAll(filepath.Join(state, "run"), 0o755)
	if err := cluster.SaveOrigin(state, cluster.Origin{Profile: "default"}); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := down(Options{State: state}, true, &out); err != nil {
		t.Fatalf("down --purge on a state: %v", err)
	}
	if _, err := os.Stat(state); !os.IsNotExist(err) {
		t.Errorf("state kept: %v", err)
	}
	if want := "stopped 0 processes \ndeleted " + state + "\n"; out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}
}

package layers

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const mod = "github.com/qrsign/qrsign/"

var protocol = []string{
	mod + "chaincode/model", mod + "chaincode/payload", mod + "chaincode/sigalg", mod + "chaincode/certchain",
	mod + "chaincode/merkle", mod + "chaincode/text", mod + "relay/api", mod + "relay/login/proof", mod + "relay/token",
	mod + "relay/pades", mod + "relay/cms",
}

// pureLibs are outside packages a protocol package may link: computation
// only (Unicode normalisation for the displayed-text rule).
var pureLibs = []string{"golang.org/x/text/transform", "golang.org/x/text/unicode/norm"}

// noIO are standard packages a protocol package may not import: the
// network, files, processes and the clock's side effects live elsewhere.
var noIO = []string{"net", "net/http", "net/url", "os", "os/exec", "os/signal", "io/fs", "path/filepath", "syscall", "log", "log/slog"}

// A rule is a set of packages and what none of them may link.
type rule struct {
	name     string
	pkgs     []string
	forbid   func(dep string) bool // checked on every transitive dependency
	direct   bool                  // check direct imports instead
	env      []string              // go list's environment, added to the process's (a js/wasm package)
	describe string
}

func prefixed(prefixes ...string) func(string) bool {
	return func(p string) bool {
		for _, pre := range prefixes {
			if p == strings.TrimSuffix(pre, "/") || strings.HasPrefix(p, pre) {
				return true
			}
		}
		return false
	}
}

// heavyStacks are the server-side stacks a client may not link.
var heavyStacks = prefixed("github.com/hyperledger/fabric-gateway/", "google.golang.org/grpc/", "github.com/labstack/echo/")

var rules = []rule{
	{name: "protocol packages import no I/O", pkgs: protocol, direct: true, describe: "an I/O package",
		forbid: func(p string) bool { return slices.Contains(noIO, p) }},
	{name: "protocol packages link only the standard library and each other", pkgs: protocol, describe: "a non-protocol package",
		forbid: func(p string) bool {
			return strings.Contains(strings.Split(p, "/")[0], ".") && !slices.Contains(protocol, p) && !slices.Contains(pureLibs, p)
		}},
	{name: "the domain returns coded errors and knows no HTTP", pkgs: []string{mod + "relay/service", mod + "relay/login", mod + "relay/fault"},
		direct: true, describe: "an HTTP package",
		forbid: prefixed("net/http", "github.com/labstack/echo/", mod+"relay/problem", mod+"relay/httpapi")},
	{name: "the relay server never links the signer client library", pkgs: []string{mod + "relay/cmd/relay"},
		describe: "a signer client package", forbid: prefixed(mod + "relay/signer/")},
	{name: "the signer client and the offline verifiers link no fabric-gateway, gRPC, Echo or relay server package",
		pkgs:     []string{mod + "relay/cmd/qrsign", mod + "relay/signer/...", mod + "relay/evidence", mod + "relay/verify"},
		describe: "a server stack",
		forbid: func(p string) bool {
			return heavyStacks(p) || prefixed(mod+"relay/ledger/", mod+"relay/service/", mod+"relay/httpapi/", mod+"relay/login/")(p) && p != mod+"relay/login/proof"
		}},
	{name: "the phone page's signer module links the client's checks only: no network, server or signer I/O package",
		pkgs: []string{mod + "relay/cmd/signer-wasm"}, env: []string{"GOOS=js", "GOARCH=wasm"}, describe: "more than the client's checks",
		forbid: func(p string) bool {
			return heavyStacks(p) || p == "net/http" || p == "os/exec" ||
				prefixed(mod+"relay/")(p) && !slices.Contains(protocol, p) && p != mod+"relay/signer/clearsign"
		}},
}

// violations lists, for each package, the imports (direct) or
// dependencies that break r; deps maps a package to them.
func violations(r rule, deps map[string][]string) []string {
	var out []string
	for pkg, ds := range deps {
		for _, d := range ds {
			if d != pkg && r.forbid(d) {
				out = append(out, pkg+" -> "+d)
			}
		}
	}
	slices.Sort(out)
	return out
}

// list runs `go list` over pkgs: each package with its direct imports, or
// with all its dependencies.
func list(t *testing.T, pkgs []string, direct bool, env []string) map[string][]string {
	t.Helper()
	format := `{{.ImportPath}} {{join .Deps " "}}`
	if direct {
		format = `{{.ImportPath}} {{join .Imports " "}}`
	}
	cmd := exec.Command("go", append([]string{"list", "-f", format}, pkgs...)...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %v: %v", pkgs, err)
	}
	deps := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		deps[f[0]] = f[1:]
	}
	return deps
}

func TestLayers(t *testing.T) {
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) {
			deps := list(t, r.pkgs, r.direct, r.env)
			if len(deps) < len(r.pkgs) {
				t.Fatalf("go list found %d packages for %v", len(deps), r.pkgs)
			}
			for _, v := range violations(r, deps) {
				t.Errorf("%s links %s: %s", strings.Fields(v)[0], r.describe, v)
			}
		})
	}
}

// TestRulesCatchAViolation feeds each rule a dependency list with one
// forbidden import, so a rule that can no longer fail is noticed.
func TestRulesCatchAViolation(t *testing.T) {
	bad := map[string]string{
		"protocol packages import no I/O":                                                                         "net/http",
		"protocol packages link only the standard library and each other":                                         "github.com/labstack/echo/v4",
		"the domain returns coded errors and knows no HTTP":                                                       "net/http",
		"the relay server never links the signer client library":                                                  mod + "relay/signer/flow",
		"the signer client and the offline verifiers link no fabric-gateway, gRPC, Echo or relay server package":  "google.golang.org/grpc",
		"the phone page's signer module links the client's checks only: no network, server or signer I/O package": mod + "relay/signer/relayapi",
	}
	for _, r := range rules {
		dep, ok := bad[r.name]
		if !ok {
			t.Fatalf("no violation to feed %q", r.name)
		}
		clean := map[string][]string{r.pkgs[0]: {"fmt", mod + "chaincode/model"}}
		if v := violations(r, clean); len(v) != 0 {
			t.Errorf("%s: a clean list breaks it: %v", r.name, v)
		}
		dirty := map[string][]string{r.pkgs[0]: {"fmt", dep}}
		if v := violations(r, dirty); len(v) != 1 {
			t.Errorf("%s: importing %s gives %v, want one violation", r.name, dep, v)
		}
	}
}

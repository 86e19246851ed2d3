// Package fabricbin builds the pinned Hyperledger Fabric and Fabric CA command
// line tools into a cache keyed by version and finds them again later.
//
// The tools are built in throwaway modules generated from embedded go.mod and
// go.sum text, so the qrsign module never requires fabric (its dependency graph
// stays lean) and the embedded go.sum pins every hash. Fabric and Fabric CA
// need separate modules: their dependency graphs conflict.
package fabricbin

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Pinned versions.
const (
	FabricModule  = "github.com/hyperledger/fabric"
	FabricVersion = "v0.0.0-20240618194258-7c3876255bf0" // release-2.5 (2.5.9)
	CAModule      = "github.com/hyperledger/fabric-ca"
	CAVersion     = "v1.5.15"
)

//go:embed modules/*.txt
var modules embed.FS

// set is one throwaway build module.
type set struct {
	name    string // fabric or ca
	module  string
	version string
	tools   []string // command package paths
}

var sets = []set{
	{"fabric", FabricModule, FabricVersion, []string{"peer", "orderer", "configtxgen", "cryptogen", "osnadmin"}},
	{"ca", CAModule, CAVersion, []string{"fabric-ca-server", "fabric-ca-client"}},
}

// CacheRoot is ${QRSIGN_CACHE:-$HOME/.cache/qrsign}.
func CacheRoot() string {
	if d := os.Getenv("QRSIGN_CACHE"); d != "" {
		if abs, err := filepath.Abs(d); err == nil {
			return abs // network.json holds absolute paths
		}
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = os.TempDir()
	}
	return filepath.Join(home, ".cache", "qrsign")
}

// Dir is the cache directory of this version set; binaries are in Dir()/bin,
// Fabric's sample core.yaml and orderer.yaml in Dir()/config.
func Dir() string {
	return filepath.Join(CacheRoot(), "fabric-"+FabricVersion+"_ca-"+CAVersion)
}

// BuildError names the tool set that failed to build.
type BuildError struct {
	Set    string
	Output string
	Err    error
}

func (e *BuildError) Error() string {
	return fmt.Sprintf("building %s tools failed: %v\n%s", e.Set, e.Err, lastLines(e.Output, 30))
}

func (e *BuildError) Unwrap() error { return e.Err }

// Ensure builds whatever is missing and returns the bin and config dirs.
// Progress goes to log.
func Ensure(log io.Writer) (binDir, cfgDir string, err error) {
	binDir, cfgDir = filepath.Join(Dir(), "bin"), filepath.Join(Dir(), "config")
	for _, s := range sets {
		if missing(binDir, s.tools) == nil {
			continue
		}
		if _, err := exec.LookPath("go"); err != nil {
			return "", "", fmt.Errorf("missing tool: go (needed to build %s); install Go 1.26", strings.Join(s.tools, ", "))
		}
		start := time.Now()
		fmt.Fprintf(log, "  building %s %s (%s), once; cached in %s\n", s.module, s.version, strings.Join(s.tools, " "), binDir)
		if err := build(s, binDir); err != nil {
			return "", "", err
		}
		fmt.Fprintf(log, "  built %s tools in %s\n", s.name, time.Since(start).Round(time.Second))
	}
	if err := ensureConfig(cfgDir); err != nil {
		return "", "", err
	}
	return binDir, cfgDir, nil
}

func missing(binDir string, tools []string) []string {
	var m []string
	for _, t := range tools {
		if fi, err := os.Stat(filepath.Join(binDir, t)); err != nil || fi.Mode()&0o111 == 0 {
			m = append(m, t)
		}
	}
	return m
}

// moduleDir writes the throwaway module for s into a temp dir.
func moduleDir(s set) (string, error) {
	dir, err := os.MkdirTemp("", "qrsign-"+s.name+"bin-")
	if err != nil {
		return "", err
	}
	for _, f := range []string{"go.mod", "go.sum"} {
		b, err := modules.ReadFile("modules/" + s.name + "." + f + ".txt")
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			return "", err
		}
	}
	var imports strings.Builder
	for _, t := range s.tools {
		fmt.Fprintf(&imports, "\t_ %q\n", s.module+"/cmd/"+t)
	}
	src := "//go:build tools\n\npackage tools\n\nimport (\n" + imports.String() + ")\n"
	return dir, os.WriteFile(filepath.Join(dir, "tools.go"), []byte(src), 0o644)
}

func goEnv() []string {
	return append(os.Environ(), "GONOSUMDB=github.com/hyperledger", "GOFLAGS=-mod=mod", "GOWORK=off", "CGO_ENABLED=1")
}

func build(s set, binDir string) error {
	dir, err := moduleDir(s)
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	tmpBin := binDir + ".tmp-" + s.name
	os.RemoveAll(tmpBin)
	if err := os.MkdirAll(tmpBin, 0o755); err != nil {
		return err
	}
	defer os.RemoveAll(tmpBin)
	// No -trimpath: plain flags share compiled packages (std, grpc, ...) in
	// the build cache with `go build ./network` and the chaincode build.
	args := []string{"build", "-o", tmpBin + "/"}
	for _, t := range s.tools {
		args = append(args, s.module+"/cmd/"+t)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir, cmd.Env = dir, goEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return &BuildError{Set: s.module + "@" + s.version, Output: string(out), Err: err}
	}
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return err
	}
	// rename per file: the other set's binaries may already be in binDir.
	for _, t := range s.tools {
		if err := os.Rename(filepath.Join(tmpBin, t), filepath.Join(binDir, t)); err != nil {
			return err
		}
	}
	return nil
}

// ensureConfig copies Fabric's sample core.yaml and orderer.yaml from the
// fabric module source (downloading it into the module cache if needed).
func ensureConfig(cfgDir string) error {
	files := []string{"core.yaml", "orderer.yaml", "configtx.yaml"}
	if missingFiles(cfgDir, files) {
		src, err := fabricSource()
		if err != nil {
			return err
		}
		if err := os.MkdirAll(cfgDir, 0o755); err != nil {
			return err
		}
		for _, f := range files {
			b, err := os.ReadFile(filepath.Join(src, "sampleconfig", f))
			if err != nil {
				return fmt.Errorf("fabric sample config: %w", err)
			}
			if err := os.WriteFile(filepath.Join(cfgDir, f), b, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

func missingFiles(dir string, files []string) bool {
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return true
		}
	}
	return false
}

// fabricSource returns the fabric module's directory in the module cache.
func fabricSource() (string, error) {
	dir, err := moduleDir(sets[0])
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	cmd := exec.Command("go", "mod", "download", "-json", FabricModule+"@"+FabricVersion)
	cmd.Dir, cmd.Env = dir, goEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s@%s: %v: %s", FabricModule, FabricVersion, err, stderr.String())
	}
	var m struct{ Dir string }
	if err := json.Unmarshal(out, &m); err != nil || m.Dir == "" {
		return "", fmt.Errorf("go mod download %s: no module directory in %q", FabricModule, out)
	}
	return m.Dir, nil
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}

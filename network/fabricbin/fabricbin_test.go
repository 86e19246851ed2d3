package fabricbin

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The cache is keyed by both pinned versions and honours QRSIGN_CACHE.
func TestDirIsKeyedByVersion(t *testing.T) {
	t.Setenv("QRSIGN_CACHE", "/x/cache")
	want := "/x/cache/fabric-" + FabricVersion + "_ca-" + CAVersion
	if Dir() != want {
		t.Fatalf("Dir() = %s, want %s", Dir(), want)
	}
}

// Each throwaway module pins its tool module in go.mod and its hashes in
// go.sum, and imports exactly the tools to build.
func TestModuleDirPinsVersions(t *testing.T) {
	for _, s := range sets {
		dir, err := moduleDir(s)
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dir)
		mod, _ := os.ReadFile(filepath.Join(dir, "go.mod"))
		sum, _ := os.ReadFile(filepath.Join(dir, "go.sum"))
		tools, _ := os.ReadFile(filepath.Join(dir, "tools.go"))
		if !strings.Contains(string(mod), s.module+" "+s.version) {
			t.Errorf("%s go.mod does not require %s %s", s.name, s.module, s.version)
		}
		if !strings.Contains(string(sum), s.module+" "+s.version+" h1:") {
			t.Errorf("%s go.sum has no hash for %s %s", s.name, s.module, s.version)
		}
		for _, tool := range s.tools {
			if !strings.Contains(string(tools), `"`+s.module+"/cmd/"+tool+`"`) {
				t.Errorf("%s tools.go does not import %s", s.name, tool)
			}
		}
	}
}

func TestMissingNamesAbsentTools(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "peer"), []byte("#!/bin/sh\n"), 0o755)
	os.WriteFile(filepath.Join(dir, "orderer"), []byte("not executable"), 0o644)
	got := strings.Join(missing(dir, []string{"peer", "orderer", "osnadmin"}), " ")
	if got != "orderer osnadmin" {
		t.Fatalf("missing = %q, want %q", got, "orderer osnadmin")
	}
}

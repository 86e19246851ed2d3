package cluster

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The package holds metadata.json (type ccaas) and code.tar.gz with
// connection.json; the builder scripts claim it and hand connection.json to
// the peer at chaincode/server/connection.json, as the external builder
// contract requires.
func TestCCaaSPackageAndBuilderScripts(t *testing.T) {
	dir := t.TempDir()
	n := &Net{State: dir}
	builder, err := n.writeBuilder()
	if err != nil {
		t.Fatal(err)
	}
	pkg := filepath.Join(dir, "cc.tar.gz")
	if err := packageCCaaS(pkg, "qrsign_abc", "127.0.0.1:9999"); err != nil {
		t.Fatal(err)
	}
	outer := untar(t, mustRead(t, pkg))
	var meta map[string]string
	if err := json.Unmarshal(outer["metadata.json"], &meta); err != nil || meta["type"] != "ccaas" || meta["label"] != "qrsign_abc" {
		t.Fatalf("metadata.json = %s (%v)", outer["metadata.json"], err)
	}
	code := untar(t, outer["code.tar.gz"])
	var conn map[string]any
	if err := json.Unmarshal(code["connection.json"], &conn); err != nil {
		t.Fatal(err)
	}
	if conn["address"] != "127.0.0.1:9999" || conn["tls_required"] != false {
		t.Fatalf("connection.json = %s", code["connection.json"])
	}

	// The peer lays out SRC (code.tar.gz extracted), META (metadata.json), BLD, REL.
	src, meta2, bld, rel := mkdirs(t, dir, "src"), mkdirs(t, dir, "meta"), mkdirs(t, dir, "bld"), mkdirs(t, dir, "rel")
	os.WriteFile(filepath.Join(src, "connection.json"), code["connection.json"], 0o644)
	os.WriteFile(filepath.Join(meta2, "metadata.json"), []byte(`{"label":"qrsign_abc","path":"","type":"ccaas"}`), 0o644)
	script := func(name string, args ...string) error {
		cmd := exec.Command(filepath.Join(builder, "bin", name), args...)
		cmd.Env = []string{"PATH=/usr/bin:/bin"} // the peer passes a reduced environment
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Logf("%s: %s", name, out)
		}
		return err
	}
	if err := script("detect", src, meta2); err != nil {
		t.Fatalf("detect rejected a ccaas package: %v", err)
	}
	if err := script("build", src, meta2, bld); err != nil {
		t.Fatal(err)
	}
	if err := script("release", bld, rel); err != nil {
		t.Fatal(err)
	}
	if got := mustRead(t, filepath.Join(rel, "chaincode", "server", "connection.json")); !bytes.Equal(got, code["connection.json"]) {
		t.Fatalf("released connection.json = %s", got)
	}
	os.WriteFile(filepath.Join(meta2, "metadata.json"), []byte(`{"label":"x","type":"golang"}`), 0o644)
	if err := script("detect", src, meta2); err == nil {
		t.Fatal("detect claimed a golang package")
	}
}

func TestSetPathReplacesNestedValues(t *testing.T) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte("vm:\n  endpoint: unix:///var/run/docker.sock # docker\n  other: 1\nchaincode:\n  externalBuilders: []\n"), &doc); err != nil {
		t.Fatal(err)
	}
	if err := setPath(&doc, "vm.endpoint", ""); err != nil {
		t.Fatal(err)
	}
	if err := setPath(&doc, "chaincode.externalBuilders", []map[string]string{{"name": "b", "path": "/p"}}); err != nil {
		t.Fatal(err)
	}
	if err := setPath(&doc, "vm.nope.x", 1); err == nil || err.Error() != "core.yaml: no vm.nope" {
		t.Fatalf("missing key: %v", err)
	}
	var got struct {
		VM struct {
			Endpoint string
			Other    int
		}
		Chaincode struct {
			ExternalBuilders []map[string]string `yaml:"externalBuilders"`
		}
	}
	out, _ := yaml.Marshal(&doc)
	if err := yaml.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if got.VM.Endpoint != "" || got.VM.Other != 1 || len(got.Chaincode.ExternalBuilders) != 1 || got.Chaincode.ExternalBuilders[0]["path"] != "/p" {
		t.Fatalf("after setPath: %+v\n%s", got, out)
	}
}

func mkdirs(t *testing.T, base, name string) string {
	d := filepath.Join(base, name)
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	return d
}

func mustRead(t *testing.T, f string) []byte {
	t.Helper()
	b, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func untar(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	out := map[string][]byte{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out[h.Name], _ = io.ReadAll(tr)
	}
}

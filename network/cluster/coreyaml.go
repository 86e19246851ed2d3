package cluster

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Config writes the node configuration files into <state>/config: Fabric's
// sample core.yaml (with the changes env vars cannot make: an empty
// vm.endpoint so the peer never tries Docker, and our chaincode-as-a-service
// builder) and orderer.yaml unchanged; per-node settings are env overrides.
func (n *Net) Config() error {
	if err := os.MkdirAll(n.cfgDir(), 0o755); err != nil {
		return err
	}
	builder, err := n.writeBuilder()
	if err != nil {
		return err
	}
	b, err := os.ReadFile(filepath.Join(n.CfgSrc, "core.yaml"))
	if err != nil {
		return err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("core.yaml: %w", err)
	}
	if err := setPath(&doc, "vm.endpoint", ""); err != nil {
		return err
	}
	if err := setPath(&doc, "chaincode.externalBuilders", []map[string]any{
		{"name": "qrsign-ccaas", "path": builder, "propagateEnvironment": []string{}},
	}); err != nil {
		return err
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(n.cfgDir(), "core.yaml"), out, 0o644); err != nil {
		return err
	}
	ob, err := os.ReadFile(filepath.Join(n.CfgSrc, "orderer.yaml"))
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(n.cfgDir(), "orderer.yaml"), ob, 0o644)
}

// setPath replaces the value at a dotted path of a YAML document.
func setPath(doc *yaml.Node, path string, v any) error {
	node := doc
	if node.Kind == yaml.DocumentNode {
		node = node.Content[0]
	}
	keys := strings.Split(path, ".")
	for i, k := range keys {
		found := false
		for j := 0; j+1 < len(node.Content); j += 2 {
			if node.Content[j].Value == k {
				if i == len(keys)-1 {
					var nv yaml.Node
					if err := nv.Encode(v); err != nil {
						return err
					}
					node.Content[j+1] = &nv
					return nil
				}
				node, found = node.Content[j+1], true
				break
			}
		}
		if !found {
			return fmt.Errorf("core.yaml: no %s", strings.Join(keys[:i+1], "."))
		}
	}
	return nil
}

// The external builder for chaincode as a service: the package carries only
// connection.json; release hands it to the peer, which then dials the server.
var builderScripts = map[string]string{
	"detect": `#!/bin/sh
# detect SRC META: claim packages whose metadata type is ccaas.
grep -Eq '"type" *: *"ccaas"' "$2/metadata.json"
`,
	"build": `#!/bin/sh
# build SRC META BLD: the "build" is copying connection.json.
set -e
cp "$1/connection.json" "$3/connection.json"
`,
	"release": `#!/bin/sh
# release BLD REL: chaincode/server/connection.json makes the peer dial the server.
set -e
mkdir -p "$2/chaincode/server"
cp "$1/connection.json" "$2/chaincode/server/connection.json"
`,
}

func (n *Net) writeBuilder() (string, error) {
	dir := n.path("builders", "ccaas")
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		return "", err
	}
	for name, body := range builderScripts {
		if err := os.WriteFile(filepath.Join(dir, "bin", name), []byte(body), 0o755); err != nil {
			return "", err
		}
	}
	return dir, nil
}

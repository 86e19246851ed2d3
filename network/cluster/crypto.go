package cluster

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// sans lets clients dial every node at 127.0.0.1 or localhost without host
// name overrides.
var sans = []string{"localhost", "127.0.0.1"}

type cgSpec struct {
	Hostname string   `yaml:"Hostname"`
	SANS     []string `yaml:"SANS"`
}

type cgOrg struct {
	Name          string   `yaml:"Name"`
	Domain        string   `yaml:"Domain"`
	EnableNodeOUs bool     `yaml:"EnableNodeOUs"`
	Specs         []cgSpec `yaml:"Specs"`
	Users         struct {
		Count int `yaml:"Count"`
	} `yaml:"Users"`
}

// Crypto runs cryptogen once per state directory: node identities and TLS
// certs, the org admins (OU admin with NodeOUs) and each org's CA key, which
// its Fabric CA then uses so that CA-enrolled identities are org members.
func (n *Net) Crypto() error {
	if _, err := os.Stat(n.orgCACert(n.P.Orgs[len(n.P.Orgs)-1])); err == nil {
		return nil
	}
	oo := cgOrg{Name: n.P.OrdererOrg.Name, Domain: n.P.OrdererOrg.Domain, EnableNodeOUs: true}
	for _, o := range n.P.OrdererOrg.Orderers {
		oo.Specs = append(oo.Specs, cgSpec{o.Name, sans})
	}
	var peerOrgs []cgOrg
	for _, g := range n.P.Orgs {
		po := cgOrg{Name: g.Name, Domain: g.Domain, EnableNodeOUs: true}
		for _, p := range g.Peers {
			po.Specs = append(po.Specs, cgSpec{p.Name, sans})
		}
		po.Specs = append(po.Specs, cgSpec{"ca", sans}) // TLS server cert of the Fabric CA
		peerOrgs = append(peerOrgs, po)
	}
	b, err := yaml.Marshal(map[string]any{"OrdererOrgs": []cgOrg{oo}, "PeerOrgs": peerOrgs})
	if err != nil {
		return err
	}
	cfg := filepath.Join(n.cfgDir(), "crypto-config.yaml")
	if err := os.WriteFile(cfg, b, 0o644); err != nil {
		return err
	}
	os.RemoveAll(n.cryptoDir())
	return n.run(nil, "cryptogen", "generate", "--config", cfg, "--output", n.cryptoDir())
}

// run runs a Fabric tool from the bin dir and names it when it fails.
func (n *Net) run(env []string, tool string, args ...string) error {
	_, err := n.output(env, tool, args...)
	return err
}

func (n *Net) output(env []string, tool string, args ...string) ([]byte, error) {
	cmd := exec.Command(filepath.Join(n.Bin, tool), args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Dir = n.State
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, &ToolError{Tool: tool, Args: args, Output: string(out), Err: err}
	}
	return out, nil
}

// ToolError is a failed Fabric tool invocation.
type ToolError struct {
	Tool   string
	Args   []string
	Output string
	Err    error
}

func (e *ToolError) Error() string {
	args := e.Args
	if len(args) > 3 {
		args = args[:3]
	}
	out := strings.TrimSpace(e.Output)
	if l := strings.Split(out, "\n"); len(l) > 8 {
		out = strings.Join(l[len(l)-8:], "\n")
	}
	return fmt.Sprintf("%s %s: %v\n%s", e.Tool, strings.Join(args, " "), e.Err, out)
}

func (e *ToolError) Unwrap() error { return e.Err }

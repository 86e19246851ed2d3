package cluster

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/qrsign/qrsign/network/config"
)

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

// sans names a node's TLS certificate for its org's address (and localhost).
func sans(host string) []string { return []string{"localhost", host} }

// OrdererOrgCrypto makes the orderer org's CA, MSP, orderer and admin keys
// in its own directory (once) and publishes its definition.
func (n *Net) OrdererOrgCrypto() error {
	oo := n.P.OrdererOrg
	org := cgOrg{Name: oo.Name, Domain: oo.Domain, EnableNodeOUs: true}
	for _, o := range oo.Orderers {
		org.Specs = append(org.Specs, cgSpec{o.Name, sans(oo.Host)})
	}
	if err := n.cryptogen(oo.Name, filepath.Join(n.ordererAdminDir(), "msp", "signcerts", "Admin@"+oo.Domain+"-cert.pem"), "OrdererOrgs", org); err != nil {
		return err
	}
	return n.PublishOrdererOrg()
}

// OrgCrypto makes a member org's MSP CA, MSP, peer, admin, one plain member
// and Fabric CA TLS keys, and its signer CA, in its own directory (once), and
// publishes its definition.
func (n *Net) OrgCrypto(g *config.Org) error {
	org := cgOrg{Name: g.Name, Domain: g.Domain, EnableNodeOUs: true}
	for _, p := range g.Peers {
		org.Specs = append(org.Specs, cgSpec{p.Name, sans(g.Host)})
	}
	org.Specs = append(org.Specs, cgSpec{"ca", sans(g.Host)}) // TLS server cert of the Fabric CA
	org.Users.Count = 1                                       // User1: a member with no role (tests that writing needs one)
	if err := n.cryptogen(g.Name, filepath.Join(n.orgAdminMSP(g), "signcerts", "Admin@"+g.Domain+"-cert.pem"), "PeerOrgs", org); err != nil {
		return err
	}
	if err := n.OrgSignerCA(g); err != nil {
		return err
	}
	return n.PublishOrg(g)
}

// cryptogen runs cryptogen for one org into <org home>/crypto unless the file
// done exists (the admin's certificate: cryptogen makes it last).
func (n *Net) cryptogen(name, done, kind string, org cgOrg) error {
	if exists(done) {
		return nil
	}
	home := n.OrgHome(name)
	if err := os.MkdirAll(home, 0o700); err != nil {
		return err
	}
	b, err := yaml.Marshal(map[string]any{kind: []cgOrg{org}})
	if err != nil {
		return err
	}
	cfg := filepath.Join(home, "crypto-config.yaml")
	if err := os.WriteFile(cfg, b, 0o644); err != nil {
		return err
	}
	os.RemoveAll(filepath.Join(home, "crypto"))
	return n.run(nil, "cryptogen", "generate", "--config", cfg, "--output", filepath.Join(home, "crypto"))
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

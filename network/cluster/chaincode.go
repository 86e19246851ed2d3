package cluster

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/qrsign/qrsign/network/config"
	"github.com/qrsign/qrsign/network/proc"
)

// Deployed is what <state>/chaincode/deployed.json remembers of the last
// committed definition, so `up` only upgrades when the binary changed.
type Deployed struct {
	Hash     string `json:"hash"` // sha256 of the chaincode binary
	Sequence int64  `json:"sequence"`
	Policy   string `json:"policy"`
	// PackageIDs are per org: each org runs its own chaincode server on its
	// own host, so its package (connection.json) and package id are its own.
	PackageIDs map[string]string `json:"packageIds"`
}

func (n *Net) deployedFile() string { return n.path("chaincode", "deployed.json") }

// BuildChaincode builds ./chaincode into <state>/bin/chaincode and returns the
// binary's hash (Go builds are reproducible, so it changes with the source).
func (n *Net) BuildChaincode() (string, error) {
	out := n.path("bin", "chaincode")
	if err := goBuild(n.Repo, out, "./chaincode"); err != nil {
		return "", err
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return "", err
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:]), nil
}

// goBuild builds pkg (relative to repo) into out, naming pkg on failure;
// env is added to the environment (GOOS, GOARCH).
func goBuild(repo, out, pkg string, env ...string) error {
	if _, err := exec.LookPath("go"); err != nil {
		return fmt.Errorf("missing tool: go (needed to build %s)", pkg)
	}
	cmd := exec.Command("go", "build", "-o", out+".tmp", pkg)
	cmd.Dir = repo
	cmd.Env = append(append(os.Environ(), "GONOSUMDB=github.com/hyperledger"), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building %s failed: %v\n%s", pkg, err, strings.TrimSpace(string(b)))
	}
	return os.Rename(out+".tmp", out)
}

// packageCCaaS writes the chaincode-as-a-service package: metadata.json plus
// code.tar.gz holding connection.json (where the peer dials the server).
func packageCCaaS(file, label, address string) error {
	conn, _ := json.Marshal(map[string]any{"address": address, "dial_timeout": "10s", "tls_required": false})
	code, err := targz(map[string][]byte{"connection.json": conn})
	if err != nil {
		return err
	}
	meta, _ := json.Marshal(map[string]string{"type": "ccaas", "label": label})
	pkg, err := targz(map[string][]byte{"metadata.json": meta, "code.tar.gz": code})
	if err != nil {
		return err
	}
	return os.WriteFile(file, pkg, 0o644)
}

func targz(files map[string][]byte) ([]byte, error) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, name := range []string{"metadata.json", "code.tar.gz", "connection.json"} {
		b, ok := files[name]
		if !ok {
			continue
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(b)), ModTime: time.Unix(0, 0)}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(b); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (n *Net) chaincodeSpec(g *config.Org, packageID string) *proc.Spec {
	port := n.P.Chaincode.ServerPort
	env := append(n.baseEnv(), "CHAINCODE_ID="+packageID, "CHAINCODE_SERVER_ADDRESS="+hostPort(g.Host, port))
	return n.spec(chaincodeName(g), g.Host, n.path("bin", "chaincode"), nil, env, port)
}

func (n *Net) loadDeployed() (Deployed, error) {
	var d Deployed
	err := readJSON(n.deployedFile(), &d)
	return d, err
}

func (n *Net) saveDeployed(d *Deployed) error { return writeJSON(n.deployedFile(), d) }

// readJSON decodes file into v; a missing file leaves v as it is.
func readJSON(file string, v any) error {
	b, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	return nil
}

func writeJSON(file string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(file, append(b, '\n'), 0o644)
}

// DeployChaincode builds the chaincode, and when its binary or the policy
// changed (or nothing is committed yet) has every member package it
// for its own chaincode server, install it on its peers, (re)start that
// server and approve the next sequence; then the first org commits it.
// Otherwise it only makes sure each org's server runs.
func (n *Net) DeployChaincode() (*Deployed, error) {
	done := n.phase("chaincode: build ./chaincode")
	hash, err := n.BuildChaincode()
	if err != nil {
		return nil, err
	}
	done()
	policy := n.P.EndorsementPolicy()
	prev, err := n.loadDeployed()
	if err != nil {
		return nil, err
	}
	g0 := n.members()[0]
	committed, err := n.committedSequence(g0)
	if err != nil {
		return nil, err
	}
	if prev.Hash == hash && prev.Policy == policy && committed == prev.Sequence && committed > 0 {
		fmt.Fprintf(n.Log, "    chaincode unchanged (sequence %d)\n", committed)
		for _, g := range n.members() {
			if id, ok := prev.PackageIDs[g.Name]; ok {
				if err := n.ensureRunning(n.chaincodeSpec(g, id)); err != nil {
					return nil, err
				}
			}
		}
		return &prev, nil
	}
	seq := committed + 1
	done = n.phase(fmt.Sprintf("chaincode: each org packages, installs, approves %s sequence %d; %s commits", n.P.Chaincode.Name, seq, g0.Name))
	d := &Deployed{Hash: hash, Sequence: seq, Policy: policy, PackageIDs: map[string]string{}}
	for _, g := range n.members() {
		if d.PackageIDs[g.Name], err = n.ApproveChaincode(g, hash, seq); err != nil {
			return nil, err
		}
	}
	if err := n.commitChaincode(g0, seq); err != nil {
		return nil, err
	}
	if err := n.saveDeployed(d); err != nil {
		return nil, err
	}
	done()
	return d, nil
}

// ApproveChaincode is one org's step for a chaincode definition: package the
// chaincode for its own server, install it on its peers, (re)start its
// server (the peer dials it right after commit) and approve sequence seq
// with its package id.
func (n *Net) ApproveChaincode(g *config.Org, hash string, seq int64) (string, error) {
	label := n.P.Chaincode.Name + "_" + hash[:12]
	pkg := filepath.Join(n.OrgHome(g.Name), "chaincode", label+".tar.gz")
	if err := os.MkdirAll(filepath.Dir(pkg), 0o755); err != nil {
		return "", err
	}
	if err := packageCCaaS(pkg, label, hostPort(g.Host, n.P.Chaincode.ServerPort)); err != nil {
		return "", err
	}
	out, err := n.output(n.peerCLIEnv(g, firstPeer(g)), "peer", "lifecycle", "chaincode", "calculatepackageid", pkg)
	if err != nil {
		return "", err
	}
	pkgID := strings.TrimSpace(string(out))
	for _, p := range g.Peers {
		out, err := n.output(n.peerCLIEnv(g, p), "peer", "lifecycle", "chaincode", "install", pkg)
		if err != nil && !strings.Contains(string(out), "already successfully installed") {
			return "", fmt.Errorf("install on %s: %w", peerName(g, p), err)
		}
	}
	s := n.chaincodeSpec(g, pkgID)
	if old, _ := proc.Load(n.RunDir(), s.Name); old != nil && !slices.Equal(old.Env, s.Env) {
		old.Stop(5 * time.Second)
	}
	if err := n.ensureRunning(s); err != nil {
		return "", err
	}
	common, err := n.definitionFlags(seq)
	if err != nil {
		return "", err
	}
	args := append([]string{"lifecycle", "chaincode", "approveformyorg", "--package-id", pkgID}, common...)
	if err := retry(20*time.Second, func() error { return n.run(n.peerCLIEnv(g, firstPeer(g)), "peer", args...) }); err != nil {
		return "", fmt.Errorf("approve for %s: %w", g.MSPID, err)
	}
	return pkgID, nil
}

// definitionFlags name the chaincode definition of sequence seq and the
// ordering service.
func (n *Net) definitionFlags(seq int64) ([]string, error) {
	ord, err := n.ordererFlags()
	if err != nil {
		return nil, err
	}
	policy := n.P.EndorsementPolicy()
	policyFlag := "--signature-policy"
	if policy == config.ChannelEndorsement {
		policyFlag = "--channel-config-policy"
	}
	return append(ord, "--channelID", n.P.Channel, "--name", n.P.Chaincode.Name, "--version", n.P.Chaincode.Version,
		"--sequence", fmt.Sprint(seq), policyFlag, policy), nil
}

// commitChaincode is g's step: it commits the definition, collecting the
// endorsements of every member's anchor peer at the address and with the
// TLS root that member published.
func (n *Net) commitChaincode(g *config.Org, seq int64) error {
	common, err := n.definitionFlags(seq)
	if err != nil {
		return err
	}
	args := append([]string{"lifecycle", "chaincode", "commit"}, common...)
	for _, m := range n.members() {
		d, err := n.Definition(m.Name)
		if err != nil {
			return err
		}
		args = append(args, "--peerAddresses", d.Peers[0].Address, "--tlsRootCertFiles", d.TLSCACert)
	}
	if err := retry(20*time.Second, func() error { return n.run(n.peerCLIEnv(g, firstPeer(g)), "peer", args...) }); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// committedSequence is the committed definition's sequence, 0 if none, as
// org g's peer sees it.
func (n *Net) committedSequence(g *config.Org) (int64, error) {
	out, err := n.output(n.peerCLIEnv(g, firstPeer(g)), "peer", "lifecycle", "chaincode", "querycommitted",
		"--channelID", n.P.Channel, "--name", n.P.Chaincode.Name, "-O", "json")
	if err != nil {
		if strings.Contains(string(out), "not found") || strings.Contains(string(out), "is not defined") {
			return 0, nil
		}
		return 0, err
	}
	var q struct {
		Sequence int64 `json:"sequence"`
	}
	if err := json.Unmarshal(out, &q); err != nil {
		return 0, fmt.Errorf("querycommitted: %w: %s", err, out)
	}
	return q.Sequence, nil
}

// ensureRunning starts s unless it runs, saving its command line, and waits
// for its main port.
func (n *Net) ensureRunning(s *proc.Spec) error {
	if err := s.Save(n.RunDir()); err != nil {
		return err
	}
	if s.PID() != 0 {
		return nil
	}
	if len(s.Ports) > 0 && !proc.WaitPortFree(s.Addr(s.Ports[0]), 5*time.Second) {
		return &BusyPortError{Addr: s.Addr(s.Ports[0]), Field: s.Name, Holder: proc.Holder(s.Ports[0])}
	}
	if _, err := s.Start(); err != nil {
		return err
	}
	if len(s.Ports) == 0 {
		return nil
	}
	return proc.WaitPort(s, s.Ports[0], 60*time.Second)
}

// BusyPortError names an address something else already listens on.
type BusyPortError struct {
	Addr   string // host:port
	Field  string
	Holder string // the listening process, when it can be found
}

func (e *BusyPortError) Error() string {
	by := "another program"
	if e.Holder != "" {
		by = e.Holder
	}
	return fmt.Sprintf("%s (%s) is already in use by %s; stop it or use --port-offset", e.Addr, e.Field, by)
}

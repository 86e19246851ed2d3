package cluster

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/qrsign/qrsign/network/proc"
)

// Deployed is what <state>/chaincode/deployed.json remembers of the last
// committed definition, so `up` only upgrades when the binary changed.
type Deployed struct {
	Hash      string `json:"hash"` // sha256 of the chaincode binary
	PackageID string `json:"packageId"`
	Sequence  int64  `json:"sequence"`
	Policy    string `json:"policy"`
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

// goBuild builds pkg (relative to repo) into out, naming pkg on failure.
func goBuild(repo, out, pkg string) error {
	if _, err := exec.LookPath("go"); err != nil {
		return fmt.Errorf("missing tool: go (needed to build %s)", pkg)
	}
	cmd := exec.Command("go", "build", "-o", out+".tmp", pkg)
	cmd.Dir = repo
	cmd.Env = append(os.Environ(), "GONOSUMDB=github.com/hyperledger")
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

func (n *Net) chaincodeSpec(packageID string) *proc.Spec {
	env := append(n.baseEnv(), "CHAINCODE_ID="+packageID, "CHAINCODE_SERVER_ADDRESS="+addr(n.P.Chaincode.ServerPort))
	return n.spec("chaincode", n.path("bin", "chaincode"), nil, env, n.P.Chaincode.ServerPort)
}

// DeployChaincode builds the chaincode, and when its binary or the policy
// changed (or nothing is committed yet) packages it, installs it on every
// peer, (re)starts the chaincode server, approves for every org and commits
// the next sequence. Otherwise it only makes sure the server runs.
func (n *Net) DeployChaincode() (*Deployed, error) {
	done := n.phase("chaincode: build ./chaincode")
	hash, err := n.BuildChaincode()
	if err != nil {
		return nil, err
	}
	done()
	policy := n.P.EndorsementPolicy()
	var prev Deployed
	if b, err := os.ReadFile(n.deployedFile()); err == nil {
		json.Unmarshal(b, &prev)
	}
	committed, err := n.committedSequence()
	if err != nil {
		return nil, err
	}
	if prev.Hash == hash && prev.Policy == policy && committed == prev.Sequence && committed > 0 {
		fmt.Fprintf(n.Log, "    chaincode unchanged (sequence %d)\n", committed)
		if err := n.ensureRunning(n.chaincodeSpec(prev.PackageID)); err != nil {
			return nil, err
		}
		return &prev, nil
	}
	seq := committed + 1
	done = n.phase(fmt.Sprintf("chaincode: package, install, approve, commit %s sequence %d", n.P.Chaincode.Name, seq))
	label := n.P.Chaincode.Name + "_" + hash[:12]
	pkg := n.path("chaincode", label+".tar.gz")
	if err := packageCCaaS(pkg, label, addr(n.P.Chaincode.ServerPort)); err != nil {
		return nil, err
	}
	g0 := n.P.Orgs[0]
	out, err := n.output(n.peerCLIEnv(g0, firstPeer(g0)), "peer", "lifecycle", "chaincode", "calculatepackageid", pkg)
	if err != nil {
		return nil, err
	}
	pkgID := strings.TrimSpace(string(out))
	for _, g := range n.P.Orgs {
		for _, p := range g.Peers {
			out, err := n.output(n.peerCLIEnv(g, p), "peer", "lifecycle", "chaincode", "install", pkg)
			if err != nil && !strings.Contains(string(out), "already successfully installed") {
				return nil, fmt.Errorf("install on %s: %w", peerName(g, p), err)
			}
		}
	}
	// The peer dials the chaincode right after commit: start it first.
	old, _ := proc.Load(n.RunDir(), "chaincode")
	if old != nil {
		old.Stop(5 * time.Second)
	}
	if err := n.ensureRunning(n.chaincodeSpec(pkgID)); err != nil {
		return nil, err
	}
	ord := n.P.OrdererOrg.Orderers[0]
	common := []string{"-o", addr(ord.Port), "--tls", "--cafile", n.ordererTLSCA(),
		"--channelID", n.P.Channel, "--name", n.P.Chaincode.Name, "--version", n.P.Chaincode.Version,
		"--sequence", fmt.Sprint(seq), "--signature-policy", policy}
	for _, g := range n.P.Orgs {
		args := append([]string{"lifecycle", "chaincode", "approveformyorg", "--package-id", pkgID}, common...)
		if err := retry(20*time.Second, func() error { return n.run(n.peerCLIEnv(g, firstPeer(g)), "peer", args...) }); err != nil {
			return nil, fmt.Errorf("approve for %s: %w", g.MSPID, err)
		}
	}
	args := append([]string{"lifecycle", "chaincode", "commit"}, common...)
	for _, g := range n.P.Orgs {
		args = append(args, "--peerAddresses", addr(firstPeer(g).Port), "--tlsRootCertFiles", n.orgTLSCA(g))
	}
	if err := retry(20*time.Second, func() error { return n.run(n.peerCLIEnv(g0, firstPeer(g0)), "peer", args...) }); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	d := &Deployed{Hash: hash, PackageID: pkgID, Sequence: seq, Policy: policy}
	b, _ := json.MarshalIndent(d, "", "  ")
	if err := os.WriteFile(n.deployedFile(), b, 0o644); err != nil {
		return nil, err
	}
	done()
	return d, nil
}

// committedSequence is the committed definition's sequence, 0 if none.
func (n *Net) committedSequence() (int64, error) {
	g := n.P.Orgs[0]
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
	if len(s.Ports) > 0 && !proc.WaitPortFree(s.Ports[0], 5*time.Second) {
		return &BusyPortError{Port: s.Ports[0], Field: s.Name, Holder: proc.Holder(s.Ports[0])}
	}
	if _, err := s.Start(); err != nil {
		return err
	}
	if len(s.Ports) == 0 {
		return nil
	}
	return proc.WaitPort(s, s.Ports[0], 60*time.Second)
}

// BusyPortError names a port something else already listens on.
type BusyPortError struct {
	Port   int
	Field  string
	Holder string // the listening process, when it can be found
}

func (e *BusyPortError) Error() string {
	by := "another program"
	if e.Holder != "" {
		by = e.Holder
	}
	return fmt.Sprintf("port %d (%s) is already in use by %s; stop it or use --port-offset", e.Port, e.Field, by)
}

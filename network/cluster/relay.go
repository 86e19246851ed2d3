package cluster

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/qrsign/qrsign/network/config"
	"github.com/qrsign/qrsign/network/netinfo"
	"github.com/qrsign/qrsign/network/proc"
)

// relayConfig is the relay's config file (the format is relay/config.Config's YAML).
type relayConfig struct {
	Org          string       `yaml:"org"`
	Listen       string       `yaml:"listen"`
	PublicURL    string       `yaml:"publicURL"`
	DataDir      string       `yaml:"dataDir"`
	Channel      string       `yaml:"channel"`
	Chaincode    string       `yaml:"chaincode"`
	Gateway      relayGateway `yaml:"gateway"`
	CA           relayCA      `yaml:"ca"`
	APIKeys      []relayKey   `yaml:"apiKeys"`
	TokenKeyFile string       `yaml:"tokenKeyFile"`
	MetricsToken string       `yaml:"metricsToken"` // GET /metrics needs it (the relay serves it to nobody without)
	TSA          relayTSA     `yaml:"tsa,omitempty"`
	SignerWasm   string       `yaml:"signerWasm"` // the phone page's signer module, wasm_exec.js beside it
}

type relayTSA struct {
	CertFile string `yaml:"certFile,omitempty"`
	KeyFile  string `yaml:"keyFile,omitempty"`
}

type relayGateway struct {
	Endpoint   string `yaml:"endpoint"`
	ServerName string `yaml:"serverName"`
	// Endpoints are every peer of the org, the preferred (first) one also
	// in Endpoint for readers of the single form.
	Endpoints     []relayPeer `yaml:"endpoints,omitempty"`
	TLSCACertFile string      `yaml:"tlsCACertFile"`
	MSPID         string      `yaml:"mspId"`
	CertFile      string      `yaml:"certFile"`
	KeyFile       string      `yaml:"keyFile"`
}

type relayPeer struct {
	Endpoint   string `yaml:"endpoint"`
	ServerName string `yaml:"serverName"`
}

type relayCA struct {
	URL         string `yaml:"url"`
	TLSCertFile string `yaml:"tlsCertFile"`
}

type relayKey struct {
	Name   string   `yaml:"name"`
	Key    string   `yaml:"key"`
	Scopes []string `yaml:"scopes"`
}

// HasRelay reports whether the repository has the relay command.
func (n *Net) HasRelay() bool { return exists(filepath.Join(n.Repo, "relay", "cmd", "relay")) }

// StartRelays builds the relay and runs one per member org with its config,
// waiting for /healthz. It fills in.Orgs[i].Relay.
func (n *Net) StartRelays(in *netinfo.Info) error {
	if err := n.BuildRelay(); err != nil {
		return err
	}
	for i, g := range n.members() {
		if err := n.StartRelay(g, &in.Orgs[i]); err != nil {
			return err
		}
	}
	return nil
}

// BuildRelay builds ./relay/cmd/relay into <state>/bin/relay, and beside
// it the phone page's signer module (./relay/cmd/signer-wasm for js/wasm)
// with the wasm_exec.js of the Go that built it: the relay serves both.
func (n *Net) BuildRelay() error {
	if err := goBuild(n.Repo, n.relayBin(), "./relay/cmd/relay"); err != nil {
		return err
	}
	return BuildSignerWasm(n.Repo, n.signerWasm())
}

func (n *Net) relayBin() string { return n.path("bin", "relay") }

func (n *Net) signerWasm() string { return n.path("bin", "signer.wasm") }

// BuildSignerWasm builds the phone page's signer module into out and copies
// wasm_exec.js (from `go env GOROOT`/lib/wasm) beside it.
func BuildSignerWasm(repo, out string) error {
	if err := goBuild(repo, out, "./relay/cmd/signer-wasm", "GOOS=js", "GOARCH=wasm"); err != nil {
		return err
	}
	root, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return fmt.Errorf("go env GOROOT: %w", err)
	}
	glue, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(root)), "lib", "wasm", "wasm_exec.js"))
	if err != nil {
		return fmt.Errorf("the signer module's wasm_exec.js: %w", err)
	}
	dst := filepath.Join(filepath.Dir(out), "wasm_exec.js")
	if err := os.WriteFile(dst+".tmp", glue, 0o644); err != nil {
		return err
	}
	return os.Rename(dst+".tmp", dst)
}

// StartRelay is one org's step: write its relay config, (re)start its relay
// when something changed, wait for /healthz and set o.Relay.
func (n *Net) StartRelay(g *config.Org, o *netinfo.Org) error {
	r, s, err := n.relayFiles(g, o, n.relayBin())
	if err != nil {
		return err
	}
	o.Relay = r
	// A new signer module restarts the relay too: it reads the module at start.
	if err := n.restartIfChanged(s, filepath.Join(n.relayIDHome(g), "msp", "signcerts", "cert.pem"), n.signerWasm()); err != nil {
		return err
	}
	return waitHTTP(s, r.URL+"/healthz", 60*time.Second)
}

func (n *Net) relayFiles(g *config.Org, o *netinfo.Org, bin string) (*netinfo.Relay, *proc.Spec, error) {
	data := n.relayData(g)
	if err := os.MkdirAll(data, 0o700); err != nil {
		return nil, nil, err
	}
	key, err := secretFile(filepath.Join(data, "api.key"))
	if err != nil {
		return nil, nil, err
	}
	metricsToken, err := secretFile(filepath.Join(data, "metrics.token"))
	if err != nil {
		return nil, nil, err
	}
	listen := hostPort(g.Host, g.Relay.Port)
	url := "http://" + listen
	peer := o.Peers[0]
	cfg := relayConfig{Org: g.Name, Listen: listen, PublicURL: url, DataDir: data,
		Channel: n.P.Channel, Chaincode: n.P.Chaincode.Name,
		Gateway: relayGateway{Endpoint: peer.Address, ServerName: peer.HostName, TLSCACertFile: peer.TLSCACert,
			MSPID: o.MSPID, CertFile: o.Client.CertFile, KeyFile: o.Client.KeyFile, Endpoints: relayPeers(o.Peers)},
		CA:           relayCA{URL: o.CA.URL, TLSCertFile: o.CA.TLSCertFile},
		APIKeys:      []relayKey{{Name: g.Name + "-app", Key: key, Scopes: []string{"documents:write"}}},
		TokenKeyFile: filepath.Join(data, "token.key"),
		MetricsToken: metricsToken,
		SignerWasm:   n.signerWasm(),
	}
	if cfg.TSA.CertFile, cfg.TSA.KeyFile, err = n.relayTSA(g); err != nil {
		return nil, nil, fmt.Errorf("%s: relay TSA certificate: %w", g.Name, err)
	}
	b, err := yaml.Marshal(cfg)
	if err != nil {
		return nil, nil, err
	}
	cfgFile := filepath.Join(n.OrgHome(g.Name), "relay-"+g.Name+".yaml")
	if err := os.WriteFile(cfgFile, b, 0o600); err != nil {
		return nil, nil, err
	}
	name := relayName(g)
	s := n.spec(name, g.Host, bin, []string{"--config", cfgFile}, n.baseEnv(), g.Relay.Port)
	return &netinfo.Relay{URL: url, ConfigFile: cfgFile, APIKey: key, PIDFile: s.PIDFile, LogFile: s.LogFile}, s, nil
}

// secretFile is the secret kept in path (0600), made (32 random bytes, hex)
// the first time, so a restarted network keeps its keys.
func secretFile(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	v, err := randomHex(32)
	if err != nil {
		return "", err
	}
	return v, os.WriteFile(path, []byte(v+"\n"), 0o600)
}

// restartIfChanged starts s, restarting a running relay only when its binary,
// config file or one of the extra files (its identity) changed since it was
// started (so `up` leaves a current relay and its clients alone).
func (n *Net) restartIfChanged(s *proc.Spec, extra ...string) error {
	stamp := n.path("run", s.Name+".stamp")
	h := sha256.New()
	for _, f := range append(append([]string{s.Path}, s.Args...), extra...) {
		if b, err := os.ReadFile(f); err == nil {
			h.Write(b)
		}
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if old, _ := os.ReadFile(stamp); s.PID() != 0 && string(old) != sum {
		s.Stop(5 * time.Second)
	}
	if err := n.ensureRunning(s); err != nil {
		return err
	}
	return os.WriteFile(stamp, []byte(sum), 0o644)
}

// waitHTTP waits for a 200 from url while the process lives.
func waitHTTP(s *proc.Spec, url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	c := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := c.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		if s.Exited() {
			return s.ExitedError()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: %s not healthy after %s; see %s", s.Name, url, timeout, s.LogFile)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// relayPeers lists every peer of the org for the relay's failover, in the
// org's order (the first is the preferred one).
func relayPeers(peers []netinfo.Node) []relayPeer {
	var out []relayPeer
	for _, p := range peers {
		out = append(out, relayPeer{Endpoint: p.Address, ServerName: p.HostName})
	}
	return out
}

package cluster

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/network/config"
)

// bootEnv is the FABRIC_CA_SERVER_BOOT of a Fabric CA spec.
func bootEnv(t *testing.T, n *Net, g *config.Org) string {
	t.Helper()
	s, err := n.caSpec(g)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range s.Args {
		if a == "-b" || a == "--boot" || strings.Contains(a, "adminpw") {
			t.Errorf("%s: bootstrap identity on the command line: %q", s.Name, s.Args)
		}
	}
	var boot string
	for _, e := range s.Env {
		if v, ok := strings.CutPrefix(e, "FABRIC_CA_SERVER_BOOT="); ok {
			boot = v
		}
	}
	return boot
}

// Each org's Fabric CA has its own random bootstrap secret, per signer CA
// generation, kept 0600 beside that generation's key and given to the
// server through its environment, not argv; a CA made before the secret
// was (database, no secret file) keeps admin:adminpw.
func TestCABootstrapSecretIsPerOrgAndNotOnTheCommandLine(t *testing.T) {
	b, err := os.ReadFile("../../test-network.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := config.Parse("test-network.yaml", b, "default", 0)
	if err != nil {
		t.Fatal(err)
	}
	n := &Net{P: p, State: t.TempDir(), Bin: "/bin"}
	g1, g2 := p.Orgs[0], p.Orgs[1]
	re := regexp.MustCompile(`^admin:[0-9a-f]{64}$`)
	boot1, boot2 := bootEnv(t, n, g1), bootEnv(t, n, g2)
	if !re.MatchString(boot1) || !re.MatchString(boot2) {
		t.Fatalf("FABRIC_CA_SERVER_BOOT %q and %q, want admin:<64 hex digits>", boot1, boot2)
	}
	if boot1 == boot2 {
		t.Errorf("%s and %s share the bootstrap secret", g1.Name, g2.Name)
	}
	if again := bootEnv(t, n, g1); again != boot1 {
		t.Errorf("secret changed between starts: %q, then %q", boot1, again)
	}
	f := caBootSecretFile(n.signerCA(g1))
	if want := filepath.Join(n.OrgHome(g1.Name), "signer-ca", "1", "bootstrap.secret"); f != want {
		t.Errorf("secret file %s, want %s", f, want)
	}
	fi, err := os.Stat(f)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s mode %v, want -rw-------", f, fi.Mode().Perm())
	}
	if fi, err := os.Stat(n.signerCA(g1).Home); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("Fabric CA home (its config file holds the secret): %v, %v; want drwx------", fi.Mode(), err)
	}
	if got, err := os.ReadFile(f); err != nil || "admin:"+strings.TrimSpace(string(got)) != boot1 {
		t.Errorf("secret file %q, %v; spec has %q", got, err, boot1)
	}

	// A new generation (RotateCA) gets a new secret.
	os.WriteFile(filepath.Join(n.signerCADir(g1), "current"), []byte("2\n"), 0o644)
	if gen2 := bootEnv(t, n, g1); !re.MatchString(gen2) || gen2 == boot1 {
		t.Errorf("generation 2: %q (generation 1: %q)", gen2, boot1)
	}

	// A state from before: the CA's database exists, no secret file.
	old := &Net{P: p, State: t.TempDir(), Bin: "/bin"}
	ca := old.signerCA(g1)
	os.MkdirAll(ca.Home, 0o755)
	os.WriteFile(filepath.Join(ca.Home, "fabric-ca-server.db"), nil, 0o644)
	if got := bootEnv(t, old, g1); got != "admin:adminpw" {
		t.Errorf("legacy CA: FABRIC_CA_SERVER_BOOT %q, want admin:adminpw", got)
	}
	if _, err := os.Stat(caBootSecretFile(ca)); !os.IsNotExist(err) {
		t.Errorf("legacy CA got a secret file it cannot use: %v", err)
	}
}

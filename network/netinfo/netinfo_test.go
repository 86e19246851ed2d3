package netinfo

import (
	"os"
	"path/filepath"
	"testing"
)

// network.json holds every org's relay API key: Save writes it 0600, also
// over an older world-readable file and a leftover temporary file.
func TestSaveWritesNetworkJSONOwnerOnly(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, FileName)
	if err := os.WriteFile(p, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p+".tmp", []byte("{}"), 0o666); err != nil {
		t.Fatal(err)
	}
	in := &Info{StateDir: dir, Orgs: []Org{{Name: "org1", Relay: &Relay{APIKey: "s3cr3t-org1"}},
		{Name: "org2", Relay: &Relay{APIKey: "s3cr3t-org2"}}}}
	if err := in.Save(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("network.json mode %v, want -rw-------", got)
	}
	back, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Orgs) != 2 || back.Orgs[1].Relay == nil || back.Orgs[1].Relay.APIKey != "s3cr3t-org2" {
		t.Errorf("Load after Save: %+v", back.Orgs)
	}
	if _, err := os.Stat(p + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("temporary file left behind: %v", err)
	}
}

package netinfo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeCAClient is a fabric-ca-client that records its argv and the
// FABRIC_CA_CLIENT_* part of its environment, one run per line pair.
func fakeCAClient(t *testing.T) (binDir, record string) {
	t.Helper()
	binDir = t.TempDir()
	record = filepath.Join(binDir, "record")
	script := "#!/bin/sh\necho \"argv $*\" >> " + record + "\nenv | grep '^FABRIC_CA_CLIENT_' | sort | sed 's/^/env /' >> " + record + "\n"
	if err := os.WriteFile(filepath.Join(binDir, "fabric-ca-client"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return binDir, record
}

// Enrollment and registration secrets reach fabric-ca-client through its
// environment (FABRIC_CA_CLIENT_URL, FABRIC_CA_CLIENT_ID_SECRET), never its
// command line, which any local user can read.
func TestCAClientSecretsAreNotInArgv(t *testing.T) {
	binDir, record := fakeCAClient(t)
	t.Setenv("FABRIC_CA_CLIENT_URL", "https://stale@elsewhere")
	o := &Org{Name: "org1", MSPID: "Org1MSP", CA: CA{URL: "https://127.0.0.3:7054", TLSCertFile: "/tls.pem", RegistrarHome: "/reg"}}
	if err := o.RegisterUser(binDir, "alice", "s3cret-a", "qrsign.role=signer"); err != nil {
		t.Fatal(err)
	}
	if err := o.RegisterSigner(binDir, "bob", "s3cret-b"); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	o.Enroll(binDir, "carol", "p@ss:word", home) // no MSP written: only the call matters
	b, err := os.ReadFile(record)
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"argv register --id.name alice --id.type client --id.attrs qrsign.role=signer -u https://127.0.0.3:7054 --tls.certfiles /tls.pem --home /reg",
		"env FABRIC_CA_CLIENT_HOME=/reg",
		"env FABRIC_CA_CLIENT_ID_SECRET=s3cret-a",
		"env FABRIC_CA_CLIENT_URL=https://stale@elsewhere",
		"argv register --id.name bob --id.type client --id.maxenrollments 1 -u https://127.0.0.3:7054 --tls.certfiles /tls.pem --home /reg",
		"env FABRIC_CA_CLIENT_HOME=/reg",
		"env FABRIC_CA_CLIENT_ID_SECRET=s3cret-b",
		"env FABRIC_CA_CLIENT_URL=https://stale@elsewhere",
		"argv enroll --tls.certfiles /tls.pem --home " + home,
		"env FABRIC_CA_CLIENT_HOME=" + home,
		"env FABRIC_CA_CLIENT_URL=https://carol:p%40ss%3Aword@127.0.0.3:7054",
		"",
	}, "\n")
	if string(b) != want {
		t.Errorf("fabric-ca-client runs:\n%s\nwant:\n%s", b, want)
	}
}

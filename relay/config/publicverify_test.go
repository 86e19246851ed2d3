package config

import (
	"strings"
	"testing"
)

func TestPublicVerifyIsOnUnlessTurnedOff(t *testing.T) {
	for _, c := range []struct {
		name    string
		yaml    string
		environ []string
		want    bool
	}{
		{"default on", sample, []string{}, true},
		{"off in the file", sample + "publicVerify: false\n", []string{}, false},
		{"off in the environment", sample, []string{"QRSIGN_RELAY_PUBLIC_VERIFY=false"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Load(write(t, c.yaml), c.environ)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.PublicVerify != c.want {
				t.Fatalf("publicVerify %v, want %v", cfg.PublicVerify, c.want)
			}
		})
	}
}

// publicSigners defaults to org, can be set in the file or the environment,
// and anything but none, org or identity is refused with the field named.
func TestPublicSignersDefaultsToOrgAndIsValidated(t *testing.T) {
	for _, c := range []struct {
		name, yaml string
		environ    []string
		want, err  string
	}{
		{"default org", sample, nil, "org", ""},
		{"identity in the file", sample + "publicSigners: identity\n", nil, "identity", ""},
		{"none in the environment", sample, []string{"QRSIGN_RELAY_PUBLIC_SIGNERS=none"}, "none", ""},
		{"unknown level", sample + "publicSigners: names\n", nil, "", `publicSigners: must be none, org or identity, not "names"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Load(write(t, c.yaml), c.environ)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.PublicSigners != c.want {
				t.Fatalf("publicSigners %q, want %q", cfg.PublicSigners, c.want)
			}
		})
	}
}

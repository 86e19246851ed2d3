package config

import "testing"

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

package config

import (
	"reflect"
	"strings"
	"testing"
)

const single = `  endpoint: "127.0.0.1:7051"
  serverName: "localhost"
`

func withEndpoints(t *testing.T, gw string) (*Config, error) {
	t.Helper()
	if !strings.Contains(sample, single) {
		t.Fatal("sample changed")
	}
	return Load(write(t, strings.Replace(sample, single, gw, 1)), []string{})
}

func TestSingleEndpointIsAOneElementList(t *testing.T) {
	c, err := Load(write(t, sample), []string{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Gateway.Peers(), []Peer{{"127.0.0.1:7051", "localhost"}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("%v, want %v", got, want)
	}
}

func TestEndpointsKeepTheirOrderAndInheritTheServerName(t *testing.T) {
	c, err := withEndpoints(t, `  serverName: "localhost"
  endpoints:
    - endpoint: "127.0.0.1:7151"
    - endpoint: "127.0.0.1:7051"
      serverName: "peer0.org1"
`)
	if err != nil {
		t.Fatal(err)
	}
	want := []Peer{{"127.0.0.1:7151", "localhost"}, {"127.0.0.1:7051", "peer0.org1"}}
	if got := c.Gateway.Peers(); !reflect.DeepEqual(got, want) {
		t.Fatalf("%v, want %v", got, want)
	}
}

func TestEndpointsValidationNamesTheBadEntry(t *testing.T) {
	cases := []struct{ name, gw, want string }{
		{"neither form", `  serverName: "localhost"
`, `gateway.endpoint: "" is not host:port`},
		{"entry without port", `  endpoints:
    - endpoint: "127.0.0.1:7051"
    - endpoint: "peer1"
`, `gateway.endpoints[1].endpoint: "peer1" is not host:port`},
		{"repeated entry", `  endpoints:
    - endpoint: "127.0.0.1:7051"
    - endpoint: "127.0.0.1:7151"
    - endpoint: "127.0.0.1:7051"
`, `gateway.endpoints[2].endpoint: "127.0.0.1:7051" repeats gateway.endpoints[0]`},
		{"single endpoint not the preferred one", `  endpoint: "127.0.0.1:7151"
  endpoints:
    - endpoint: "127.0.0.1:7051"
    - endpoint: "127.0.0.1:7151"
`, `gateway.endpoint: "127.0.0.1:7151" must be the first of gateway.endpoints ("127.0.0.1:7051") or be left out`},
		{"probe too often", `  endpoint: "127.0.0.1:7051"
  probeInterval: 10ms
`, `gateway.probeInterval: must be at least 100ms`},
		{"probe timeout too short", `  endpoint: "127.0.0.1:7051"
  probeTimeout: 200ms
`, `gateway.probeTimeout: must be at least 1s`},
		{"negative probe misses", `  endpoint: "127.0.0.1:7051"
  probeMisses: -1
`, `gateway.probeMisses: must be 1..100 (0: the default, 3)`},
		{"unknown key in an entry", `  endpoints:
    - endpoint: "127.0.0.1:7051"
      host: "x"
`, `field host not found`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := withEndpoints(t, tc.gw)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestBothFormsAgreeingIsAccepted(t *testing.T) {
	c, err := withEndpoints(t, `  endpoint: "127.0.0.1:7051"
  serverName: "localhost"
  endpoints:
    - endpoint: "127.0.0.1:7051"
    - endpoint: "127.0.0.1:7151"
`)
	if err != nil {
		t.Fatal(err)
	}
	if p := c.Gateway.Peers(); len(p) != 2 || p[1].ServerName != "localhost" {
		t.Fatalf("%v", p)
	}
}

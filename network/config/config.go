// Package config is the declarative description of a qrsign test network:
// test-network.yaml holds named profiles, each a full consortium (orderer org,
// member orgs, channel, chaincode, block cutting, every port). Load decodes it
// strictly (unknown keys are errors) and Validate names the offending field,
// so a bad file stops `network up` before anything starts.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"time"

	"go.yaml.in/yaml/v3"
)

// File is test-network.yaml.
type File struct {
	Profiles map[string]*Profile `yaml:"profiles"`
}

// Profile is one network layout.
type Profile struct {
	Channel      string       `yaml:"channel"`
	Chaincode    Chaincode    `yaml:"chaincode"`
	BlockCutting BlockCutting `yaml:"blockCutting"`
	OrdererOrg   OrdererOrg   `yaml:"ordererOrg"`
	Orgs         []*Org       `yaml:"orgs"`
	// Joining are orgs that are not founding members: `network org add ORG`
	// brings one into the running channel.
	Joining []*Org `yaml:"joining,omitempty"`
}

// Chaincode is the chaincode definition. The sequence is not configured: it
// starts at 1 and `up` bumps it whenever the chaincode binary changes.
type Chaincode struct {
	Name    string `yaml:"name"`
	Version string `yaml:"version"`
	// Endorsement is "majority" (more than half of the orgs), "all" or
	// "any" of the channel's current members (the channel's
	// Application/Endorsement policy, so it follows membership), or a
	// literal Fabric signature policy such as "OR('Org1MSP.peer')".
	Endorsement string `yaml:"endorsement"`
	// ServerPort is where the chaincode server (chaincode as a service) listens.
	ServerPort int `yaml:"serverPort"`
}

// BlockCutting is the orderer's batch configuration.
type BlockCutting struct {
	BatchTimeout    Duration `yaml:"batchTimeout"`
	MaxMessageCount int      `yaml:"maxMessageCount"`
}

// OrdererOrg is the ordering service organisation.
type OrdererOrg struct {
	Name   string `yaml:"name"`
	MSPID  string `yaml:"mspId"`
	Domain string `yaml:"domain"`
	// Host is the IP address every node of the org listens on (its own
	// host; on one machine its own loopback address).
	Host     string     `yaml:"host"`
	Orderers []*Orderer `yaml:"orderers"`
}

// Orderer is one Raft orderer.
type Orderer struct {
	Name      string `yaml:"name"`
	Port      int    `yaml:"port"`
	AdminPort int    `yaml:"adminPort"`
	OpsPort   int    `yaml:"opsPort"`
}

// Org is a member org: peers, a Fabric CA, a relay.
type Org struct {
	Name   string `yaml:"name"`
	MSPID  string `yaml:"mspId"`
	Domain string `yaml:"domain"`
	// Host is the IP address the org's nodes listen on (see OrdererOrg.Host).
	Host  string  `yaml:"host"`
	CA    CA      `yaml:"ca"`
	Peers []*Peer `yaml:"peers"`
	Relay Relay   `yaml:"relay"`
}

// CA is the org's Fabric CA server.
type CA struct {
	Port    int `yaml:"port"`
	OpsPort int `yaml:"opsPort"`
}

// Peer is one peer of an org.
type Peer struct {
	Name          string `yaml:"name"`
	Port          int    `yaml:"port"`
	ChaincodePort int    `yaml:"chaincodePort"`
	OpsPort       int    `yaml:"opsPort"`
}

// Relay is the org's relay HTTP listener.
type Relay struct {
	Port int `yaml:"port"`
}

// Duration is a time.Duration written as "250ms" in YAML.
type Duration time.Duration

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// UnmarshalYAML reads a Go duration string.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: bad duration %q", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration as a string.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// Error is a validation failure naming the field, e.g.
// "profiles.default.orgs[1].peers[0].port: 7051 is also profiles.default.orgs[0].peers[0].port".
type Error struct {
	Field string
	Msg   string
}

func (e *Error) Error() string { return e.Field + ": " + e.Msg }

// Load reads path, decodes it strictly and returns the named profile with
// offset added to every port, validated.
func Load(path, profile string, offset int) (*Profile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, b, profile, offset)
}

// Parse is Load on bytes; name is used in messages.
func Parse(name string, b []byte, profile string, offset int) (*Profile, error) {
	var f File
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w", name, unwrapYAML(err))
	}
	p, ok := f.Profiles[profile]
	if !ok || p == nil {
		return nil, fmt.Errorf("%s: %w", name, &Error{Field: "profiles." + profile, Msg: "no such profile"})
	}
	p.AddOffset(offset)
	if err := p.Validate("profiles." + profile); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return p, nil
}

// unwrapYAML turns yaml.v3's "yaml: unmarshal errors:\n  line 3: field x not
// found in type config.Profile" into one line.
func unwrapYAML(err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		return errors.New(joinLines(te.Errors))
	}
	return err
}

func joinLines(s []string) string {
	out := s[0]
	for _, l := range s[1:] {
		out += "; " + l
	}
	return out
}

// AddOffset adds n to every port so a second network can run beside the first.
func (p *Profile) AddOffset(n int) {
	if n == 0 {
		return
	}
	done := map[*int]bool{}
	for _, a := range p.addrs() {
		if *a.port != 0 && !done[a.port] {
			*a.port += n
			done[a.port] = true
		}
	}
}

// Addr is one listening address of the profile and the field naming its port.
type Addr struct {
	Field string // relative to the profile, e.g. orgs[0].peers[0].port
	Host  string
	Port  int
}

type addrRef struct {
	field, host string
	port        *int
	joining     bool // of an org in Joining
}

// addrs lists every listener with its field path (relative to the profile).
// The chaincode server listens on chaincode.serverPort on every member's host.
func (p *Profile) addrs() []addrRef {
	var r []addrRef
	oo := p.OrdererOrg
	for i, o := range oo.Orderers {
		if o == nil {
			continue
		}
		f := fmt.Sprintf("ordererOrg.orderers[%d].", i)
		r = append(r, addrRef{f + "port", oo.Host, &o.Port, false}, addrRef{f + "adminPort", oo.Host, &o.AdminPort, false},
			addrRef{f + "opsPort", oo.Host, &o.OpsPort, false})
	}
	member := func(list string, orgs []*Org) {
		joining := list == "joining"
		for i, g := range orgs {
			if g == nil {
				continue
			}
			at := func(field string, port *int) addrRef { return addrRef{field, g.Host, port, joining} }
			f := fmt.Sprintf("%s[%d].", list, i)
			r = append(r, at("chaincode.serverPort", &p.Chaincode.ServerPort),
				at(f+"ca.port", &g.CA.Port), at(f+"ca.opsPort", &g.CA.OpsPort))
			for j, pe := range g.Peers {
				if pe == nil {
					continue
				}
				pf := fmt.Sprintf("%speers[%d].", f, j)
				r = append(r, at(pf+"port", &pe.Port), at(pf+"chaincodePort", &pe.ChaincodePort), at(pf+"opsPort", &pe.OpsPort))
			}
			r = append(r, at(f+"relay.port", &g.Relay.Port))
		}
	}
	member("orgs", p.Orgs)
	member("joining", p.Joining)
	return r
}

// Addrs returns every listener of the founding members and the orderer
// org in declaration order (for the busy-port check).
func (p *Profile) Addrs() []Addr {
	var out []Addr
	for _, a := range p.addrs() {
		if !a.joining {
			out = append(out, Addr{a.field, a.host, *a.port})
		}
	}
	return out
}

// OrgAddrs returns the listeners of one member org (founding or joining).
func (p *Profile) OrgAddrs(g *Org) []Addr {
	var out []Addr
	for _, a := range p.addrs() {
		if a.host == g.Host {
			out = append(out, Addr{a.field, a.host, *a.port})
		}
	}
	return out
}

// Member returns the founding or joining org with that name or MSP id.
func (p *Profile) Member(nameOrMSP string) (*Org, bool) {
	for _, g := range append(append([]*Org{}, p.Orgs...), p.Joining...) {
		if g != nil && (g.Name == nameOrMSP || g.MSPID == nameOrMSP) {
			return g, true
		}
	}
	return nil, false
}

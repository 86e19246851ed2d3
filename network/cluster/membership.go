package cluster

import (
	"slices"

	"github.com/qrsign/qrsign/network/config"
)

// Membership is how the channel's members differ from the profile's
// founding orgs, as of the last configuration update submitted from this
// state (<state>/channel/membership.json): joining orgs the channel has,
// founding orgs it no longer has.
type Membership struct {
	Joined  []string `json:"joined"`
	Removed []string `json:"removed"`
}

func (n *Net) membershipFile() string { return n.path("channel", "membership.json") }

// LoadMembership reads the membership record (empty for a network never changed).
func (n *Net) LoadMembership() (Membership, error) {
	var m Membership
	err := readJSON(n.membershipFile(), &m)
	return m, err
}

func (n *Net) saveMembership(m Membership) error { return writeJSON(n.membershipFile(), m) }

// members are the channel's current member orgs: the founding orgs and the
// joined ones, less the removed ones (per n.M, loaded by Up and the org
// commands).
func (n *Net) members() []*config.Org {
	m := n.M
	var out []*config.Org
	for _, g := range n.P.Orgs {
		if !slices.Contains(m.Removed, g.Name) {
			out = append(out, g)
		}
	}
	for _, name := range m.Joined {
		if g, ok := n.P.Member(name); ok {
			out = append(out, g)
		}
	}
	return out
}

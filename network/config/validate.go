package config

import (
	"fmt"
	"net"
	"regexp"
	"strings"
)

var (
	reName    = regexp.MustCompile(`^[a-z][a-z0-9-]{0,30}$`)
	reChannel = regexp.MustCompile(`^[a-z][a-z0-9.-]{0,48}$`)
	reMSPID   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9.-]{0,62}$`)
	reDomain  = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$`)
)

// Validate checks the profile; the first problem is returned as an *Error whose
// Field is the path below prefix (e.g. "profiles.default").
func (p *Profile) Validate(prefix string) error {
	v := &validator{prefix: prefix}
	v.check(p)
	if v.err != nil {
		return v.err
	}
	return nil
}

type validator struct {
	prefix string
	err    *Error
}

func (v *validator) fail(field, format string, a ...any) {
	if v.err == nil {
		v.err = &Error{Field: v.prefix + "." + field, Msg: fmt.Sprintf(format, a...)}
	}
}

func (v *validator) match(field, val string, re *regexp.Regexp, what string) {
	switch {
	case val == "":
		v.fail(field, "required")
	case !re.MatchString(val):
		v.fail(field, "%q is not a valid %s", val, what)
	}
}

func (v *validator) check(p *Profile) {
	v.match("channel", p.Channel, reChannel, "channel name (lower case letters, digits, '.', '-')")

	cc := p.Chaincode
	v.match("chaincode.name", cc.Name, reName, "chaincode name")
	if cc.Version == "" {
		v.fail("chaincode.version", "required")
	}
	switch e := cc.Endorsement; {
	case e == "":
		v.fail("chaincode.endorsement", "required (majority, all, any or a signature policy)")
	case e == "majority" || e == "all" || e == "any":
	case strings.HasPrefix(e, "AND(") || strings.HasPrefix(e, "OR(") || strings.HasPrefix(e, "OutOf("):
	default:
		v.fail("chaincode.endorsement", "%q is not majority, all, any or a signature policy (AND(...), OR(...), OutOf(...))", e)
	}

	if p.BlockCutting.BatchTimeout <= 0 {
		v.fail("blockCutting.batchTimeout", "required (a positive duration such as 250ms)")
	}
	if p.BlockCutting.MaxMessageCount <= 0 {
		v.fail("blockCutting.maxMessageCount", "required (a positive count)")
	}

	oo := p.OrdererOrg
	names := map[string]string{}
	unique := func(field, name string) {
		if prev, ok := names[name]; ok {
			v.fail(field, "name %q is also %s", name, prev)
			return
		}
		names[name] = v.prefix + "." + field
	}
	v.match("ordererOrg.name", oo.Name, reName, "org name")
	// Orgs (the orderer org too) share orgs/<name> and exchange/<name>.
	unique("ordererOrg.name", oo.Name)
	v.match("ordererOrg.mspId", oo.MSPID, reMSPID, "MSP id")
	v.match("ordererOrg.domain", oo.Domain, reDomain, "domain")
	hosts := map[string]string{}
	v.host("ordererOrg.host", oo.Host, hosts)
	if len(oo.Orderers) == 0 {
		v.fail("ordererOrg.orderers", "at least one orderer required")
	}
	for i, o := range oo.Orderers {
		f := fmt.Sprintf("ordererOrg.orderers[%d]", i)
		if o == nil {
			v.fail(f, "empty")
			continue
		}
		v.match(f+".name", o.Name, reName, "node name")
		unique(f+".name", o.Name)
	}

	if len(p.Orgs) == 0 {
		v.fail("orgs", "at least one member org required")
	}
	msps := map[string]string{oo.MSPID: v.prefix + ".ordererOrg.mspId"}
	v.orgs("orgs", p.Orgs, msps, hosts, unique)
	v.orgs("joining", p.Joining, msps, hosts, unique)

	seen := map[string]string{}
	for _, r := range p.addrs() {
		switch n := *r.port; {
		case n == 0:
			v.fail(r.field, "required")
		case n < 1 || n > 65535:
			v.fail(r.field, "%d is not a port (1-65535)", n)
		default:
			at := net.JoinHostPort(r.host, fmt.Sprint(n))
			if prev, ok := seen[at]; ok {
				v.fail(r.field, "port %d is also %s (both on %s)", n, prev, r.host)
			}
			seen[at] = v.prefix + "." + r.field
		}
	}
}

// reservedPeerNames collide with what an org runs besides its peers: a
// peer's process is <peer>.<org> and its cryptogen node <peer>, as are the
// org's Fabric CA (ca.<org>, node ca), relay and chaincode server (see
// cluster's layout).
var reservedPeerNames = map[string]bool{"ca": true, "relay": true, "chaincode": true}

// host checks that an org's host is an IP address no other org uses.
func (v *validator) host(field, h string, hosts map[string]string) {
	switch {
	case h == "":
		v.fail(field, "required (the IP address the org's nodes listen on, e.g. 127.0.0.3)")
	case net.ParseIP(h) == nil:
		v.fail(field, "%q is not an IP address", h)
	case net.ParseIP(h).IsUnspecified():
		v.fail(field, "%s is the unspecified address (every address of the host): each org has its own address", h)
	default:
		// One address however spelled (::ffff:127.0.0.3 is 127.0.0.3).
		key := net.ParseIP(h).String()
		if prev, ok := hosts[key]; ok {
			v.fail(field, "%s is also %s: each org has its own address", h, prev)
		}
		hosts[key] = v.prefix + "." + field
	}
}

func (v *validator) orgs(list string, orgs []*Org, msps, hosts map[string]string, unique func(field, name string)) {
	for i, g := range orgs {
		f := fmt.Sprintf("%s[%d]", list, i)
		if g == nil {
			v.fail(f, "empty")
			continue
		}
		v.match(f+".name", g.Name, reName, "org name")
		unique(f+".name", g.Name)
		v.match(f+".mspId", g.MSPID, reMSPID, "MSP id")
		if prev, ok := msps[g.MSPID]; ok && g.MSPID != "" {
			v.fail(f+".mspId", "%q is also %s", g.MSPID, prev)
		}
		msps[g.MSPID] = v.prefix + "." + f + ".mspId"
		v.match(f+".domain", g.Domain, reDomain, "domain")
		v.host(f+".host", g.Host, hosts)
		if len(g.Peers) == 0 {
			v.fail(f+".peers", "at least one peer required")
		}
		peerNames := map[string]bool{}
		for j, pe := range g.Peers {
			pf := fmt.Sprintf("%s.peers[%d]", f, j)
			if pe == nil {
				v.fail(pf, "empty")
				continue
			}
			v.match(pf+".name", pe.Name, reName, "node name")
			if reservedPeerNames[pe.Name] {
				v.fail(pf+".name", "%q is reserved (the org's ca, relay and chaincode server use it)", pe.Name)
			}
			if peerNames[pe.Name] {
				v.fail(pf+".name", "name %q used twice in %s", pe.Name, v.prefix+"."+f)
			}
			peerNames[pe.Name] = true
		}
	}
}

// ChannelEndorsement is the channel policy a chaincode definition names
// when the profile's endorsement is majority, all or any: the Application
// group's Endorsement policy, an ImplicitMeta over the members' own
// Endorsement policies, so it follows membership with no new definition.
const ChannelEndorsement = "/Channel/Application/Endorsement"

// EndorsementRule is the ImplicitMeta rule of the channel's
// Application/Endorsement policy (MAJORITY, ALL or ANY; MAJORITY when the
// chaincode names a literal signature policy instead).
func (p *Profile) EndorsementRule() string {
	switch p.Chaincode.Endorsement {
	case "all":
		return "ALL"
	case "any":
		return "ANY"
	}
	return "MAJORITY"
}

// EndorsementPolicy is the chaincode definition's policy: ChannelEndorsement,
// or the literal signature policy of the profile.
func (p *Profile) EndorsementPolicy() string {
	switch p.Chaincode.Endorsement {
	case "majority", "all", "any":
		return ChannelEndorsement
	}
	return p.Chaincode.Endorsement
}

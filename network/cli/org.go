package cli

import (
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/qrsign/qrsign/network/cluster"
	"github.com/qrsign/qrsign/network/config"
	"github.com/qrsign/qrsign/network/fabricbin"
)

// orgChange runs `org add ORG` or `org remove ORG` on the running network
// of the state directory, with the profile, config and port offset it was
// brought up with.
func orgChange(o Options, verb, org string, w io.Writer) error {
	n, was, err := openNet(o, w)
	if err != nil {
		return err
	}
	change := n.OrgAdd
	if verb == "remove" {
		change = n.OrgRemove
	}
	ch, _, err := change(was.Profile, was.ConfigFile, was.PortOffset, org)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%s: org %s %s at configuration block %d (signed by %v) in %s\n", n.P.Channel, ch.Org,
		map[string]string{"add": "added", "remove": "removed"}[verb], ch.Block, ch.Signed, ch.Took.Round(100*time.Millisecond))
	return nil
}

// openNet opens the network a state directory holds, as `up` made it.
func openNet(o Options, w io.Writer) (*cluster.Net, cluster.Origin, error) {
	state, err := o.stateDir()
	if err != nil {
		return nil, cluster.Origin{}, err
	}
	was, ok, err := cluster.LoadOrigin(state)
	if err != nil {
		return nil, was, err
	}
	if !ok {
		return nil, was, fmt.Errorf("no network in %s (bring it up first)", state)
	}
	p, err := config.Load(was.ConfigFile, was.Profile, was.PortOffset)
	if err != nil {
		return nil, was, err
	}
	bin, cfg, err := fabricbin.Ensure(w)
	if err != nil {
		return nil, was, err
	}
	return &cluster.Net{P: p, Repo: filepath.Dir(was.ConfigFile), State: state, Bin: bin, CfgSrc: cfg, Log: w}, was, nil
}

package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/qrsign/qrsign/network/cluster"
	"github.com/qrsign/qrsign/network/config"
	"github.com/qrsign/qrsign/network/fabricbin"
	"github.com/qrsign/qrsign/network/netinfo"
	"github.com/qrsign/qrsign/network/proc"
	"github.com/qrsign/qrsign/network/statelock"
	"github.com/qrsign/qrsign/network/supervise"
)

func (o Options) stateDir() (string, error) { return filepath.Abs(o.State) }

// asBefore makes `up` on a state directory that was brought up before (even
// if that up failed half-way) bring the same network up again: the profile,
// config file and port offset it was made with apply when the flags leave
// them out, and a flag that contradicts them is refused, because the ports
// live in the state's crypto, node configs and genesis block (starting over
// is `down --purge`).
func (o *Options) asBefore(set map[string]bool) error {
	state, err := o.stateDir()
	if err != nil {
		return err
	}
	was, ok, err := cluster.LoadOrigin(state)
	if err != nil || !ok {
		return err
	}
	conflict := func(flag string, before, asked any) error {
		return fmt.Errorf("%s holds a network made with --%s %v, not %v: leave the flag out (or give %v), "+
			"or start over with `network down --purge --state %s`", state, flag, before, asked, before, o.State)
	}
	if set["port-offset"] && o.PortOffset != was.PortOffset {
		return conflict("port-offset", was.PortOffset, o.PortOffset)
	}
	o.PortOffset = was.PortOffset
	if was.Profile != "" {
		if set["profile"] && o.Profile != was.Profile {
			return conflict("profile", was.Profile, o.Profile)
		}
		o.Profile = was.Profile
	}
	if was.ConfigFile != "" {
		asked, err := filepath.Abs(o.Config)
		if err != nil {
			return err
		}
		if set["config"] && asked != was.ConfigFile {
			return conflict("config", was.ConfigFile, asked)
		}
		if _, err := os.Stat(was.ConfigFile); err == nil { // a moved checkout keeps its own file
			o.Config = was.ConfigFile
		}
	}
	return nil
}

func up(o Options, w io.Writer) error {
	start := time.Now()
	cfgPath, err := filepath.Abs(o.Config)
	if err != nil {
		return err
	}
	p, err := config.Load(cfgPath, o.Profile, o.PortOffset)
	if err != nil {
		return err
	}
	state, err := o.stateDir()
	if err != nil {
		return err
	}
	n := &cluster.Net{P: p, Repo: filepath.Dir(cfgPath), State: state, Log: w}
	if err := n.CheckPorts("profiles."+o.Profile+".", p.Addrs()); err != nil {
		return err
	}
	fmt.Fprintf(w, "==> Fabric tools (%s, fabric-ca %s)\n", fabricbin.FabricVersion, fabricbin.CAVersion)
	n.Bin, n.CfgSrc, err = fabricbin.Ensure(w)
	if err != nil {
		return err
	}
	in, err := n.Up(o.Profile, cfgPath, o.PortOffset)
	if err != nil {
		return err
	}
	summary(w, in, time.Since(start))
	return startSupervisor(state, w)
}

func summary(w io.Writer, in *netinfo.Info, took time.Duration) {
	fmt.Fprintf(w, "\nqrsign network %q is up (%s)\n", in.Profile, took.Round(100*time.Millisecond))
	fmt.Fprintf(w, "  channel     %s\n", in.Channel)
	fmt.Fprintf(w, "  chaincode   %s version %s sequence %d, policy %s\n", in.Chaincode, in.ChaincodeVersion, in.ChaincodeSequence, in.EndorsementPolicy)
	for _, o := range in.Orderers {
		fmt.Fprintf(w, "  orderer     %-14s %s\n", o.Name, o.Address)
	}
	for _, g := range in.Orgs {
		for _, p := range g.Peers {
			fmt.Fprintf(w, "  peer        %-14s %s (%s)\n", p.Name, p.Address, g.MSPID)
		}
		fmt.Fprintf(w, "  Fabric CA   %-14s %s\n", g.CA.Name, g.CA.URL)
		if g.Relay != nil {
			fmt.Fprintf(w, "  relay       %-14s %s  (API key in %s)\n", g.Name, g.Relay.URL, g.Relay.ConfigFile)
		}
	}
	fmt.Fprintf(w, "  state       %s (network.json, log/, run/)\n", in.StateDir)
	fmt.Fprintf(w, "  logs        %s/log/<node>.log  (or: network logs NODE --state %s)\n", in.StateDir, in.StateDir)
	fmt.Fprintf(w, "  stop with   scripts/down.sh --state %s   (add --purge to delete the state)\n", in.StateDir)
}

func down(o Options, purge bool, w io.Writer) error {
	state, err := o.stateDir()
	if err != nil {
		return err
	}
	if _, err := os.Stat(state); errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(w, "nothing to stop: %s does not exist\n", state)
		return nil
	}
	if purge {
		// Refuse before stopping anything.
		if err := purgeable(state); err != nil {
			return err
		}
	}
	// The supervisor first: nothing it would restart is left when it goes.
	if err := supervise.Stop(state); err != nil {
		return err
	}
	stopped, err := cluster.Down(filepath.Join(state, "run"), 10*time.Second)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "stopped %d processes %s\n", len(stopped), strings.Join(stopped, " "))
	if purge {
		if err := os.RemoveAll(state); err != nil {
			return err
		}
		fmt.Fprintf(w, "deleted %s\n", state)
	}
	return nil
}

// purgeable refuses to let `down --purge` delete anything but a network's
// state directory: one with the origin file `up` writes first, and never
// the root or the user's home directory (whatever they hold).
func purgeable(state string) error {
	c, err := statelock.Canonical(state)
	if err != nil {
		return err
	}
	if c == string(filepath.Separator) {
		return fmt.Errorf("refusing to delete %s: it is the root directory", state)
	}
	if home, err := os.UserHomeDir(); err == nil && home != "" {
		if h, err := statelock.Canonical(home); err == nil && h == c {
			return fmt.Errorf("refusing to delete %s: it is your home directory", state)
		}
	}
	if !exists(filepath.Join(state, cluster.OriginFile)) {
		return fmt.Errorf("refusing to delete %s: not a network state directory (no %s; states made before it was written: stop with down, then delete by hand)", state, cluster.OriginFile)
	}
	return nil
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func status(o Options, w io.Writer) error {
	state, err := o.stateDir()
	if err != nil {
		return err
	}
	specs, err := proc.LoadAll(filepath.Join(state, "run"))
	if err != nil {
		return err
	}
	if len(specs) == 0 {
		return fmt.Errorf("no network in %s", state)
	}
	in, _ := netinfo.Load(state)
	sup, err := supervise.ReadStatus(state)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "%-14s %-7s %-8s %-9s %-30s %-6s %-8s %s\n", "NODE", "STATE", "PID", "RSS", "ADDRESS", "HEIGHT", "RESTARTS", "LAST EXIT")
	allUp := true
	for _, s := range specs {
		// down: crashed, the supervisor restarts it; stopped: by an operator.
		st, pid, rss := "down", "-", "-"
		if p := s.PID(); p != 0 {
			st, pid, rss = "up", fmt.Sprint(p), fmt.Sprintf("%dMiB", s.RSS()/1024)
		} else {
			allUp = false
			if !s.Wanted() {
				st = "stopped"
			}
		}
		var ports []string
		for _, p := range s.Ports {
			ports = append(ports, fmt.Sprint(p))
		}
		height := ""
		if in != nil && st == "up" && strings.HasPrefix(s.Name, "peer") {
			if h, err := in.BlockHeight(s.Name); err == nil {
				height = fmt.Sprint(h)
			} else {
				height = "?"
			}
		}
		ns := sup.Nodes[s.Name]
		lastExit := "-"
		if ns.LastExit != "" {
			lastExit = fmt.Sprintf("%s (%s)", ns.LastExit, ns.LastExitAt.UTC().Format(time.RFC3339))
		}
		fmt.Fprintf(w, "%-14s %-7s %-8s %-9s %-30s %-6s %-8d %s\n", s.Name, st, pid, rss,
			s.Addr(0)[:len(s.Addr(0))-1]+strings.Join(ports, ","), height, ns.Restarts, lastExit)
	}
	if p := supervise.Running(state); p != nil {
		fmt.Fprintf(w, "supervisor: pid %d restarts crashed processes (log %s)\n", p.PID(), p.LogFile)
	} else {
		fmt.Fprintf(w, "supervisor: not running: a crashed process stays down (`network up` starts it)\n")
	}
	if !allUp {
		return errors.New("some processes are down or stopped")
	}
	return nil
}

// node is the saved command line of a node of the state directory.
func (o Options) node(name string) (*proc.Spec, error) {
	state, err := o.stateDir()
	if err != nil {
		return nil, err
	}
	return proc.Load(filepath.Join(state, "run"), name)
}

func logs(o Options, node string, w io.Writer) error {
	s, err := o.node(node)
	if err != nil {
		return err
	}
	f, err := os.Open(s.LogFile)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

func startNode(o Options, node string, w io.Writer) error {
	state, err := o.stateDir()
	if err != nil {
		return err
	}
	in, err := netinfo.Load(state)
	if err != nil {
		return err
	}
	if err := in.StartNode(node); err != nil {
		return err
	}
	fmt.Fprintf(w, "%s started\n", node)
	return nil
}

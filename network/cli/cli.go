// Package cli parses the network command's subcommands and flags.
package cli

import (
	"flag"
	"fmt"
	"io"
	"slices"

	"github.com/qrsign/qrsign/network/fabricbin"
	"github.com/qrsign/qrsign/network/statelock"
)

const usage = `usage: network <command> [flags]

commands:
  up                 build what is missing, start the network, deploy the chaincode, write <state>/network.json
  down [--purge]     stop every process of the network (--purge also deletes the state directory)
  status             each process up, down (crashed) or stopped, its ports, block height per peer,
                     restarts by the supervisor and its last exit
  logs NODE          print a node's log (NODE as in status, e.g. peer0.org1, orderer0, ca.org1, chaincode)
  start-node NODE    start one stopped node again from its saved command line
  stop-node NODE     stop one node; the supervisor leaves it down until start-node
  supervise          restart crashed processes with back-off until SIGTERM (up starts it detached, down stops it)
  systemd-units DIR  write a systemd service per node into DIR (Restart=on-failure), for members on real hosts
  org add ORG        bring ORG (from the profile's joining orgs) into the running channel, playing every
                     party: org init, update propose/sign/submit by a majority of member admins, org join
  org remove ORG     take ORG out of the channel: update propose/sign/submit by a majority of member admins
  org init ORG       ORG makes its own keys and publishes its definition (exchange/ORG)
  org join ORG       ORG, once the channel lists it: its CA and peers join, chaincode approved, relay started
  org leave ORG      ORG, once removed: stops its relay, chaincode server, peers and CA
  org rotate-ca ORG  ORG replaces its signer CA: a new CA key, its Fabric CA restarted on it, the new CA
                     registered on the ledger (RegisterSignerCA); the retired one stays registered
  orderer init       the orderer org makes its own keys and publishes its definition (exchange/ORDERERORG)
  channel create     the orderer org makes the genesis block from the founding members' definitions, starts
                     its orderers and joins them to the channel
  chaincode commit --as MEMBER
                     MEMBER commits the chaincode definition every member approved (org join)
  update propose add|remove ORG --as MEMBER
                     MEMBER's admin writes the channel update adding/removing ORG (prints the file)
  update sign FILE --as MEMBER
                     MEMBER's admin adds its signature to the update in FILE
  update submit FILE --as MEMBER
                     MEMBER's admin submits it; prints the configuration block it took effect at
  register-signer ORG ID
                     register a signer with ORG's Fabric CA (ORG as org1 or Org1MSP) and print how to enroll it
  tools              build the pinned Fabric tools into the cache and print the bin directory
  --version          print the network tool's version, VCS revision and time, Go version

flags (all commands; before or after the arguments):
  --config FILE      network description (default test-network.yaml)
  --profile NAME     profile in it (default "default")
  --state DIR        state directory (default var/net/<profile>)
  --port-offset N    added to every port (default 0)
`

// Main runs the command and returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "--version" || args[0] == "version" {
		fmt.Fprintln(stdout, Version())
		return 0
	}
	cmd, rest := args[0], args[1:]
	fs := flag.NewFlagSet("network "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o Options
	fs.StringVar(&o.Config, "config", "test-network.yaml", "network description")
	fs.StringVar(&o.Profile, "profile", "default", "profile")
	fs.StringVar(&o.State, "state", "", "state directory (default var/net/<profile>)")
	fs.IntVar(&o.PortOffset, "port-offset", 0, "added to every port")
	purge := fs.Bool("purge", false, "down: delete the state directory too")
	as := fs.String("as", "", "update: the member org whose admin acts")
	args, perr := parseInterspersed(fs, rest)
	if perr != nil {
		return 2
	}
	if o.State == "" {
		o.State = "var/net/" + o.Profile
	}
	var err error
	if cmd == "up" || cmd == "down" || cmd == "start-node" || cmd == "stop-node" || cmd == "org" || cmd == "update" ||
		cmd == "orderer" || cmd == "channel" || cmd == "chaincode" {
		unlock, lerr := statelock.Lock(o.State, stderr)
		if lerr != nil {
			fmt.Fprintln(stderr, "network "+cmd+":", lerr)
			return 1
		}
		defer unlock()
	}
	switch cmd {
	case "tools":
		var bin string
		bin, _, err = fabricbin.Ensure(stderr)
		if err == nil {
			fmt.Fprintln(stdout, bin)
		}
	case "up":
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if err = o.asBefore(set); err == nil {
			err = up(o, stdout)
		}
	case "down":
		err = down(o, *purge, stdout)
	case "status":
		err = status(o, stdout)
	case "logs":
		if len(args) != 1 {
			fmt.Fprintln(stderr, "usage: network logs NODE")
			return 2
		}
		err = logs(o, args[0], stdout)
	case "start-node":
		if len(args) != 1 {
			fmt.Fprintln(stderr, "usage: network start-node NODE")
			return 2
		}
		err = startNode(o, args[0], stdout)
	case "stop-node":
		if len(args) != 1 {
			fmt.Fprintln(stderr, "usage: network stop-node NODE")
			return 2
		}
		err = stopNode(o, args[0], stdout)
	case "supervise":
		err = superviseCommand(o, stdout)
	case "systemd-units":
		if len(args) != 1 {
			fmt.Fprintln(stderr, "usage: network systemd-units DIR")
			return 2
		}
		err = systemdUnits(o, args[0], stdout)
	case "org":
		if len(args) != 2 || !slices.Contains([]string{"add", "remove", "init", "join", "leave", "rotate-ca"}, args[0]) {
			fmt.Fprintln(stderr, "usage: network org add|remove|init|join|leave|rotate-ca ORG")
			return 2
		}
		err = orgCommand(o, args[0], args[1], stdout)
	case "update":
		if *as == "" || !(len(args) == 3 && args[0] == "propose" || len(args) == 2 && (args[0] == "sign" || args[0] == "submit")) {
			fmt.Fprintln(stderr, "usage: network update propose add|remove ORG --as MEMBER | update sign|submit FILE --as MEMBER")
			return 2
		}
		err = updateCommand(o, *as, args, stdout)
	case "orderer", "channel", "chaincode":
		want := map[string]string{"orderer": "init", "channel": "create", "chaincode": "commit"}[cmd]
		if len(args) != 1 || args[0] != want || (cmd == "chaincode") != (*as != "") {
			fmt.Fprintln(stderr, "usage: network orderer init | channel create | chaincode commit --as MEMBER")
			return 2
		}
		err = foundingCommand(o, cmd, *as, stdout)
	case "register-signer":
		if len(args) != 2 {
			fmt.Fprintln(stderr, "usage: network register-signer ORG ID")
			return 2
		}
		err = registerSigner(o, args[0], args[1], stdout)
	default:
		fmt.Fprintf(stderr, "network: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "network "+cmd+":", err)
		return 1
	}
	return 0
}

// Options are the flags shared by every command.
type Options struct {
	Config, Profile, State string
	PortOffset             int
}

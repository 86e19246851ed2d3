// Command network brings the qrsign Fabric consortium up and down as native
// processes, each org on its own address with its own keys, and changes its
// membership by signed channel updates: `go run ./network up|down|status|
// logs|start-node|org|update|tools`. See network/README.md and
// test-network.yaml for the layouts.
package main

import (
	"os"

	"github.com/qrsign/qrsign/network/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }

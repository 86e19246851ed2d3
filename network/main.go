// Command network brings the qrsign Fabric test network up and down as native
// processes on 127.0.0.1: `go run ./network up|down|status|logs|start-node|tools`.
// See network/cli for the flags and test-network.yaml for the layouts.
package main

import (
	"os"

	"github.com/qrsign/qrsign/network/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }

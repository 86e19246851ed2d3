package cli

import (
	"flag"
	"fmt"
	"runtime/debug"
)

// Version is "network <module version> (<vcs revision> <vcs time>) <go version>"
// from the binary's build info; parts the build did not record read "unknown".
func Version() string {
	version, rev, at, goVer := "unknown", "unknown", "unknown", "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		goVer = bi.GoVersion
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			}
		}
	}
	return fmt.Sprintf("network %s (%s %s) %s", version, rev, at, goVer)
}

// parseInterspersed parses flags placed before, between or after the
// positional arguments (`start-node NODE --state DIR` as well as
// `start-node --state DIR NODE`) and returns the positional ones in order.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

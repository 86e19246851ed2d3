// Package buildinfo describes a qrsign binary from the build information the
// Go toolchain embeds in it (module version, VCS revision and time, Go
// version), so that every qrsign program (qrsign, relay, network) answers
// --version in the same shape. It sits beside the protocol packages because
// those are the one layer all the programs already import; it does no I/O and
// imports nothing but runtime/debug.
package buildinfo

import (
	"fmt"
	"runtime/debug"
)

// Info is what --version prints. Fields the build did not record are
// "unknown" (go run and go test record no VCS data).
type Info struct {
	Version   string // main module version: a tag, a pseudo-version or "(devel)"
	Revision  string // vcs.revision, the commit built
	Modified  bool   // vcs.modified: the work tree had uncommitted changes
	Time      string // vcs.time, the commit's time (RFC 3339)
	GoVersion string // the toolchain that built the binary
}

// Read returns the running binary's Info.
func Read() Info {
	bi, _ := debug.ReadBuildInfo() // nil when the binary has none
	return From(bi)
}

// From extracts Info from build information (nil: a binary built without it).
func From(bi *debug.BuildInfo) Info {
	in := Info{Version: "unknown", Revision: "unknown", Time: "unknown", GoVersion: "unknown"}
	if bi == nil {
		return in
	}
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&in.Version, bi.Main.Version)
	set(&in.GoVersion, bi.GoVersion)
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			set(&in.Revision, s.Value)
		case "vcs.time":
			set(&in.Time, s.Value)
		case "vcs.modified":
			in.Modified = s.Value == "true"
		}
	}
	return in
}

// Format is the --version text of program: one "key value" line per fact.
func (in Info) Format(program string) string {
	rev := in.Revision
	if in.Modified {
		rev += " (modified)"
	}
	return fmt.Sprintf("%s %s\nrevision %s\ntime %s\ngo %s\n", program, in.Version, rev, in.Time, in.GoVersion)
}

package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestFormat(t *testing.T) {
	tests := []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"no build information", nil, "relay unknown\nrevision unknown\ntime unknown\ngo unknown\n"},
		{"go run: no VCS data", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}},
			"relay (devel)\nrevision unknown\ntime unknown\ngo go1.26.0\n"},
		{"clean checkout", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.2.3"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abc"}, {Key: "vcs.time", Value: "2026-12-01T10:00:00Z"},
				{Key: "vcs.modified", Value: "false"}, {Key: "-tags", Value: "integration"}}},
			"relay v1.2.3\nrevision 0123abc\ntime 2026-12-01T10:00:00Z\ngo go1.26.0\n"},
		{"uncommitted changes", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abc"}, {Key: "vcs.modified", Value: "true"}}},
			"relay (devel)\nrevision 0123abc (modified)\ntime unknown\ngo go1.26.0\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := From(tc.bi).Format("relay"); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestReadInATestBinary(t *testing.T) {
	in := Read()
	if in.GoVersion == "unknown" || in.Version == "" {
		t.Fatalf("%+v", in)
	}
}

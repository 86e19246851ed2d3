package cluster

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/qrsign/qrsign/network/netinfo"
)

// Origin is how a state directory's network was first brought up: its crypto,
// configs and genesis block carry these, so every later `up` must repeat them.
type Origin struct {
	Profile    string `json:"profile"`
	ConfigFile string `json:"configFile"`
	PortOffset int    `json:"portOffset"`
}

// OriginFile is the file SaveOrigin writes in a state directory: what marks
// a directory as a network's state (`down --purge` requires it).
const OriginFile = "origin.json"

// SaveOrigin records o in state (written by Up before anything else).
func SaveOrigin(state string, o Origin) error {
	b, err := json.MarshalIndent(o, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(state, OriginFile), append(b, '\n'), 0o644)
}

// LoadOrigin reads how state was first brought up; ok is false for a state
// never brought up. States older than origin.json answer from network.json.
func LoadOrigin(state string) (o Origin, ok bool, err error) {
	b, err := os.ReadFile(filepath.Join(state, OriginFile))
	if err == nil {
		return o, true, json.Unmarshal(b, &o)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return o, false, err
	}
	if _, err := os.Stat(filepath.Join(state, netinfo.FileName)); errors.Is(err, fs.ErrNotExist) {
		return o, false, nil
	}
	in, err := netinfo.Load(state)
	if err != nil {
		return o, false, err
	}
	return Origin{Profile: in.Profile, ConfigFile: in.ConfigFile, PortOffset: in.PortOffset}, true, nil
}

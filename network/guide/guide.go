// Package guide runs the operator guide's command blocks (network/README.md)
// as written: tests prove the documented per-host steps work.
package guide

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/qrsign/qrsign/network/cli"
)

// Block returns the command lines of the ```sh block that follows
// "<!-- guide: name -->" in md (comments and blank lines dropped).
func Block(md, name string) ([]string, error) {
	marker := "<!-- guide: " + name + " -->\n```sh\n"
	i := strings.Index(md, marker)
	if i < 0 {
		return nil, fmt.Errorf("the guide has no %q block", name)
	}
	body := md[i+len(marker):]
	end := strings.Index(body, "```")
	if end < 0 {
		return nil, fmt.Errorf("the guide's %q block does not end", name)
	}
	var cmds []string
	for _, l := range strings.Split(body[:end], "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			cmds = append(cmds, l)
		}
	}
	return cmds, nil
}

// Run runs each `network ...` line in this process, with the variables
// ($STATE, …) replaced, until one fails; done is told each line and its output.
func Run(cmds []string, vars map[string]string, done func(cmd, out string)) error {
	var pairs []string
	for k, v := range vars {
		pairs = append(pairs, "$"+k, v)
	}
	r := strings.NewReplacer(pairs...)
	for _, c := range cmds {
		f := strings.Fields(r.Replace(c))
		if len(f) == 0 || f[0] != "network" {
			return fmt.Errorf("guide line %q is not a network command", c)
		}
		var out, errOut bytes.Buffer
		if code := cli.Main(f[1:], &out, &errOut); code != 0 {
			return fmt.Errorf("%s: exit %d\n%s%s", c, code, out.String(), errOut.String())
		}
		done(c, out.String())
	}
	return nil
}

package guide

import (
	"reflect"
	"testing"
)

func TestBlock(t *testing.T) {
	md := "intro\n<!-- guide: join -->\n```sh\n# a comment\nnetwork org init org3 --state $STATE\n\n  network org join org3 --state $STATE\n```\nafter\n<!-- guide: open -->\n```sh\nnetwork up\n"
	for _, tc := range []struct {
		name string
		want []string
		err  string
	}{
		{"join", []string{"network org init org3 --state $STATE", "network org join org3 --state $STATE"}, ""},
		{"leave", nil, `the guide has no "leave" block`},
		{"open", nil, `the guide's "open" block does not end`},
	} {
		got, err := Block(md, tc.name)
		if (err == nil) != (tc.err == "") || err != nil && err.Error() != tc.err || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %q, %v; want %q, %q", tc.name, got, err, tc.want, tc.err)
		}
	}
}

func TestRunRefusesOtherCommands(t *testing.T) {
	err := Run([]string{"rm -rf $STATE"}, map[string]string{"STATE": "/x"}, func(string, string) {})
	if err == nil || err.Error() != `guide line "rm -rf $STATE" is not a network command` {
		t.Fatalf("%v", err)
	}
}

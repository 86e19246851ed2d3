package web

import (
	"regexp"
	"testing"
)

// A form submitted natively (before the deferred scripts run, or with
// scripts off) must not put a secret into the URL: the API key's and the
// verify page's key inputs carry no name, so no browser sends them.
func TestSecretInputsHaveNoName(t *testing.T) {
	for _, path := range []string{"/app/", "/verify"} {
		body := serve(t, "GET", path, nil).Body.String()
		inputs := regexp.MustCompile(`<input[^>]*type="password"[^>]*>`).FindAllString(body, -1)
		if len(inputs) == 0 {
			t.Fatalf("%s: no password input", path)
		}
		for _, in := range inputs {
			if regexp.MustCompile(`\sname=`).MatchString(in) {
				t.Errorf("%s: %s is named: a native submit sends it in the URL", path, in)
			}
		}
	}
}

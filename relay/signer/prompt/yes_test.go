package prompt

import "testing"

func TestIsYesOnlyForAnExplicitYes(t *testing.T) {
	for a, want := range map[string]bool{"y\n": true, "YES": true, " 是 \n": true, "是的": true, "": false, "n": false, "否": false, "yeah": false} {
		if got := isYes(a); got != want {
			t.Errorf("isYes(%q) = %v", a, got)
		}
	}
	if err := msgs.Check(); err != nil {
		t.Error(err)
	}
}

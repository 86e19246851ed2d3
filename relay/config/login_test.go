package config

import (
	"strings"
	"testing"
	"time"
)

func TestLoginDefaultsAndLimits(t *testing.T) {
	c, err := Load(write(t, sample), []string{})
	if err != nil {
		t.Fatal(err)
	}
	if l := c.Login; l.ChallengeTTL.D() != 2*time.Minute || l.SessionTTL.D() != 15*time.Minute || l.MaxPending != 10000 ||
		l.ChallengesPerMinute != 30 || l.ChallengeBurst != 10 {
		t.Fatalf("login defaults %+v", l)
	}
	cases := []struct{ name, yaml, want string }{
		{"a challenge that lives too long", "login:\n  challengeTTL: 1h\n", "login.challengeTTL: must be 30s..10m"},
		{"a challenge too short to scan", "login:\n  challengeTTL: 5s\n", "login.challengeTTL: must be 30s..10m"},
		{"a session longer than a working day", "login:\n  sessionTTL: 24h\n", "login.sessionTTL: must be 1m..12h"},
		{"no room for challenges", "login:\n  maxPending: 0\n", "login.maxPending: must be 1..1000000"},
		{"no challenge rate", "login:\n  challengesPerMinute: 0\n", "login: challengesPerMinute must be > 0 and challengeBurst >= 1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(write(t, sample+tc.yaml), []string{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
	c, err = Load(write(t, sample+"login:\n  sessionTTL: 30m\n"), []string{})
	if err != nil || c.Login.SessionTTL.D() != 30*time.Minute || c.Login.ChallengeTTL.D() != 2*time.Minute {
		t.Fatalf("a partial login block keeps the other defaults: %+v %v", c, err)
	}
}

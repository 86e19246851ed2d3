package webhook

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/qrsign/qrsign/chaincode/model"
)

func TestDialGuardRefusesInternalAddressesByTheAddressDialled(t *testing.T) {
	refused := map[string]string{
		"127.0.0.1:80":                "loopback",
		"127.9.9.9:443":               "loopback",
		"[::1]:80":                    "loopback",
		"[::ffff:127.0.0.1]:80":       "loopback",
		"10.1.2.3:80":                 "private",
		"172.16.0.1:80":               "private",
		"172.31.255.255:80":           "private",
		"192.168.1.1:80":              "private",
		"[fc00::1]:80":                "private",
		"[fd12:3456::1]:80":           "private",
		"[::ffff:10.0.0.1]:80":        "private",
		"[::ffff:192.168.0.1]:80":     "private",
		"169.254.169.254:80":          "link-local",
		"169.254.1.1:80":              "link-local",
		"[fe80::1]:80":                "link-local",
		"[fe80::1%eth0]:80":           "link-local",
		"[::ffff:169.254.169.254]:80": "link-local",
		"0.0.0.0:80":                  "unspecified",
		"0.1.2.3:80":                  "unspecified",
		"[::]:80":                     "unspecified",
		"224.0.0.1:80":                "multicast",
		"[ff02::1]:80":                "multicast",
		"100.64.0.1:80":               "shared (CGNAT)",
		"100.127.255.255:80":          "shared (CGNAT)",
		"[::ffff:100.64.0.1]:80":      "shared (CGNAT)",
		"hooks.example.com:80":        "not an IP address",
	}
	guard := dialGuard(false)
	for addr, why := range refused {
		err := guard("tcp", addr, nil)
		if err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("%s: %v, want refused as %s", addr, err, why)
		}
	}
	for _, addr := range []string{"93.184.215.14:443", "172.32.0.1:80", "100.128.0.1:80", "172.15.255.255:80",
		"[2606:2800:21f:cb07:6820:80da:af6b:8b2c]:443", "[::ffff:8.8.8.8]:80"} {
		if err := guard("tcp", addr, nil); err != nil {
			t.Errorf("%s: %v, want allowed", addr, err)
		}
	}
	loop := dialGuard(true)
	for _, addr := range []string{"127.0.0.1:80", "[::1]:80", "[::ffff:127.0.0.1]:80"} {
		if err := loop("tcp", addr, nil); err != nil {
			t.Errorf("AllowLoopback %s: %v", addr, err)
		}
	}
	for _, addr := range []string{"10.0.0.1:80", "169.254.169.254:80", "0.0.0.0:80"} {
		if loop("tcp", addr, nil) == nil {
			t.Errorf("AllowLoopback %s: allowed", addr)
		}
	}
	c := defaultClient(false)
	if tr, ok := c.Transport.(*http.Transport); !ok || tr.Proxy != nil || c.CheckRedirect == nil {
		t.Fatalf("default client: %T proxy set %v, redirects followed %v", c.Transport, ok && tr.Proxy != nil, c.CheckRedirect == nil)
	}
}

// An allowlisted host whose address is loopback (as a name answering
// 127.0.0.1, or rebinding to it after Subscribe, would be) is not dialled
// when AllowLoopback is false: the attempt fails with the reason.
func TestAllowlistedHostAtALoopbackAddressIsNotDialled(t *testing.T) {
	for _, host := range []string{"127.0.0.1", "localhost"} {
		t.Run(host, func(t *testing.T) {
			c := newClock()
			st := openStore(t, t.TempDir(), c.Now)
			defer st.Close()
			cfg := testConfig(st, c)
			cfg.AllowLoopback, cfg.AllowedHosts = false, []string{host}
			s := newService(t, cfg)
			r := newReceiver(t, c.Now, 200)
			sub, err := s.Subscribe("app", strings.Replace(r.URL, "127.0.0.1", host, 1)+"/hook", nil)
			if err != nil {
				t.Fatal(err)
			}
			r.setSecret(sub.Secret)
			if _, err := s.Enqueue([]model.Event{completed("d", "t", 1, c.Now())}, nil); err != nil {
				t.Fatal(err)
			}
			if n := s.DeliverDue(bg); n != 1 {
				t.Fatalf("%d attempts, want 1", n)
			}
			if n := len(r.requests()); n != 0 {
				t.Fatalf("%d requests reached the loopback receiver", n)
			}
			d := onlyDelivery(t, st)
			want := "loopback address (webhooks may only reach public addresses)"
			if host == "127.0.0.1" {
				addr := strings.TrimPrefix(r.URL, "http://")
				want = fmt.Sprintf(`Post "%s/hook": dial tcp %s: refusing to dial 127.0.0.1: `, r.URL, addr) + want
			}
			if d.State != StatePending || d.Attempts != 1 || !strings.HasSuffix(d.LastError, want) ||
				!strings.Contains(d.LastError, "refusing to dial") {
				t.Fatalf("state %s attempts %d error %q, want pending, 1, %q", d.State, d.Attempts, d.LastError, want)
			}
		})
	}
}

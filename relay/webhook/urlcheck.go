package webhook

import (
	"github.com/qrsign/qrsign/relay/fault"
	"net"
	"net/url"
	"strings"
)

const maxURLLen = 2048

// checkURL admits http(s) URLs without credentials or fragment whose host is
// in the allowlist, or is loopback when allowLoopback. An allowlist entry
// "*.example.com" admits every subdomain of example.com. The relay does not
// follow redirects, so an allowed host cannot bounce a delivery elsewhere.
func checkURL(raw string, allow []string, allowLoopback bool) error {
	if len(raw) > maxURLLen {
		return fault.New(CodeURLInvalid, "url is longer than 2048 characters")
	}
	u, err := url.Parse(raw)
	if err != nil || raw == "" {
		return fault.New(CodeURLInvalid, "url is not a valid URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fault.New(CodeURLInvalid, "url must use http or https")
	}
	if u.User != nil {
		return fault.New(CodeURLInvalid, "url must not contain credentials")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return fault.New(CodeURLInvalid, "url must not have a fragment")
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return fault.New(CodeURLInvalid, "url must have a host")
	}
	if allowLoopback && isLoopback(host) {
		return nil
	}
	for _, a := range allow {
		a = strings.ToLower(a)
		if host == a || (strings.HasPrefix(a, "*.") && strings.HasSuffix(host, a[1:])) {
			return nil
		}
	}
	return fault.New(CodeURLInvalid, "host \""+host+"\" is not in the webhook allowlist")
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

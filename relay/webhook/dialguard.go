package webhook

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// checkURL judges host names at Subscribe; DNS can still answer (or later
// rebind to) an internal address. dialGuard judges the address actually
// dialled, after resolution, so a delivery never reaches one.
var (
	cgnat       = netip.MustParsePrefix("100.64.0.0/10")
	thisNetwork = netip.MustParsePrefix("0.0.0.0/8") // 0.x.x.x reaches the host itself on Linux
)

// refusedReason says why ip must not be dialled, or "" if it may be.
func refusedReason(ip netip.Addr, allowLoopback bool) string {
	ip = ip.Unmap() // ::ffff:10.0.0.1 is 10.0.0.1
	switch {
	case ip.IsLoopback():
		if allowLoopback {
			return ""
		}
		return "loopback"
	case ip.IsUnspecified() || (ip.Is4() && thisNetwork.Contains(ip)):
		return "unspecified"
	case ip.IsPrivate(): // 10/8, 172.16/12, 192.168/16, fc00::/7
		return "private"
	case ip.IsLinkLocalUnicast(): // 169.254/16 (cloud metadata), fe80::/10
		return "link-local"
	case ip.IsMulticast():
		return "multicast"
	case cgnat.Contains(ip):
		return "shared (CGNAT)"
	}
	return ""
}

// dialGuard is a net.Dialer Control func refusing internal addresses; an
// address it cannot parse is refused too.
func dialGuard(allowLoopback bool) func(network, address string, _ syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("refusing to dial %q: not an IP address", address)
		}
		if why := refusedReason(ap.Addr(), allowLoopback); why != "" {
			return fmt.Errorf("refusing to dial %s: %s address (webhooks may only reach public addresses)", ap.Addr(), why)
		}
		return nil
	}
}

// defaultClient sends deliveries: no proxy (the guard must see the real
// destination), no redirects (an allowed host cannot bounce a delivery), and
// every dial checked by dialGuard.
func defaultClient(allowLoopback bool) *http.Client {
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: dialGuard(allowLoopback)}
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           d.DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          100,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

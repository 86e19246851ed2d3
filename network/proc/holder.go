package proc

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Holder describes the process listening on port (on any address),
// e.g. "pid 1234 (/path/to/peer node start)", or "" when it cannot be found
// (another user's process, or no /proc). It makes a busy-port error actionable.
func Holder(port int) string {
	inodes := listenInodes(port)
	if len(inodes) == 0 {
		return ""
	}
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		fds, _ := filepath.Glob(p + "/fd/*")
		for _, fd := range fds {
			link, err := os.Readlink(fd)
			if err != nil || !strings.HasPrefix(link, "socket:[") {
				continue
			}
			if inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] {
				cmd, _ := os.ReadFile(p + "/cmdline")
				cmd = bytes.TrimRight(bytes.ReplaceAll(cmd, []byte{0}, []byte{' '}), " ")
				return fmt.Sprintf("pid %s (%s)", filepath.Base(p), cmd)
			}
		}
	}
	return ""
}

// listenInodes returns the socket inodes listening on port (IPv4 and IPv6).
func listenInodes(port int) map[string]bool {
	want := fmt.Sprintf(":%04X", port)
	out := map[string]bool{}
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			fl := strings.Fields(sc.Text())
			// sl local_address rem_address st ... inode (field 9)
			if len(fl) < 10 || fl[3] != "0A" || !strings.HasSuffix(fl[1], want) {
				continue
			}
			if _, err := strconv.Atoi(fl[9]); err == nil {
				out[fl[9]] = true
			}
		}
		fh.Close()
	}
	return out
}

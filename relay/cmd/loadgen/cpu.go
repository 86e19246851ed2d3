package main

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/qrsign/qrsign/network/netinfo"
)

// cpuUse is CPU time (user + system) spent so far: by the chaincode
// servers, and by every process on a signature's path (chaincode servers,
// peers, orderers, and this one: loadgen, its in-process relay and gateway
// client). Fabric CAs are not on the path.
type cpuUse struct{ chaincode, all time.Duration }

func (a cpuUse) sub(b cpuUse) cpuUse { return cpuUse{a.chaincode - b.chaincode, a.all - b.all} }
func (a cpuUse) add(b cpuUse) cpuUse { return cpuUse{a.chaincode + b.chaincode, a.all + b.all} }

// processes lists the pid files of the network's chaincode servers and other nodes.
func processes(info *netinfo.Info) (chaincode, nodes []string) {
	for _, o := range info.Orderers {
		nodes = append(nodes, o.PIDFile)
	}
	for _, org := range info.Orgs {
		for _, p := range org.Peers {
			nodes = append(nodes, p.PIDFile)
		}
		if cs := org.ChaincodeServer; cs != nil {
			chaincode = append(chaincode, cs.PIDFile)
		}
	}
	return chaincode, nodes
}

func cpuNow(chaincode, nodes []string) cpuUse {
	cc := procCPU(chaincode)
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	self := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return cpuUse{chaincode: cc, all: cc + procCPU(nodes) + self}
}

// procCPU sums utime and stime of the processes named by pid files, from
// /proc/<pid>/stat (in USER_HZ ticks, 100 per second on Linux); a process
// that is not running counts nothing.
func procCPU(pidFiles []string) time.Duration {
	var total time.Duration
	for _, f := range pidFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + strings.TrimSpace(string(b)) + "/stat")
		if err != nil {
			continue
		}
		// Fields after the command name (which may hold spaces) start at field 3.
		s := string(stat)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(fields[11], 10, 64)
		k, _ := strconv.ParseInt(fields[12], 10, 64)
		total += time.Duration(u+k) * 10 * time.Millisecond
	}
	return total
}

package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/qrsign/qrsign/network/netinfo"
)

// cpuUse is CPU time (user + system) spent so far by the processes on a
// signature's path: the chaincode servers, the peers, the orderers, and this
// process (loadgen, its in-process relay and gateway client). Fabric CAs are
// not on the path.
type cpuUse struct{ chaincode, peers, orderers, self time.Duration }

func (a cpuUse) all() time.Duration { return a.chaincode + a.peers + a.orderers + a.self }

func (a cpuUse) sub(b cpuUse) cpuUse {
	return cpuUse{a.chaincode - b.chaincode, a.peers - b.peers, a.orderers - b.orderers, a.self - b.self}
}

func (a cpuUse) add(b cpuUse) cpuUse {
	return cpuUse{a.chaincode + b.chaincode, a.peers + b.peers, a.orderers + b.orderers, a.self + b.self}
}

func (a cpuUse) per(n int) cpuUse {
	d := func(x time.Duration) time.Duration { return (x / time.Duration(n)).Round(10 * time.Microsecond) }
	return cpuUse{d(a.chaincode), d(a.peers), d(a.orderers), d(a.self)}
}

func (a cpuUse) String() string {
	return fmt.Sprintf("%v (chaincode %v, peers %v, orderers %v, loadgen+relay %v)", a.all(), a.chaincode, a.peers, a.orderers, a.self)
}

// pidFiles lists the pid files of the network's processes by kind.
type pidFiles struct{ chaincode, peers, orderers []string }

func processes(info *netinfo.Info) pidFiles {
	var p pidFiles
	for _, o := range info.Orderers {
		p.orderers = append(p.orderers, o.PIDFile)
	}
	for _, org := range info.Orgs {
		for _, n := range org.Peers {
			p.peers = append(p.peers, n.PIDFile)
		}
		if cs := org.ChaincodeServer; cs != nil {
			p.chaincode = append(p.chaincode, cs.PIDFile)
		}
	}
	return p
}

func cpuNow(p pidFiles) cpuUse {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return cpuUse{chaincode: procCPU(p.chaincode), peers: procCPU(p.peers), orderers: procCPU(p.orderers),
		self: time.Duration(ru.Utime.Nano() + ru.Stime.Nano())}
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

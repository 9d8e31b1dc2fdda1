package daemon

import (
	"fmt"
	"io"
)

// DefaultConfigFile is COROSYSCONFDIR "/corosync.conf".
const DefaultConfigFile = "/etc/corosync/corosync.conf"

const pathMax = 4096

const usage = "usage:\n" +
	"        -c     : Corosync config file path.\n" +
	"        -f     : Start application in foreground.\n" +
	"        -t     : Test configuration and exit.\n" +
	"        -v     : Display version, git revision and some useful information about Corosync and exit.\n"

type options struct {
	configFile string
	background bool
	testOnly   bool
	version    bool
}

// parseArgs follows glibc getopt(argc, argv, "c:ftv") as C's main uses
// it: clustered flags (-ft), -cFILE or -c FILE, "--" ends options, and
// operands are skipped (GNU getopt permutes them out of the way). -v acts
// when it is seen, so flags after it are not looked at. On a bad option it
// prints getopt's complaint and the usage text and returns false.
func parseArgs(args []string, stderr io.Writer) (options, int, bool) {
	o := options{configFile: DefaultConfigFile, background: true}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if len(a) < 2 || a[0] != '-' {
			continue
		}
		for j := 1; j < len(a); j++ {
			switch c := a[j]; c {
			case 'c':
				var v string
				if j+1 < len(a) {
					v = a[j+1:]
				} else if i+1 < len(args) {
					i++
					v = args[i]
				} else {
					fmt.Fprintf(stderr, "corosync: option requires an argument -- 'c'\n%s", usage)
					return o, 1, false
				}
				if len(v) > pathMax {
					fmt.Fprintf(stderr, "Config file path too long.\n")
					return o, 1, false
				}
				o.configFile = v
				j = len(a)
			case 'f':
				o.background = false
			case 't':
				o.testOnly = true
			case 'v':
				o.version = true
				return o, 0, true
			default:
				// glibc's short-only getopt reports "--foo" as the
				// option '-', as C's corosync does.
				fmt.Fprintf(stderr, "corosync: invalid option -- '%c'\n%s", c, usage)
				return o, 1, false
			}
		}
	}
	return o, 0, true
}

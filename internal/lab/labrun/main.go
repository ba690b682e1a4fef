// Command labrun runs the lab (make lab) in the foreground until
// interrupted: every origin, what it is, and a chunkscope command line that
// allows them all.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"chunkscope/internal/lab"
)

func main() {
	base := flag.Int("base-port", 0, "put the origins on consecutive ports from this one (0: free ports)")
	bin := flag.String("bin", "bin/chunkscope", "the chunkscope binary, for the printed command line")
	flag.Parse()
	log.SetFlags(0)
	if m := lab.Missing(); len(m) > 0 {
		log.Fatalf("lab: missing Debian packages: %s", lab.HowToInstall())
	}
	fmt.Println("lab: starting (about 10 s; Ctrl-C stops every server)")
	l, err := lab.Start(lab.Options{BasePort: *base, Log: os.Stdout})
	if err != nil {
		log.Fatal(err)
	}
	// Stop at Ctrl-C or SIGTERM; the servers die with this process anyway.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	fmt.Print(l.Describe())
	var up []string
	for _, u := range l.Upstreams() {
		up = append(up, "-upstream "+u)
	}
	fmt.Printf("\nchunkscope allowing every origin:\n  %s %s\n", *bin, strings.Join(up, " "))
	fmt.Printf("\nlab: running from %s; Ctrl-C stops it\n", l.Dir)
	<-sig
	fmt.Println("\nlab: stopping")
	l.Stop()
	fmt.Println("lab: stopped; every server has exited and its directory is removed")
}

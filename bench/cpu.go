package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The CPU table says where the machine's time goes while one request is
// read, thread by thread: the page's run against the bare worker's (the
// fidelity table's control) for the same fast 16 MiB stream. Per-thread
// CPU comes from Linux's /proc/<pid>/task/<tid>/schedstat (ns on the CPU),
// sampled every cpuEvery by a goroutine of this program and cut at each
// request's [t = 0, end] (the page's record has t = 0 on the wall clock,
// t0EpochMs; the control reports its own). On a 2-core machine whatever
// else runs inside that interval takes a core from the request. The
// sampler costs a little CPU itself, the same for both.

// cpuEvery is how often the sampler reads the threads' CPU times: the
// windows are 30–80 ms, so a few ms, interpolated linearly.
const cpuEvery = 4 * time.Millisecond

// threadClass is where a thread's CPU is counted.
type threadClass string

// cpuRows are the classes, in the table's order, with what each holds.
var cpuRows = []struct {
	class threadClass
	what  string
}{
	{"renderer main", "the renderer's main thread: the page's Go and JavaScript, Blink's tasks (idle for the bare document)"},
	{"renderer worker", "the dedicated worker: the pump's fetch and read() loop, or the control's"},
	{"renderer thread pool", "the renderer's helper threads (V8's GC and compilers, Blink's)"},
	{"renderer other", "the renderer's IO thread (IPC, the body's data pipe) and the rest"},
	{"network service", "Chromium's network process: the socket, the HTTP parser"},
	{"browser", "Chromium's browser process (and DevTools, which drives it here)"},
	{"GPU", "the GPU process (software compositing)"},
	{"server", "chunkscope's server: the handler, its send log and samples, the event stream"},
}

// classify names the class of a thread of a process, "" for one that is
// not counted.
func classify(kind, comm string) threadClass {
	switch kind {
	case "renderer":
		switch {
		case comm == "chromium" || comm == "CrRendererMain":
			return "renderer main"
		case strings.HasPrefix(comm, "DedicatedWorker"):
			return "renderer worker"
		case strings.HasPrefix(comm, "ThreadPool"):
			return "renderer thread pool"
		}
		return "renderer other"
	case "network":
		return "network service"
	case "browser":
		return "browser"
	case "gpu":
		return "GPU"
	case "server":
		return "server"
	}
	return ""
}

// processKind is what a process is to the table, from its executable and
// command line; "" for the others.
func processKind(pid, server string) string {
	exe, _ := os.Readlink("/proc/" + pid + "/exe")
	if exe == server {
		return "server"
	}
	if !strings.Contains(filepath.Base(exe), "chrom") {
		return ""
	}
	b, _ := os.ReadFile("/proc/" + pid + "/cmdline")
	cmd := string(b)
	switch {
	case strings.Contains(cmd, "--type=renderer"):
		return "renderer"
	case strings.Contains(cmd, "--type=gpu-process"):
		return "gpu"
	case strings.Contains(cmd, "--type=utility") && strings.Contains(cmd, "network"):
		return "network"
	case !strings.Contains(cmd, "--type="):
		return "browser"
	}
	return ""
}

// cpuSample is the CPU time of every counted thread at one moment.
type cpuSample struct {
	at  time.Time
	cpu map[string]int64 // "pid/tid" → ns
}

// cpuSampler reads the counted threads' schedstat every cpuEvery.
type cpuSampler struct {
	server  string
	mu      sync.Mutex
	samples []cpuSample
	class   map[string]threadClass // "pid/tid" → class
	stop    chan struct{}
	done    chan struct{}
}

func startCPUSampler(server string) (*cpuSampler, error) {
	if _, err := os.ReadFile("/proc/self/schedstat"); err != nil {
		return nil, fmt.Errorf("the CPU table needs Linux's /proc/<pid>/schedstat: %w", err)
	}
	s := &cpuSampler{server: server, class: map[string]threadClass{}, stop: make(chan struct{}), done: make(chan struct{})}
	go s.loop()
	return s, nil
}

func (s *cpuSampler) loop() {
	defer close(s.done)
	pids := s.processes()
	for {
		select {
		case <-s.stop:
			return
		case <-time.After(cpuEvery):
		}
		cs := cpuSample{at: time.Now(), cpu: map[string]int64{}}
		for pid, kind := range pids {
			tasks, _ := filepath.Glob("/proc/" + pid + "/task/*")
			for _, t := range tasks {
				b, err := os.ReadFile(t + "/schedstat")
				f := strings.Fields(string(b))
				if err != nil || len(f) == 0 {
					continue
				}
				ns, _ := strconv.ParseInt(f[0], 10, 64)
				key := pid + "/" + filepath.Base(t)
				cs.cpu[key] = ns
				s.mu.Lock()
				if _, ok := s.class[key]; !ok {
					comm, _ := os.ReadFile(t + "/comm")
					s.class[key] = classify(kind, strings.TrimSpace(string(comm)))
				}
				s.mu.Unlock()
			}
		}
		s.mu.Lock()
		s.samples = append(s.samples, cs)
		s.mu.Unlock()
	}
}

// processes finds the server's and Chromium's processes (the tabs are
// open by then).
func (s *cpuSampler) processes() map[string]string {
	out := map[string]string{}
	all, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range all {
		pid := filepath.Base(p)
		if k := processKind(pid, s.server); k != "" {
			out[pid] = k
		}
	}
	return out
}

// within is each class's CPU, ms, between a and b.
func (s *cpuSampler) within(a, b time.Time) map[threadClass]float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	at := func(key string, t time.Time) float64 {
		ss := s.samples
		for i := 1; i < len(ss); i++ {
			if !ss[i].at.Before(t) {
				p, q := ss[i-1], ss[i]
				f := float64(t.Sub(p.at)) / float64(q.at.Sub(p.at))
				return float64(p.cpu[key]) + f*float64(q.cpu[key]-p.cpu[key])
			}
		}
		return float64(ss[len(ss)-1].cpu[key])
	}
	out := map[threadClass]float64{}
	for key, c := range s.class {
		if c != "" {
			out[c] += (at(key, b) - at(key, a)) / 1e6
		}
	}
	return out
}

func (s *cpuSampler) close() {
	close(s.stop)
	<-s.done
}

// epoch is a wall-clock time in ms since the Unix epoch.
func epoch(ms float64) time.Time { return time.UnixMicro(int64(ms * 1000)) }

func cpuTable(b *strings.Builder, browser context.Context, base, bin string, runs int) error {
	n := 2*runs + 1
	fc := fastStream
	server, err := filepath.Abs(bin)
	if err != nil {
		return err
	}
	pg, closePage, err := openPage(browser, base+"/?scenario="+fc.scenario+"&"+fc.query)
	if err != nil {
		return err
	}
	defer closePage()
	bare, closeBare, err := openControl(browser, base)
	if err != nil {
		return err
	}
	defer closeBare()
	time.Sleep(2 * time.Second)
	sampler, err := startCPUSampler(server)
	if err != nil {
		return err
	}
	defer sampler.close()
	var page, control []map[threadClass]float64
	var pageMs, controlMs []float64
	for i := 0; i < n; i++ {
		if err := untilTidy(base); err != nil {
			return err
		}
		time.Sleep(100 * time.Millisecond)
		r, err := clickRun(pg, i+1, false)
		if err != nil {
			return err
		}
		if r.T0EpochMs <= 0 {
			return fmt.Errorf("run %s: no t0EpochMs", r.ID)
		}
		time.Sleep(2 * cpuEvery) // a sample after the end
		page = append(page, sampler.within(epoch(r.T0EpochMs), epoch(r.T0EpochMs+r.TotalMs)))
		pageMs = append(pageMs, r.TotalMs)
		if err := untilTidy(base); err != nil {
			return err
		}
		time.Sleep(100 * time.Millisecond)
		c, err := readControl(bare, fc, fmt.Sprintf("benchcpu-%d", i))
		if err != nil {
			return err
		}
		time.Sleep(2 * cpuEvery)
		control = append(control, sampler.within(epoch(c.T0a), epoch(c.T0a+c.Total)))
		controlMs = append(controlMs, c.Total)
	}
	fmt.Fprintf(b, "## CPU inside the request, thread by thread\n\n")
	fmt.Fprintf(b, "Where the machine's time goes while one request is read: `%s` (%s), %d runs of the page (Run pressed, as a link opens it: no wire probe) alternated with %d of the bare worker (the fidelity table's control), each thread's CPU time from `/proc/<pid>/task/<tid>/schedstat`, sampled every %s and cut at the request's [t = 0, end] (the page's record gives t = 0 on the wall clock, `t0EpochMs`). Medians of the runs, ms of CPU (two cores: up to twice the elapsed time). Whatever else runs inside the interval takes a core from the request. The sampler itself costs some CPU, alike for both.\n\n", fc.query, fc.name, n, n, cpuEvery)
	fmt.Fprintf(b, "| thread | page | bare worker | what runs there |\n|---|---|---|---|\n")
	for _, row := range cpuRows {
		get := func(set []map[threadClass]float64) float64 {
			var v []float64
			for _, m := range set {
				v = append(v, m[row.class])
			}
			return median(v)
		}
		fmt.Fprintf(b, "| %s | %.1f | %.1f | %s |\n", row.class, get(page), get(control), row.what)
	}
	fmt.Fprintf(b, "| **elapsed, t = 0 to the end of the body** | **%.1f** | **%.1f** | |\n\n", median(pageMs), median(controlMs))
	log.Printf("cpu: done")
	return nil
}

package lab

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// process is one server the lab started, in a process group of its own
// (its workers with it), stopped by its group id.
type process struct {
	name string
	pid  int
	log  string        // its stdout and stderr
	done chan struct{} // closed when it has exited
	err  error         // its exit, once done is closed
}

// stopGrace is how long a server gets between SIGTERM and SIGKILL.
const stopGrace = 3 * time.Second

// spawn starts argv[0] with its output in logPath, in a process group of
// its own, so that stop reaches its workers too. The kernel kills it
// (Pdeathsig SIGKILL) when the thread that started it dies: that thread is
// locked to a goroutine that lives exactly as long as the process, so only
// the lab's own death — killed, crashed — ends the thread early. cred, if
// not nil, is the user to run it as.
func spawn(name, dir, logPath string, env []string, cred *syscall.Credential, argv ...string) (*process, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	p := &process{name: name, log: logPath, done: make(chan struct{})}
	started := make(chan error, 1)
	go func() {
		// Never unlocked: when this goroutine returns, its thread exits
		// with it, after the process has gone.
		runtime.LockOSThread()
		defer close(p.done)
		defer logf.Close()
		cmd := exec.Command(argv[0], argv[1:]...)
		cmd.Dir = dir
		cmd.Env = env
		cmd.Stdout, cmd.Stderr = logf, logf
		// Go sets the Pdeathsig after the Credential: the change of user
		// does not clear it.
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL, Credential: cred}
		if err := cmd.Start(); err != nil {
			started <- fmt.Errorf("starting %s: %w", name, err)
			return
		}
		p.pid = cmd.Process.Pid
		started <- nil
		p.err = cmd.Wait()
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return p, nil
}

// exited reports whether the process has exited, and how.
func (p *process) exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// stop ends the process and its group: SIGTERM, then SIGKILL after
// stopGrace; the group is killed again after the leader has gone, for any
// worker that outlived it.
func (p *process) stop() {
	syscall.Kill(-p.pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(stopGrace):
		syscall.Kill(-p.pid, syscall.SIGKILL)
		<-p.done
	}
	if groupAlive(p.pid) {
		syscall.Kill(-p.pid, syscall.SIGKILL)
	}
}

// groupAlive reports whether any process is left in process group pgid.
func groupAlive(pgid int) bool {
	return syscall.Kill(-pgid, 0) == nil
}

// tail returns the last lines of a log file, for an error message.
func tail(path string, lines int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	all := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

// Stale lab directories: each lab writes its owner (pid and start time)
// into its directory; a lab whose owner is gone — killed before it could
// clean up — is swept by the next Start: every process still running from
// that directory is killed by pid, and the directory removed.

const (
	dirPrefix = "chunkscope-lab-"
	ownerFile = "owner"
)

// selfStamp is this process's pid and start time (in clock ticks since
// boot, /proc/PID/stat field 22), which together name it even after its
// pid is reused.
func selfStamp() string {
	return strconv.Itoa(os.Getpid()) + " " + startTime(os.Getpid())
}

// startTime reads a process's start time, "" if it is gone.
func startTime(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	// The command name (field 2) may hold spaces: count after its ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return ""
	}
	fields := strings.Fields(string(b[i+1:]))
	if len(fields) < 20 {
		return ""
	}
	return fields[19] // field 22 overall
}

// ownerAlive reports whether the lab that wrote stamp is still running.
func ownerAlive(stamp string) bool {
	pid, start, ok := strings.Cut(strings.TrimSpace(stamp), " ")
	n, err := strconv.Atoi(pid)
	if !ok || err != nil || n <= 0 {
		return false
	}
	return startTime(n) == start
}

// Sweep removes the lab directories under tmp whose lab is gone, killing
// every process still running from them (their command line or working
// directory inside the directory). It returns what it did, one line each.
func Sweep(tmp string) []string {
	var did []string
	dirs, _ := filepath.Glob(filepath.Join(tmp, dirPrefix+"*"))
	for _, dir := range dirs {
		stamp, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err == nil && ownerAlive(string(stamp)) {
			continue
		}
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			continue
		}
		if errors.Is(err, os.ErrNotExist) {
			// A lab between MkdirTemp and writing its owner: leave a young one.
			if fi, err := os.Stat(dir); err != nil || time.Since(fi.ModTime()) < time.Minute {
				continue
			}
		}
		pids := processesIn(dir)
		for _, pid := range pids {
			killPid(pid)
		}
		os.RemoveAll(dir)
		noun := "processes"
		if len(pids) == 1 {
			noun = "process"
		}
		did = append(did, fmt.Sprintf("removed the stale lab %s (killed %d %s left from it)", dir, len(pids), noun))
	}
	return did
}

// processesIn lists the processes whose command line names dir or whose
// working directory is inside it: what a lab started there, and their
// workers.
func processesIn(dir string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, _ := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		cwd, _ := os.Readlink("/proc/" + e.Name() + "/cwd")
		if bytes.Contains(cmdline, []byte(dir)) || cwd == dir || strings.HasPrefix(cwd, dir+"/") {
			pids = append(pids, pid)
		}
	}
	return pids
}

// killPid kills one process by its id.
func killPid(pid int) { syscall.Kill(pid, syscall.SIGKILL) }

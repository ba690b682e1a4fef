package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"chunkscope/app/wire"
	"chunkscope/internal/harness"
	"chunkscope/internal/nginx"
)

// frontServer starts the real binary with -nginx (and args) for the test,
// with its temporary directory (TMPDIR) one of the test's own, holding a
// stale nginx directory an hour old for the server to sweep, and returns
// it, nginx's origin (from GET /hops), nginx's process id and that
// directory. It skips without the binary or nginx.
func frontServer(t *testing.T, args ...string) (srv *harness.Server, origin string, pid int, tmp string) {
	t.Helper()
	bin := binary(t)
	if !nginx.Installed() {
		if os.Getenv("CI") != "" {
			t.Fatalf("nginx is missing in CI: make test installs it as root")
		}
		t.Skip("nginx is not installed (apt-get install -y nginx; make test does it as root)")
	}
	tmp = t.TempDir()
	t.Setenv("TMPDIR", tmp)
	// What a chunkscope killed while its nginx started would leave: the
	// next one sweeps it.
	stale := filepath.Join(tmp, "chunkscope-nginx-stale")
	if err := os.MkdirAll(filepath.Join(stale, "proxy"), 0o700); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(stale, old, old)
	srv, err := harness.Start(bin, os.Stderr, append([]string{"-nginx"}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	var hops wire.Hops
	if err := json.Unmarshal(get(t, srv.Base+"/hops"), &hops); err != nil || hops.Nginx == "" {
		t.Fatalf("GET /hops: %+v, %v; want nginx's origin", hops, err)
	}
	kids := children(srv.Cmd.Process.Pid, "nginx")
	if len(kids) != 1 {
		t.Fatalf("nginx processes under chunkscope: %v; want exactly one (master_process off)", kids)
	}
	t.Cleanup(func() { // an nginx that outlived its chunkscope (a failed test) is stopped by the test
		if alive(kids[0]) {
			syscall.Kill(kids[0], syscall.SIGKILL)
		}
	})
	return srv, hops.Nginx, kids[0], tmp
}

// children lists the processes whose parent is ppid and whose command
// name is comm, from /proc.
func children(ppid int, comm string) []int {
	var pids []int
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", d.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		s := string(b)
		open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || close < open {
			continue
		}
		f := strings.Fields(s[close+1:])
		if len(f) > 1 && s[open+1:close] == comm && f[1] == strconv.Itoa(ppid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// alive reports whether pid is a process that has not exited (a zombie
// waiting for its reaper has exited).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	return len(f) > 0 && f[0] != "Z" && f[0] != "X"
}

// TestNginxDiesWithChunkscope: chunkscope -nginx killed with SIGKILL (no
// handler runs) takes its nginx with it: nginx, which runs as one process,
// gets the kernel's parent-death signal, its port is free within two
// seconds, and no directory is left behind (the one nginx started from is
// gone as soon as nginx listens; a stale one from before was swept at
// start).
func TestNginxDiesWithChunkscope(t *testing.T) {
	srv, origin, pid, tmp := frontServer(t)
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("TMPDIR while nginx runs: %v; want empty (nginx's directory removed once it listens, the stale one swept)", names(left))
	}
	if status, _ := fetch(t, http.DefaultClient, origin+"/buffering-off/clock", nil); status != 204 {
		t.Fatalf("nginx before the kill: %d; want 204", status)
	}
	if err := srv.Cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-srv.Done()
	start := time.Now()
	for alive(pid) && time.Since(start) < 2*time.Second {
		time.Sleep(20 * time.Millisecond)
	}
	if alive(pid) {
		t.Fatalf("nginx (pid %d) still running 2 s after chunkscope's kill -9", pid)
	}
	t.Logf("nginx (pid %d) gone %s after chunkscope's kill -9", pid, time.Since(start).Round(time.Microsecond))
	hostport := strings.TrimPrefix(origin, "http://")
	if c, err := net.DialTimeout("tcp", hostport, time.Second); err == nil {
		c.Close()
		t.Errorf("nginx's port %s still accepts connections after the kill", hostport)
	}
	if ln, err := net.Listen("tcp", hostport); err != nil {
		t.Errorf("nginx's port %s is not free: %v", hostport, err)
	} else {
		ln.Close()
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("TMPDIR after the kill: %v; want empty", names(left))
	}
}

func names(es []os.DirEntry) []string {
	var n []string
	for _, e := range es {
		n = append(n, e.Name())
	}
	return n
}

// TestNginxSpoolsNothing: a client that stops reading a 32 MiB stream
// through each location leaves no temporary file under nginx (no open
// file, deleted or not, beyond its sockets): proxy_max_temp_file_size 0.
// (Before, /buffering-on/ wrote the body to an unlinked temp file, up to
// 1 GiB per request, that du did not see.)
func TestNginxSpoolsNothing(t *testing.T) {
	_, origin, pid, _ := frontServer(t)
	listen := strings.TrimPrefix(origin, "http://")
	for _, path := range []string{"/buffering-on/csv/streaming", "/buffering-off/csv/streaming", "/buffering-on/csv/buffered"} {
		t.Run(path, func(t *testing.T) {
			conn, err := net.Dial("tcp", listen)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			fmt.Fprintf(conn, "GET %s?rows=32768&pad=1005&per=64 HTTP/1.1\r\nHost: localhost\r\n\r\n", path)
			if _, err := io.ReadFull(conn, make([]byte, 1024)); err != nil {
				t.Fatalf("first bytes: %v", err)
			}
			time.Sleep(2 * time.Second) // the client reads nothing more
			files, size := openFiles(t, pid)
			if len(files) != 0 {
				t.Errorf("nginx holds %d files (%d bytes) for a client that stopped reading: %v; want none", len(files), size, files)
			}
		})
	}
}

// openFiles lists the regular files (not sockets, pipes or devices) a
// process has open, deleted ones included, and their total size.
func openFiles(t *testing.T, pid int) (files []string, size int64) {
	t.Helper()
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join(dir, fd.Name()))
		if err != nil || !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "/dev/") {
			continue
		}
		fi, err := os.Stat(filepath.Join(dir, fd.Name()))
		if err != nil || !fi.Mode().IsRegular() {
			continue
		}
		files = append(files, target)
		size += fi.Size()
	}
	return files, size
}

// fetch GETs url with client and the headers given, and returns the status
// and the body.
func fetch(t *testing.T, client *http.Client, url string, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

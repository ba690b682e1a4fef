package lab

import (
	"bufio"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"chunkscope/server/probe"
)

// feed parses a response that arrives in pieces at the given times (ms).
func feed(method string, at []float64, pieces []string) probe.Result {
	p := probe.NewParser(method)
	res := probe.Result{TTFBMs: at[0]}
	for i, b := range pieces {
		res.Events = append(res.Events, p.Feed([]byte(b), at[i])...)
	}
	res.Events = append(res.Events, p.Close(at[len(at)-1])...)
	res.Summary = p.Summary()
	return res
}

func TestTruthOf(t *testing.T) {
	head := "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	row := "f\r\nHello,world,1\r\n\r\n"
	for _, tc := range []struct {
		name   string
		at     []float64
		pieces []string
		want   Truth
	}{{
		name:   "a stream: one row every 100 ms",
		at:     []float64{1, 101, 201, 301},
		pieces: []string{head + row, row, row, row + "0\r\n\r\n"},
		want: Truth{Framing: "chunked", Chunks: 4, BodyBytes: 60, FirstByteMs: 1, FirstBodyMs: 1, LastBodyMs: 301,
			P10Ms: 1, P90Ms: 301, EndShare: 0.25, Pieces: 4, MedianPiece: 15, LargestPiece: 15, LargestGapMs: 100, MedianGapMs: 100},
	}, {
		name:   "held: headers and a gzip header at once, the rest at the end",
		at:     []float64{1, 1000},
		pieces: []string{head + "a\r\n0123456789\r\n", "5a\r\n" + strings.Repeat("x", 90) + "\r\n0\r\n\r\n"},
		want: Truth{Framing: "chunked", Chunks: 2, BodyBytes: 100, FirstByteMs: 1, FirstBodyMs: 1, LastBodyMs: 1000,
			P10Ms: 1, P90Ms: 1000, EndShare: 0.9, Pieces: 2, MedianPiece: 90, LargestPiece: 90, LargestGapMs: 999, MedianGapMs: 999},
	}, {
		name:   "held, headers too: all in two reads at the end (daphne)",
		at:     []float64{4458, 4458.5},
		pieces: []string{head + "a\r\n0123456789\r\n", "5a\r\n" + strings.Repeat("x", 90) + "\r\n0\r\n\r\n"},
		want: Truth{Framing: "chunked", Chunks: 2, BodyBytes: 100, FirstByteMs: 4458, FirstBodyMs: 4458, LastBodyMs: 4458.5,
			P10Ms: 4458, P90Ms: 4458.5, EndShare: 1, Pieces: 2, MedianPiece: 90, LargestPiece: 90, LargestGapMs: 4458, MedianGapMs: 0.5},
	}, {
		name:   "a close-delimited body after the headers",
		at:     []float64{2, 50, 60},
		pieces: []string{"HTTP/1.1 200 OK\r\n\r\n", "abc", "de"},
		want: Truth{Framing: "close", BodyBytes: 5, FirstByteMs: 2, FirstBodyMs: 50, LastBodyMs: 60,
			P10Ms: 50, P90Ms: 60, EndShare: 0.4, Pieces: 2, MedianPiece: 3, LargestPiece: 3, LargestGapMs: 48, MedianGapMs: 10},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got := truthOf(feed("GET", tc.at, tc.pieces))
			if !got.Complete || got.Status != 200 {
				t.Errorf("complete %v, status %d; want complete, 200", got.Complete, got.Status)
			}
			got.Status, got.Headers, got.Complete = 0, nil, false
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %v\nwant %v", got, tc.want)
			}
		})
	}
}

// gone reports whether pid has exited (a zombie counts as gone).
func gone(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	i := strings.LastIndexByte(string(b), ')')
	return i > 0 && strings.HasPrefix(string(b[i+1:]), " Z")
}

func waitGone(t *testing.T, pid int, what string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if gone(pid) {
			return
		}
	}
	syscall.Kill(pid, syscall.SIGKILL)
	t.Fatalf("pid %d still runs 5 s after %s", pid, what)
}

func TestStopEndsTheProcessGroup(t *testing.T) {
	dir := t.TempDir()
	// A shell whose child ignores SIGTERM: stop must reach it by its group.
	p, err := spawn("sh", dir, filepath.Join(dir, "log"), nil, nil, "/bin/sh", "-c", "trap '' TERM; sleep 60 & echo $! > child; wait")
	if err != nil {
		t.Fatal(err)
	}
	var child int
	for deadline := time.Now().Add(5 * time.Second); child == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		b, _ := os.ReadFile(filepath.Join(dir, "child"))
		child, _ = strconv.Atoi(strings.TrimSpace(string(b)))
	}
	if child == 0 {
		p.stop()
		t.Fatal("the shell never wrote its child's pid")
	}
	p.stop()
	waitGone(t, p.pid, "stop (the shell)")
	waitGone(t, child, "stop (its child)")
}

// TestSpawnedDieWithTheLab kills, with SIGKILL, a process that spawned a
// server (this test binary, run again as a helper): the kernel must end
// the server (Pdeathsig).
func TestSpawnedDieWithTheLab(t *testing.T) {
	if dir := os.Getenv("CHUNKSCOPE_LAB_HELPER"); dir != "" {
		p, err := spawn("sleep", dir, filepath.Join(dir, "log"), nil, nil, "/bin/sleep", "60")
		if err != nil {
			os.Stdout.WriteString("error " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Stdout.WriteString(strconv.Itoa(p.pid) + "\n")
		select {} // until killed
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSpawnedDieWithTheLab$")
	cmd.Env = append(os.Environ(), "CHUNKSCOPE_LAB_HELPER="+t.TempDir())
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	pid, perr := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || perr != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("helper said %q (%v)", line, err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	waitGone(t, pid, "its parent was killed")
}

func TestSweep(t *testing.T) {
	tmp := t.TempDir()
	mk := func(name, owner string) string {
		dir := filepath.Join(tmp, dirPrefix+name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if owner != "" {
			os.WriteFile(filepath.Join(dir, ownerFile), []byte(owner), 0o644)
		}
		return dir
	}
	stale := mk("stale", "2147483646 1\n") // no such pid
	live := mk("live", selfStamp())
	young := mk("young", "") // being made: no owner yet
	// A server left running from the stale lab (its working directory).
	left := exec.Command("/bin/sleep", "60")
	left.Dir = stale
	if err := left.Start(); err != nil {
		t.Fatal(err)
	}
	reaped := make(chan struct{})
	go func() { left.Wait(); close(reaped) }()
	defer left.Process.Kill()

	did := Sweep(tmp)
	if len(did) != 1 || !strings.Contains(did[0], stale) || !strings.Contains(did[0], "killed 1 process") {
		t.Errorf("Sweep said %q; want one line: %s removed, 1 process killed", did, stale)
	}
	select {
	case <-reaped:
	case <-time.After(5 * time.Second):
		t.Errorf("the stale lab's process %d still runs", left.Process.Pid)
	}
	for dir, want := range map[string]bool{stale: false, live: true, young: true} {
		if _, err := os.Stat(dir); (err == nil) != want {
			t.Errorf("%s there: %v; want %v", dir, err == nil, want)
		}
	}
}

// TestJudge checks the truth table's judge with figures measured in the
// lab (lab/truth.md): each agrees with its own configuration, and a held
// or batched body is not taken for a stream, nor a stream for them.
func TestJudge(t *testing.T) {
	fast, slow := Paces[0], Paces[1]
	header := func(h ...string) http.Header {
		m := http.Header{}
		for i := 0; i+1 < len(h); i += 2 {
			m[h[i]] = []string{h[i+1]}
		}
		return m
	}
	gunicorn := Truth{Status: 200, Complete: true, Framing: "chunked", Chunks: 2000, BodyBytes: 34890, Headers: header(),
		FirstByteMs: 15, FirstBodyMs: 15, LastBodyMs: 5075, P10Ms: 511, P90Ms: 4927, EndShare: 0.1, Pieces: 1900, MedianGapMs: 2.2}
	nginxStock := Truth{Status: 200, Complete: true, Framing: "chunked", Chunks: 9, BodyBytes: 34890, Headers: header(),
		FirstByteMs: 567, FirstBodyMs: 567, LastBodyMs: 4989, P10Ms: 567, P90Ms: 4559, EndShare: 0.12, Pieces: 9, MedianPiece: 4096, MedianGapMs: 580}
	daphne := Truth{Status: 200, Complete: true, Framing: "chunked", Chunks: 20, BodyBytes: 310, Headers: header(),
		FirstByteMs: 976, FirstBodyMs: 976, LastBodyMs: 976, P10Ms: 976, P90Ms: 976, EndShare: 1, Pieces: 1, MedianPiece: 310}
	gzipHeld := Truth{Status: 200, Complete: true, Framing: "chunked", Chunks: 2, BodyBytes: 99, Headers: header("Content-Encoding", "gzip"),
		FirstByteMs: 5.5, FirstBodyMs: 5.9, LastBodyMs: 1043, P10Ms: 5.9, P90Ms: 1043, EndShare: 0.9, Pieces: 2, MedianPiece: 89, MedianGapMs: 1037}
	haproxy := Truth{Status: 200, Complete: true, Framing: "chunked", Chunks: 1979, BodyBytes: 34890, Headers: header(),
		FirstByteMs: 204, FirstBodyMs: 204, LastBodyMs: 5313, P10Ms: 620, P90Ms: 4900, EndShare: 0.1, Pieces: 26, MedianPiece: 1458, MedianGapMs: 208}
	hit := Truth{Status: 200, Complete: true, Framing: "content-length", BodyBytes: 34890, Headers: header("Age", "4", "X-Varnish", "32778 32776"),
		FirstByteMs: 0.1, FirstBodyMs: 0.1, LastBodyMs: 0.1, EndShare: 1, Pieces: 1, MedianPiece: 34890}
	config := func(origin, path string) Config {
		for _, c := range Configs {
			if c.Origin == origin && c.Path == path {
				return c
			}
		}
		t.Fatalf("no configuration %s %s", origin, path)
		return Config{}
	}
	varnish := config("varnish", PathStreaming)
	for _, tc := range []struct {
		name  string
		c     Config
		p     Pace
		tr    Truth
		agree bool
	}{
		{"gunicorn's stream is a stream", config("gunicorn", PathStreaming), fast, gunicorn, true},
		{"nginx stock's 4 KiB pieces are pieces", config("nginx-stock", PathStreaming), fast, nginxStock, true},
		{"nginx stock's 4 KiB pieces are not a stream", config("nginx-buffering-off", PathStreaming), fast, nginxStock, false},
		{"a stream is not nginx stock's pieces", config("nginx-stock", PathStreaming), fast, gunicorn, false},
		{"daphne's held body is held", config("daphne", PathStreaming), slow, daphne, true},
		{"daphne's held body is not uvicorn's stream", config("uvicorn", PathStreaming), slow, daphne, false},
		{"GZipMiddleware holds the body, not the headers", config("gunicorn", PathGzipStreaming), slow, gzipHeld, true},
		{"a gzip-held body is not a stream", config("nginx-gzip-buffering-off", PathStreaming), slow, gzipHeld, false},
		{"HAProxy's batches are batches", config("haproxy", PathStreaming), fast, haproxy, true},
		{"HAProxy's batches are not a stream", config("apache", PathStreaming), fast, haproxy, false},
		{"Varnish's hit is a hit", *varnish.Then, fast, hit, true},
		{"a stream is not a hit", *varnish.Then, fast, gunicorn, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := tc.c.Judge(tc.p, tc.tr)
			if (len(bad) == 0) != tc.agree {
				t.Errorf("%s judged %v: %q; want agree %v", tc.c.Name, tc.tr, bad, tc.agree)
			}
		})
	}
}

// TestConfigsNameLabOrigins: every configuration reads a lab origin.
func TestConfigsNameLabOrigins(t *testing.T) {
	for _, c := range Configs {
		if !slices.Contains(Names(), c.Origin) || c.Path == "" || c.Want == nil {
			t.Errorf("configuration %q: origin %q, path %q, want set %v; want a lab origin, a path, a kind", c.Name, c.Origin, c.Path, c.Want != nil)
		}
	}
}

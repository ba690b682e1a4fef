package nginx

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestConfig: the generated configuration puts nothing on disk (no
// response spooled, no request body beyond memory), passes the client's
// Host on, names the client with the secret only when there is one, is
// readable by its owner only, and is one nginx accepts (nginx -t, when
// Debian's nginx is installed).
func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		name, secret string
		want, not    []string
	}{
		{"with a secret", "0123abcd",
			[]string{`"~^0123abcd " $http_x_chunkscope_client;`, `default "0123abcd $remote_addr";`, "proxy_set_header X-Chunkscope-Client $chunkscope_client;"},
			nil},
		{"without", "",
			[]string{`proxy_set_header X-Chunkscope-Client "";`},
			[]string{"$remote_addr", "map $http_x_chunkscope_client"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path, err := Write(Config{Listen: "127.0.0.1:8081", Upstream: "127.0.0.1:8000", Dir: dir, Secret: tc.secret})
			if err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			conf := string(b)
			want := append([]string{
				"master_process off;", "error_log stderr warn;",
				"proxy_max_temp_file_size 0;", "client_max_body_size 8k;", "client_body_buffer_size 16k;",
				"proxy_set_header Host $chunkscope_host;", `"" "127.0.0.1:8081";`,
			}, tc.want...)
			for _, w := range want {
				if !strings.Contains(conf, w) {
					t.Errorf("config lacks %q", w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(conf, n) {
					t.Errorf("config has %q", n)
				}
			}
			// Set once in http {}, never undone in a location.
			if n := strings.Count(conf, "proxy_max_temp_file_size"); n != 1 {
				t.Errorf("proxy_max_temp_file_size appears %d times; want once, in http {}", n)
			}
			if regexp.MustCompile(`location[^}]*proxy_set_header`).MatchString(conf) {
				t.Errorf("a location sets its own proxy_set_header, dropping the server's (Host, the client)")
			}
			if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
				t.Errorf("config mode %v; want 0600 (it holds the secret)", fi.Mode().Perm())
			}
			if !Installed() {
				t.Skip("nginx is not installed: the syntax check is skipped")
			}
			out, err := exec.Command(Binary, "-t", "-e", "stderr", "-c", path, "-p", dir).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "syntax is ok") {
				t.Errorf("nginx -t: %v: %s", err, out)
			}
		})
	}
}

// TestWriteRefuses: addresses beyond loopback, a directory nginx's config
// cannot spell, a secret that is not hex.
func TestWriteRefuses(t *testing.T) {
	dir := t.TempDir()
	for _, cfg := range []Config{
		{Listen: "0.0.0.0:8081", Upstream: "127.0.0.1:8000", Dir: dir},
		{Listen: "127.0.0.1:8081", Upstream: "192.0.2.1:8000", Dir: dir},
		{Listen: "127.0.0.1:8081", Upstream: "127.0.0.1:8000", Dir: filepath.Join(dir, "a b")},
		{Listen: "127.0.0.1:8081", Upstream: "127.0.0.1:8000", Dir: dir, Secret: `x"; evil`},
	} {
		if _, err := Write(cfg); err == nil {
			t.Errorf("Write(%+v): no error", cfg)
		}
	}
}

// TestSweep: the directories of nginxes that are gone are removed; one
// that is young (an nginx may be starting from it) or that a running
// process names (an nginx of a version that keeps it) is kept, and so is
// anything not named like nginx's.
func TestSweep(t *testing.T) {
	tmp := t.TempDir()
	old := time.Now().Add(-time.Hour)
	mk := func(name string, aged bool) string {
		d := filepath.Join(tmp, name)
		if err := os.MkdirAll(filepath.Join(d, "proxy"), 0o700); err != nil {
			t.Fatal(err)
		}
		if aged {
			os.Chtimes(d, old, old)
		}
		return d
	}
	stale := mk(dirPrefix+"stale", true)
	young := mk(dirPrefix+"young", false)
	used := mk(dirPrefix+"used", true)
	other := mk("someone-else", true)
	sh := exec.Command("sh", "-c", "sleep 30", used) // names used on its command line, as nginx -p does
	if err := sh.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { sh.Process.Kill(); sh.Wait() }()
	removed := Sweep(tmp, time.Minute)
	if len(removed) != 1 || removed[0] != stale {
		t.Errorf("Sweep removed %q; want only %s", removed, stale)
	}
	for _, d := range []string{young, used, other} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s: %v; want it kept", d, err)
		}
	}
}

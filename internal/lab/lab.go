// Package lab runs the seed's real stack on loopback: a small Django
// project (Debian's python3-django) with the seed's two views and the
// variants teams ship, served by Gunicorn, uWSGI, uvicorn and daphne, and
// fronted by nginx, Apache, HAProxy and Varnish — all Debian packages, each
// in its foreground mode, on free 127.0.0.1 ports. It is what `make lab`
// runs, and what tests start to check chunkscope against real servers.
//
//	l, err := lab.Start(lab.Options{})
//	if err != nil { ... }          // lab.Missing() names absent packages
//	defer l.Stop()
//	url := l.URL("nginx-stock") + "/download_csv_streaming?rows=2000&delay=2"
//
// Every origin serves the same paths (the Path constants): the app servers
// directly, the proxies by way of Gunicorn. Every process the lab starts
// is stopped by its process group at Stop, and killed by the kernel if the
// program that started it dies first (Pdeathsig); a lab directory left by
// a killed program is swept by the next Start.
package lab

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/template"
	"time"
)

//go:embed django conf
var files embed.FS

// Paths every origin serves (query: rows=N, delay=MS per row).
const (
	PathBuffered       = "/download_csv"                   // HttpResponse, Content-Length
	PathStreaming      = "/download_csv_streaming"         // StreamingHttpResponse
	PathStreamingAccel = "/download_csv_streaming_accel"   // ... with X-Accel-Buffering: no
	PathGzipBuffered   = "/gzip/download_csv"              // through GZipMiddleware
	PathGzipStreaming  = "/gzip/download_csv_streaming"    // through GZipMiddleware
	PathETagBuffered   = "/etag/download_csv"              // through ConditionalGetMiddleware
	PathETagStreaming  = "/etag/download_csv_streaming"    // through ConditionalGetMiddleware
	PathNoCache        = "/nocache/download_csv_streaming" // with never_cache's Cache-Control
)

// Origin is one server of the lab, at its own loopback port.
type Origin struct {
	Name     string // "gunicorn", "nginx-stock", …
	URL      string // http://127.0.0.1:PORT, no trailing slash
	What     string // what it is, one line
	Upstream string // the origin it proxies to ("gunicorn"), "" for an app server
}

// An origin as the lab defines it.
type spec struct {
	name, what, upstream, server string
}

// specs are the lab's origins in the order they are listed. server is the
// process that listens for it.
var specs = []spec{
	{"gunicorn", "Gunicorn, sync worker (4 workers), Django via WSGI", "", "gunicorn"},
	{"uwsgi", "uWSGI --http-socket (1 process, 4 threads), Django via WSGI", "", "uwsgi"},
	{"uvicorn", "uvicorn, Django via ASGI", "", "uvicorn"},
	{"daphne", "daphne, Django via ASGI", "", "daphne"},
	{"nginx-stock", "nginx, stock proxy settings (proxy_http_version 1.0, proxy_buffering on)", "gunicorn", "nginx"},
	{"nginx-buffering-off", "nginx, proxy_buffering off", "gunicorn", "nginx"},
	{"nginx-http11", "nginx, proxy_http_version 1.1 (buffering on)", "gunicorn", "nginx"},
	{"nginx-gzip", "nginx, stock proxy settings and gzip on (text/csv)", "gunicorn", "nginx"},
	{"nginx-gzip-buffering-off", "nginx, proxy_buffering off and gzip on (text/csv)", "gunicorn", "nginx"},
	{"apache", "Apache mod_proxy_http", "gunicorn", "apache2"},
	{"apache-deflate", "Apache mod_proxy_http and mod_deflate (text/csv)", "gunicorn", "apache2"},
	{"haproxy", "HAProxy, mode http, stock options", "gunicorn", "haproxy"},
	{"haproxy-compression", "HAProxy, compression algo gzip (text/csv)", "gunicorn", "haproxy"},
	{"haproxy-no-delay", "HAProxy, option http-no-delay", "gunicorn", "haproxy"},
	{"varnish", "Varnish, default VCL (caches the export: the second GET is a hit)", "gunicorn", "varnish"},
}

// Names lists the lab's origins in order.
func Names() []string {
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.name
	}
	return names
}

// Debian packages the lab needs, and a file each installs.
var packages = []struct{ name, file string }{
	{"python3-django", "/usr/lib/python3/dist-packages/django/__init__.py"},
	{"gunicorn", "/usr/bin/gunicorn"},
	{"uwsgi", "/usr/bin/uwsgi"},
	{"uwsgi-plugin-python3", "/usr/lib/uwsgi/plugins/python3_plugin.so"},
	{"python3-uvicorn", "/usr/lib/python3/dist-packages/uvicorn/__init__.py"},
	{"python3-daphne", "/usr/lib/python3/dist-packages/daphne/__init__.py"},
	{"nginx", "/usr/sbin/nginx"},
	{"apache2", "/usr/sbin/apache2"},
	{"haproxy", "/usr/sbin/haproxy"},
	{"varnish", "/usr/sbin/varnishd"},
}

// Packages lists the Debian packages the lab needs.
func Packages() []string {
	names := make([]string, len(packages))
	for i, p := range packages {
		names[i] = p.name
	}
	return names
}

// Missing lists the lab's Debian packages that are not installed.
func Missing() []string {
	var missing []string
	for _, p := range packages {
		if _, err := os.Stat(p.file); err != nil {
			missing = append(missing, p.name)
		}
	}
	return missing
}

// ErrMissing is Start's error when packages are missing; the message says
// which and how to install them.
var ErrMissing = errors.New("lab: Debian packages missing")

// HowToInstall is the one line that says how to install what is missing.
func HowToInstall() string {
	return "apt-get install -y " + strings.Join(Missing(), " ") + " (make lab-bin does it as root)"
}

// Options tune Start.
type Options struct {
	// BasePort, if not 0, puts the origins on consecutive ports from it, in
	// the order of Names; 0 picks free ports.
	BasePort int
	// Tmp is where the lab's directory is made; "" means os.TempDir().
	Tmp string
	// Log, if not nil, gets one line per step (swept labs, servers ready).
	Log io.Writer
}

// Lab is a running lab.
type Lab struct {
	Dir      string            // its directory: configs, the Django project, logs
	Origins  []Origin          // in the order of Names
	Versions map[string]string // Debian package versions, by package name

	ports map[string]int
	procs []*process
	once  sync.Once
}

// URL returns an origin's URL (http://127.0.0.1:PORT), "" if unknown.
func (l *Lab) URL(name string) string {
	for _, o := range l.Origins {
		if o.Name == name {
			return o.URL
		}
	}
	return ""
}

// Upstreams returns every origin's URL, for chunkscope's -upstream flags.
func (l *Lab) Upstreams() []string {
	urls := make([]string, len(l.Origins))
	for i, o := range l.Origins {
		urls[i] = o.URL
	}
	return urls
}

// Start writes the lab's files into a new temporary directory, starts
// every server and waits until each answers a request (about 10 s; up to
// a minute on a loaded machine). Stop it with Stop. Without the Debian
// packages the error wraps ErrMissing and names them.
func Start(opt Options) (*Lab, error) {
	if m := Missing(); len(m) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrMissing, HowToInstall())
	}
	tmp := opt.Tmp
	if tmp == "" {
		tmp = os.TempDir()
	}
	logf := func(format string, args ...any) {
		if opt.Log != nil {
			fmt.Fprintf(opt.Log, format+"\n", args...)
		}
	}
	for _, line := range Sweep(tmp) {
		logf("lab: %s", line)
	}
	dir, err := os.MkdirTemp(tmp, dirPrefix)
	if err != nil {
		return nil, err
	}
	l := &Lab{Dir: dir, Versions: versions()}
	// Apache runs as www-data when the lab runs as root: it reads in it.
	if err := os.Chmod(dir, 0o755); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(selfStamp()+"\n"), 0o644); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := l.start(opt, logf); err != nil {
		l.Stop()
		return nil, err
	}
	return l, nil
}

// start does Start's work once the directory exists.
func (l *Lab) start(opt Options, logf func(string, ...any)) error {
	ports, err := pickPorts(len(specs), opt.BasePort)
	if err != nil {
		return err
	}
	l.ports = map[string]int{}
	for i, s := range specs {
		l.ports[s.name] = ports[i]
		l.Origins = append(l.Origins, Origin{
			Name: s.name, URL: "http://127.0.0.1:" + strconv.Itoa(ports[i]),
			What: s.what, Upstream: s.upstream,
		})
	}
	if err := l.writeFiles(); err != nil {
		return err
	}
	// All at once; the proxies answer once Gunicorn does.
	servers := []string{"gunicorn", "uwsgi", "uvicorn", "daphne", "nginx", "apache2", "haproxy", "varnish"}
	for _, server := range servers {
		p, err := l.spawn(server)
		if err != nil {
			return err
		}
		l.procs = append(l.procs, p)
	}
	if err := l.waitReady(servers); err != nil {
		return err
	}
	logf("lab: ready: %s", strings.Join(servers, ", "))
	return nil
}

// pickPorts returns n loopback ports: consecutive from base, or free ones
// (each held open until all are found, so none repeats).
func pickPorts(n, base int) ([]int, error) {
	ports := make([]int, n)
	if base != 0 {
		if base < 1024 || base+n > 65536 {
			return nil, fmt.Errorf("lab: base port %d: want 1024 to %d, for %d consecutive ports", base, 65536-n, n)
		}
		for i := range ports {
			ports[i] = base + i
			ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(ports[i]))
			if err != nil {
				return nil, fmt.Errorf("lab: port %d (base %d + %d) is taken: %w", ports[i], base, i, err)
			}
			ln.Close()
		}
		return ports, nil
	}
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for i := range ports {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("lab: finding a free port: %w", err)
		}
		lns = append(lns, ln)
		ports[i] = ln.Addr().(*net.TCPAddr).Port
	}
	return ports, nil
}

// tmplData is what the config templates see.
type tmplData struct {
	Dir   string
	ports map[string]int
}

// Port is an origin's port, for the templates.
func (d tmplData) Port(name string) (int, error) {
	p, ok := d.ports[name]
	if !ok {
		return 0, fmt.Errorf("no origin %q", name)
	}
	return p, nil
}

// writeFiles copies the Django project and renders every config into
// l.Dir, with a directory per server for its run-time files and logs.
func (l *Lab) writeFiles() error {
	if strings.ContainsAny(l.Dir, " ;{}'\"\n\\#") {
		return fmt.Errorf("lab: directory %q has characters the servers' configs cannot take", l.Dir)
	}
	err := fs.WalkDir(files, "django", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		dst := filepath.Join(l.Dir, path)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o755)
		}
		b, err := files.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, 0o644)
	})
	if err != nil {
		return err
	}
	for _, d := range []string{"logs", "nginx", "apache2", "varnish"} {
		if err := os.MkdirAll(filepath.Join(l.Dir, d), 0o755); err != nil {
			return err
		}
	}
	data := tmplData{Dir: l.Dir, ports: l.ports}
	for _, name := range []string{"gunicorn.conf.py", "nginx.conf", "apache2.conf", "haproxy.cfg"} {
		t, err := template.ParseFS(files, "conf/"+name+".tmpl")
		if err != nil {
			return err
		}
		f, err := os.Create(filepath.Join(l.Dir, name))
		if err != nil {
			return err
		}
		err = t.Execute(f, data)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("lab: writing %s: %w", name, err)
		}
	}
	return nil
}

// env is the servers' environment: Debian's tools first on PATH (not a
// pyenv or virtualenv python), nothing of the caller's Python settings.
func env(dir string) []string {
	return []string{
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
		"LANG=C.UTF-8",
		"HOME=" + dir,
		"PYTHONDONTWRITEBYTECODE=1",
		"PYTHONUNBUFFERED=1",
		"DJANGO_SETTINGS_MODULE=labsite.settings",
	}
}

// spawn starts one server in its foreground mode.
func (l *Lab) spawn(server string) (*process, error) {
	d := l.Dir
	django := filepath.Join(d, "django")
	port := func(name string) string { return strconv.Itoa(l.ports[name]) }
	var argv []string
	wd := d
	switch server {
	case "gunicorn":
		argv, wd = []string{"/usr/bin/gunicorn", "-c", filepath.Join(d, "gunicorn.conf.py"), "labsite.wsgi:application"}, django
	case "uwsgi":
		argv, wd = []string{"/usr/bin/uwsgi", "--plugin", "python3", "--http-socket", "127.0.0.1:" + port("uwsgi"),
			"--chdir", django, "--module", "labsite.wsgi:application",
			"--processes", "1", "--threads", "4", "--die-on-term", "--need-app", "--disable-logging"}, django
	case "uvicorn":
		argv, wd = []string{"/usr/bin/python3", "-m", "uvicorn", "--host", "127.0.0.1", "--port", port("uvicorn"),
			"--no-access-log", "--log-level", "warning", "--app-dir", django, "labsite.asgi:application"}, django
	case "daphne":
		argv, wd = []string{"/usr/bin/python3", "-m", "daphne", "-b", "127.0.0.1", "-p", port("daphne"),
			"-v", "0", "labsite.asgi:application"}, django
	case "nginx":
		argv = []string{"/usr/sbin/nginx", "-p", filepath.Join(d, "nginx"), "-e", filepath.Join(d, "nginx", "error.log"),
			"-c", filepath.Join(d, "nginx.conf")}
	case "apache2":
		// -X: one process (the event MPM's child code, with its threads).
		// In its usual form the children it forks, and the parent once it
		// drops root, would outlive a killed lab.
		argv = []string{"/usr/sbin/apache2", "-f", filepath.Join(d, "apache2.conf"), "-X"}
		if os.Geteuid() == 0 {
			// Started as www-data rather than switching to it (Apache
			// refuses to serve as root): a change of user would clear
			// the Pdeathsig that kills it with the lab.
			cred, err := credential("www-data", filepath.Join(d, "apache2"))
			if err != nil {
				return nil, err
			}
			return spawn(server, wd, filepath.Join(d, "logs", server+".log"), env(d), cred, argv...)
		}
	case "haproxy":
		argv = []string{"/usr/sbin/haproxy", "-db", "-f", filepath.Join(d, "haproxy.cfg")}
	case "varnish":
		argv = []string{"/usr/sbin/varnishd", "-F", "-n", filepath.Join(d, "varnish"),
			"-a", "127.0.0.1:" + port("varnish"), "-b", "127.0.0.1:" + port("gunicorn"),
			// -j none: no change of user, which would clear the
			// manager's Pdeathsig; its cache process exits with it.
			"-T", "none", "-j", "none", "-s", "malloc,32m",
			"-p", "thread_pools=1", "-p", "thread_pool_min=10", "-p", "thread_pool_max=100"}
	default:
		return nil, fmt.Errorf("lab: no server %q", server)
	}
	return spawn(server, wd, filepath.Join(d, "logs", server+".log"), env(d), nil, argv...)
}

// credential looks up a system user and gives it dir, for a server
// started as that user.
func credential(name, dir string) (*syscall.Credential, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("lab: user %s: %w", name, err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("lab: user %s has uid %q, gid %q", name, u.Uid, u.Gid)
	}
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// waitReady waits until every origin of the servers answers a GET of a
// one-row export with 200, or a server exits, or a minute has passed.
func (l *Lab) waitReady(servers []string) error {
	deadline := time.Now().Add(time.Minute)
	client := &http.Client{Timeout: 5 * time.Second}
	for _, s := range specs {
		if !slices.Contains(servers, s.server) {
			continue
		}
		p := l.proc(s.server)
		url := l.URL(s.name) + PathBuffered + "?rows=1"
		for {
			if done, err := p.exited(); done {
				return fmt.Errorf("lab: %s exited before %s answered (%v): %s", s.server, s.name, err, tail(p.log, 8))
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
			res, err := client.Do(req)
			if err == nil {
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
			cancel()
			if err == nil && res.StatusCode == 200 {
				break
			}
			if time.Now().After(deadline) {
				why := fmt.Sprint(err)
				if err == nil {
					why = res.Status
				}
				return fmt.Errorf("lab: %s (%s) did not answer 200 within a minute (%s): %s", s.name, url, why, tail(p.log, 8))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return nil
}

func (l *Lab) proc(server string) *process {
	for _, p := range l.procs {
		if p.name == server {
			return p
		}
	}
	return nil
}

// Stop stops every server (SIGTERM to its process group, SIGKILL after
// 3 s), kills anything still running from the lab's directory, and
// removes the directory. It is safe to call more than once.
func (l *Lab) Stop() {
	l.once.Do(func() {
		var wg sync.WaitGroup
		for i := len(l.procs) - 1; i >= 0; i-- {
			wg.Add(1)
			go func(p *process) { defer wg.Done(); p.stop() }(l.procs[i])
		}
		wg.Wait()
		for _, pid := range processesIn(l.Dir) {
			killPid(pid)
		}
		os.RemoveAll(l.Dir)
	})
}

// versions reads the installed versions of the lab's packages.
func versions() map[string]string {
	v := map[string]string{}
	out, err := exec.Command("dpkg-query", append([]string{"-W", "-f", "${Package} ${Version}\n"}, Packages()...)...).Output()
	if err != nil && len(out) == 0 {
		return v
	}
	for _, line := range strings.Split(string(out), "\n") {
		if name, version, ok := strings.Cut(line, " "); ok && version != "" {
			v[name] = version
		}
	}
	return v
}

// serverPackage is the Debian package of each server.
var serverPackage = map[string]string{
	"gunicorn": "gunicorn", "uwsgi": "uwsgi", "uvicorn": "python3-uvicorn", "daphne": "python3-daphne",
	"nginx": "nginx", "apache2": "apache2", "haproxy": "haproxy", "varnish": "varnish",
}

// Describe is the lab in a few lines: each origin, its server's version
// and what it is, then the paths every origin serves.
func (l *Lab) Describe() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\nDjango %s (Debian's python3-django, /usr/bin/python3), the seed's views:\n", upstreamVersion(l.Versions["python3-django"]))
	for _, s := range specs {
		pkg := serverPackage[s.server]
		front := ""
		if s.upstream != "" {
			front = " → " + s.upstream
		}
		fmt.Fprintf(&b, "  %-26s %-24s %s%s [%s %s]\n", s.name, l.URL(s.name), s.what, front, pkg, upstreamVersion(l.Versions[pkg]))
	}
	b.WriteString("\nPaths on every origin (?rows=N&delay=MS per row, e.g. ?rows=2000&delay=2):\n")
	for _, p := range [][2]string{
		{PathBuffered, "HttpResponse of the joined rows, Content-Length"},
		{PathStreaming, "StreamingHttpResponse of the generator"},
		{PathStreamingAccel, "the same with X-Accel-Buffering: no"},
		{PathGzipBuffered + ", " + PathGzipStreaming, "through GZipMiddleware"},
		{PathETagBuffered + ", " + PathETagStreaming, "through ConditionalGetMiddleware"},
		{PathNoCache, "the streaming view with never_cache (Cache-Control: no-store, private, …)"},
	} {
		fmt.Fprintf(&b, "  %-60s %s\n", p[0], p[1])
	}
	return b.String()
}

// upstreamVersion strips Debian's epoch and revision: 3:3.2.25-0+deb12u7
// is 3.2.25.
func upstreamVersion(v string) string {
	if _, rest, ok := strings.Cut(v, ":"); ok {
		v = rest
	}
	if i := strings.LastIndexByte(v, '-'); i > 0 {
		v = v[:i]
	}
	if v == "" {
		return "?"
	}
	return v
}

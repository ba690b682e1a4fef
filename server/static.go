package server

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

// wasmLengthHeader carries app.wasm's uncompressed size, so go-app's
// loading bar is right when the file travels compressed.
const wasmLengthHeader = "X-Wasm-Content-Length"

// staticFile is one file of web/, with what answering for it needs.
type staticFile struct {
	name     string
	etag     string
	size     int64
	variants []variant // pre-compressed copies, best first
}

type variant struct {
	encoding string // Content-Encoding
	name     string // the file in web/
	etag     string
}

// staticFiles serves the files of web/: only regular files, never a
// directory listing, never a path outside it (fs.FS refuses ".."). Every
// file has a strong ETag from its content, so a reload is a 304; a file with
// NAME.br or NAME.gz beside it (app.wasm, see make build) is sent
// pre-compressed to clients that accept it.
type staticFiles struct {
	web   fs.FS
	files map[string]staticFile
}

func newStaticFiles(web fs.FS) (*staticFiles, error) {
	s := &staticFiles{web: web, files: map[string]staticFile{}}
	err := fs.WalkDir(web, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(web, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		s.files[name] = staticFile{name: name, etag: `"` + hex.EncodeToString(sum[:12]) + `"`, size: int64(len(b))}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading web/: %w", err)
	}
	for name, f := range s.files {
		for _, enc := range []struct{ ext, encoding string }{{".br", "br"}, {".gz", "gzip"}} {
			if c, ok := s.files[name+enc.ext]; ok {
				f.variants = append(f.variants, variant{encoding: enc.encoding, name: c.name, etag: strings.TrimSuffix(f.etag, `"`) + "-" + enc.encoding + `"`})
			}
		}
		s.files[name] = f
	}
	return s, nil
}

func (s *staticFiles) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		serveError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed on static files")
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	f, ok := s.files[name]
	if !ok {
		serveError(w, http.StatusNotFound, "not found: /web/"+name)
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "no-cache") // revalidate: the ETag makes that a 304
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	h.Set("Content-Type", ctype)
	if name == "talk-worker.js" {
		// Talk mode's service worker controls /talk, above its folder
		// (and /web/notes.html, in it).
		h.Set("Service-Worker-Allowed", "/")
	}
	file, etag := f.name, f.etag
	if len(f.variants) > 0 {
		h.Add("Vary", "Accept-Encoding")
		for _, v := range f.variants {
			if accepts(r.Header.Get("Accept-Encoding"), v.encoding) {
				h.Set("Content-Encoding", v.encoding)
				h.Set(wasmLengthHeader, strconv.FormatInt(f.size, 10))
				file, etag = v.name, v.etag
				break
			}
		}
	}
	h.Set("ETag", etag)
	fh, err := s.web.Open(file)
	if err != nil {
		serveError(w, http.StatusInternalServerError, "opening /web/"+file+": "+err.Error())
		return
	}
	defer fh.Close()
	rs, ok := fh.(io.ReadSeeker)
	if !ok {
		serveError(w, http.StatusInternalServerError, "/web/"+file+" cannot seek")
		return
	}
	http.ServeContent(w, r, "", zeroTime, rs) // handles If-None-Match, HEAD and Range
}

// accepts reports whether an Accept-Encoding header allows enc (q=0 refuses).
func accepts(header, enc string) bool {
	for _, part := range strings.Split(header, ",") {
		token, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(token), enc) {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return !(q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000")
	}
	return false
}

// zeroTime leaves Last-Modified out: embedded files have no time, the
// ETag does the work.
var zeroTime time.Time

package docs

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"unicode"
)

// root is the repository, seen from this package's directory.
const root = "../.."

// readmeMaxLines is the README's budget: a door, not the manual.
const readmeMaxLines = 250

// pending are files another change adds to the tree: a link to one is
// skipped, saying so, while the file is missing, and checked once it lands.
var pending = map[string]string{
	"docs/newcomer.png": "the newcomer walkthrough screenshot (1280×720) comes with the change that makes the first click tell the story",
}

// docFiles are the Markdown files whose links must resolve.
func docFiles(t *testing.T, fsys fs.FS) []string {
	t.Helper()
	files, err := fs.Glob(fsys, "docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{"README.md"}, files...)
}

func TestEveryLinkResolves(t *testing.T) {
	fsys := os.DirFS(root)
	for _, file := range docFiles(t, fsys) {
		t.Run(file, func(t *testing.T) {
			src, err := fs.ReadFile(fsys, file)
			if err != nil {
				t.Fatal(err)
			}
			links := linksIn(string(src))
			if len(links) == 0 {
				t.Fatalf("%s: no links found; want the parser to see at least one", file)
			}
			for _, l := range links {
				target, _, _ := resolve(file, l.target)
				if why, ok := pending[target]; ok && !exists(fsys, target) {
					t.Run(target, func(t *testing.T) {
						t.Skipf("%s:%d links %s, not in the tree yet: %s", file, l.line, target, why)
					})
					continue
				}
				if problem := check(fsys, file, l.target); problem != "" {
					t.Errorf("%s:%d: link %q: %s", file, l.line, l.target, problem)
				}
			}
		})
	}
}

func TestREADMEIsShort(t *testing.T) {
	src, err := os.ReadFile(path.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Count(string(src), "\n")
	if !strings.HasSuffix(string(src), "\n") {
		lines++
	}
	if lines > readmeMaxLines {
		t.Errorf("README.md has %d lines; want at most %d (move the details into docs/)", lines, readmeMaxLines)
	}
}

// TestBrokenLinksAreReported specifies the checker itself on small trees, so
// that TestEveryLinkResolves can fail.
func TestBrokenLinksAreReported(t *testing.T) {
	tree := fstest.MapFS{
		"docs/a.md":   {Data: []byte("# A page\n\n## The wire: `chunkscope probe`\n\n## t = 0, and two TTFBs\n\n## Notes\n\n## Notes\n\n```\n## Not a heading\n```\n")},
		"docs/b.png":  {Data: []byte("png")},
		"bench/r.md":  {Data: []byte("# Results\n\n## Streaming beside a bare net/http handler\n")},
		"src/main.go": {Data: []byte("package main\n")},
	}
	for _, tc := range []struct {
		name, from, link string
		want             string // "" for a link that resolves; else a part of the problem
	}{
		{"a file beside it", "docs/a.md", "b.png", ""},
		{"a file up the tree", "docs/a.md", "../bench/r.md", ""},
		{"a folder", "docs/a.md", "../src/", ""},
		{"a heading of another file", "README.md", "docs/a.md#a-page", ""},
		{"a heading with code and a colon", "README.md", "docs/a.md#the-wire-chunkscope-probe", ""},
		{"a heading with an equals sign and a comma", "README.md", "docs/a.md#t--0-and-two-ttfbs", ""},
		{"a heading with a slash", "docs/a.md", "../bench/r.md#streaming-beside-a-bare-nethttp-handler", ""},
		{"a repeated heading's second anchor", "README.md", "docs/a.md#notes-1", ""},
		{"a heading of the same file", "docs/a.md", "#notes", ""},
		{"a missing file", "README.md", "docs/nope.md", "no such file"},
		{"a missing image", "README.md", "docs/c.png", "no such file"},
		{"a file out of the tree", "README.md", "../outside.md", "outside the tree"},
		{"a missing anchor", "README.md", "docs/a.md#nope", "no heading"},
		{"an anchor in capitals", "README.md", "docs/a.md#A-page", "no heading"},
		{"a third anchor of a heading seen twice", "README.md", "docs/a.md#notes-2", "no heading"},
		{"a heading inside a code block", "README.md", "docs/a.md#not-a-heading", "no heading"},
		{"an anchor into a file that is not Markdown", "README.md", "docs/b.png#x", "not Markdown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := check(tree, tc.from, tc.link)
			switch {
			case tc.want == "" && got != "":
				t.Errorf("check(%s, %q) = %q; want it to resolve", tc.from, tc.link, got)
			case tc.want != "" && !strings.Contains(got, tc.want):
				t.Errorf("check(%s, %q) = %q; want a problem saying %q", tc.from, tc.link, got, tc.want)
			}
		})
	}
}

func TestLinksIn(t *testing.T) {
	for _, tc := range []struct {
		name, md string
		want     []string
	}{
		{"a link", "see [the manual](docs/a.md) here", []string{"docs/a.md"}},
		{"an image", "![a screenshot](docs/b.png)", []string{"docs/b.png"}},
		{"a link whose text is code", "[`bench/results.md`](bench/results.md)", []string{"bench/results.md"}},
		{"an anchor", "[up](#notes)", []string{"#notes"}},
		{"a title", `[x](a.md "the title")`, []string{"a.md"}},
		{"two on a line", "[a](a.md) and [b](b.md#c)", []string{"a.md", "b.md#c"}},
		{"an external link", "[go-app](https://github.com/maxence-charriere/go-app)", []string{"https://github.com/maxence-charriere/go-app"}},
		{"an autolink is not a file", "<http://127.0.0.1:8000/>", nil},
		{"code is not a link", "`[x](nope.md)` and\n```\n[y](nope.md)\n```\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, l := range linksIn(tc.md) {
				got = append(got, l.target)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("linksIn(%q) = %q; want %q", tc.md, got, tc.want)
			}
		})
	}
}

func TestSlug(t *testing.T) {
	for _, tc := range []struct{ heading, want string }{
		{"Run it", "run-it"},
		{"Point it at your Django app", "point-it-at-your-django-app"},
		{"The wire: `chunkscope probe`", "the-wire-chunkscope-probe"},
		{"Slow and dead clients: `pace=`", "slow-and-dead-clients-pace"},
		{"t = 0, and two TTFBs", "t--0-and-two-ttfbs"},
		{"The instrument's error", "the-instruments-error"},
		{"`window.chunkscope`", "windowchunkscope"},
		{"HAR with `_chunks`", "har-with-_chunks"},
		{"Page load (loopback, headless Chromium)", "page-load-loopback-headless-chromium"},
		{"Giving a talk: `/talk`", "giving-a-talk-talk"},
		{"A [linked](x.md) heading", "a-linked-heading"},
	} {
		if got := slug(tc.heading); got != tc.want {
			t.Errorf("slug(%q) = %q; want %q", tc.heading, got, tc.want)
		}
	}
}

// A link as written in a Markdown file.
type link struct {
	line   int
	target string
}

var (
	// [text](target) or ![alt](target), with an optional "title"; the
	// text may hold one level of brackets.
	linkRE     = regexp.MustCompile(`!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*([^)\s]+)(?:\s+"[^"]*")?\s*\)`)
	codeSpanRE = regexp.MustCompile("`+[^`]*`+")
	headingRE  = regexp.MustCompile(`^(#{1,6})\s+(.*?)\s*#*\s*$`)
	inlineLink = regexp.MustCompile(`\[([^\]]*)\]\([^)]*\)`)
)

// linksIn returns the links of a Markdown text, outside code blocks and
// code spans, in order.
func linksIn(md string) []link {
	var links []link
	forEachLine(md, func(n int, line string) {
		line = codeSpanRE.ReplaceAllString(line, "code")
		for _, m := range linkRE.FindAllStringSubmatch(line, -1) {
			links = append(links, link{line: n, target: m[1]})
		}
	})
	return links
}

// forEachLine calls f with each line outside fenced code blocks.
func forEachLine(md string, f func(n int, line string)) {
	sc := bufio.NewScanner(strings.NewReader(md))
	sc.Buffer(nil, 1<<20)
	fence := ""
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case fence != "":
			if strings.HasPrefix(trimmed, fence) {
				fence = ""
			}
			continue
		case strings.HasPrefix(trimmed, "```"), strings.HasPrefix(trimmed, "~~~"):
			fence = trimmed[:3]
			continue
		}
		f(n, line)
	}
}

// anchors returns the anchors GitHub gives a Markdown text's headings: each
// heading's slug, and slug-1, slug-2, … for the ones that repeat it.
func anchors(md string) map[string]bool {
	seen := map[string]int{}
	out := map[string]bool{}
	forEachLine(md, func(_ int, line string) {
		m := headingRE.FindStringSubmatch(line)
		if m == nil {
			return
		}
		s := slug(m[2])
		if n := seen[s]; n > 0 {
			out[fmt.Sprintf("%s-%d", s, n)] = true
		} else {
			out[s] = true
		}
		seen[s]++
	})
	return out
}

// slug is GitHub's anchor for a heading: its text (a link's text, not its
// target) in lower case, without punctuation but '-' and '_', each space a
// '-'.
func slug(heading string) string {
	heading = inlineLink.ReplaceAllString(heading, "$1")
	var b strings.Builder
	for _, r := range strings.ToLower(heading) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case r == '-', r == '_', unicode.IsLetter(r), unicode.IsNumber(r), unicode.Is(unicode.M, r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// resolve splits a link from the file from into the tree path it names and
// its anchor; external is true for a link with a scheme (not checked).
func resolve(from, target string) (file, anchor string, external bool) {
	if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
		return "", "", true
	}
	file, anchor, _ = strings.Cut(target, "#")
	if file == "" {
		return from, anchor, false
	}
	return path.Join(path.Dir(from), file), anchor, false
}

func exists(fsys fs.FS, name string) bool {
	_, err := fs.Stat(fsys, name)
	return err == nil
}

// check says what is wrong with a link from the file from, or "" when it
// resolves: the file (or folder) exists in the tree, and an anchor names a
// heading of that Markdown file.
func check(fsys fs.FS, from, target string) string {
	file, anchor, external := resolve(from, target)
	if external {
		return ""
	}
	if file == ".." || strings.HasPrefix(file, "../") {
		return fmt.Sprintf("%s is outside the tree", file)
	}
	if !exists(fsys, file) {
		return fmt.Sprintf("no such file in the tree: %s", file)
	}
	if anchor == "" {
		return ""
	}
	if !strings.HasSuffix(file, ".md") {
		return fmt.Sprintf("#%s points into %s, which is not Markdown", anchor, file)
	}
	src, err := fs.ReadFile(fsys, file)
	if err != nil {
		return err.Error()
	}
	if !anchors(string(src))[anchor] {
		return fmt.Sprintf("no heading of %s has the anchor #%s", file, anchor)
	}
	return ""
}

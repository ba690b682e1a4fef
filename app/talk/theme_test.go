package talk

import (
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// luminance is WCAG 2's relative luminance of #rrggbb.
func luminance(hex string) float64 {
	v, _ := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	ch := func(c uint64) float64 {
		s := float64(c) / 255
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(v>>16&255) + 0.7152*ch(v>>8&255) + 0.0722*ch(v&255)
}

func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	return (math.Max(la, lb) + 0.05) / (math.Min(la, lb) + 0.05)
}

// TestThemeContrast: every text color of every theme — ink, muted, each
// lane's color (lane names and chart labels are text) — reaches WCAG AA
// (4.5:1) on the page and on both lane bands; the high-contrast theme
// reaches AAA (7:1).
func TestThemeContrast(t *testing.T) {
	for _, th := range Themes {
		want := 4.5
		if th.Name == "contrast" {
			want = 7
		}
		texts := append([]string{th.Ink, th.Muted}, th.Lanes[:]...)
		for _, bg := range []string{th.Bg, th.Band0, th.Band1} {
			for _, fg := range texts {
				if c := contrast(fg, bg); c < want {
					t.Errorf("%s: %s on %s is %.2f:1; want ≥ %.1f:1", th.Name, fg, bg, c, want)
				}
			}
		}
	}
}

// TestThemeCSS: web/talk.css holds each theme's colors, as the Go table
// has them.
func TestThemeCSS(t *testing.T) {
	css, err := os.ReadFile("../../web/talk.css")
	if err != nil {
		t.Fatal(err)
	}
	for _, th := range Themes {
		block := regexp.MustCompile(`\.talk\.theme-` + th.Name + `\s*\{([^}]*)\}`).FindSubmatch(css)
		if block == nil {
			t.Errorf("no .talk.theme-%s block in web/talk.css", th.Name)
			continue
		}
		want := map[string]string{"--bg": th.Bg, "--ink": th.Ink, "--muted": th.Muted}
		for i, c := range th.Lanes {
			want["--lane-"+strconv.Itoa(i)] = c
		}
		for name, c := range want {
			m := regexp.MustCompile(regexp.QuoteMeta(name) + `:\s*(#[0-9a-f]{6})`).FindSubmatch(block[1])
			if m == nil || string(m[1]) != c {
				t.Errorf("theme %s: %s is %q in talk.css; want %s", th.Name, name, m, c)
			}
		}
	}
}

package ui

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"chunkscope/app/record"
	"chunkscope/app/scene"
	"chunkscope/app/spec"
)

// TestPaletteMatchesCSS: the canvas's colors (palette) and the summaries'
// (.lane-N in web/chunkscope.css, classes because the CSP allows no inline
// style) must be the same, one for one.
func TestPaletteMatchesCSS(t *testing.T) {
	css, err := os.ReadFile("../../web/chunkscope.css")
	if err != nil {
		t.Fatal(err)
	}
	for i, color := range scene.Palette {
		rule := fmt.Sprintf(".lane-%d { --lane: %s; }", i, color)
		if !strings.Contains(string(css), rule) {
			t.Errorf("web/chunkscope.css lacks %q", rule)
		}
	}
	if strings.Contains(string(css), fmt.Sprintf(".lane-%d ", len(scene.Palette))) {
		t.Errorf("web/chunkscope.css has more lane classes than the palette's %d colors", len(scene.Palette))
	}
}

// TestLanesNeverShareAColor: any eight runs of a view get eight colors;
// buffered is orange and streaming blue wherever they are.
func TestLanesNeverShareAColor(t *testing.T) {
	views := [][]string{
		{"streaming", "gzip-streaming", "proxy-length", "no-flush"},
		{"proxy-flush", "buffered", "http2", "streaming", "accel-no", "proxy-chunked", "content-length", "no-content"},
		{"streaming", "streaming", "buffered", "buffered", record.Upstream, record.Upstream, "gzip-buffered", "single-write"},
	}
	for _, names := range views {
		var runs []*record.Run
		for _, n := range names {
			runs = append(runs, &record.Run{Scenario: n})
		}
		seen := map[int]string{}
		for i, l := range colorLanes(runs) {
			if other, ok := seen[l.Color]; ok {
				t.Errorf("%v: %s and %s share color %d", names, other, names[i], l.Color)
			}
			seen[l.Color] = names[i]
		}
		lanes := colorLanes(runs)
		for i, n := range names {
			first := i == 0 || !strings.Contains(strings.Join(names[:i], ","), n)
			if n == "buffered" && first && lanes[i].Color != scene.Orange || n == "streaming" && first && lanes[i].Color != scene.Blue {
				t.Errorf("%v: %s got color %d", names, n, lanes[i].Color)
			}
			if n != "buffered" && n != "streaming" && (lanes[i].Color == scene.Orange || lanes[i].Color == scene.Blue) {
				t.Errorf("%v: %s took buffered's or streaming's color", names, n)
			}
		}
	}
	if len(spec.Scenarios()) == 0 {
		t.Fatal("no scenarios")
	}
}

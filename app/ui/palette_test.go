package ui

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestPaletteMatchesCSS: the canvas's colors (palette) and the summaries'
// (.lane-N in web/chunkscope.css, classes because the CSP allows no inline
// style) must be the same, one for one.
func TestPaletteMatchesCSS(t *testing.T) {
	css, err := os.ReadFile("../../web/chunkscope.css")
	if err != nil {
		t.Fatal(err)
	}
	for i, color := range palette {
		rule := fmt.Sprintf(".lane-%d { --lane: %s; }", i, color)
		if !strings.Contains(string(css), rule) {
			t.Errorf("web/chunkscope.css lacks %q", rule)
		}
	}
	if strings.Contains(string(css), fmt.Sprintf(".lane-%d ", len(palette))) {
		t.Errorf("web/chunkscope.css has more lane classes than the palette's %d colors", len(palette))
	}
}

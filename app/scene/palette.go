package scene

import "chunkscope/app/record"

// Palette is the lanes' colors, on the canvas and, as the class lane-N, in
// web/chunkscope.css (which has the same colors: the CSP allows no inline
// style). Buffered is orange and streaming blue, the first two, in every
// view; the others are for every other lane. The colors are the scene's, so
// a view drawn from records alone (a file, replay) has the live colors.
var Palette = []string{"#d4580b", "#0969da", "#1a7f37", "#8250df", "#bf3989", "#9a6700", "#0a7480", "#cf222e",
	"#6639ba", "#116329", "#953800", "#57606a"}

// Places in Palette.
const (
	Orange = 0  // buffered, always
	Blue   = 1  // streaming, always
	Gray   = 11 // the last: an upstream
)

// others is the order the other lanes take colors in: hues far apart
// first (green, purple, teal, pink, red), the near ones (ochre, violet, dark
// green, brown) only when a view holds many lanes. Taking them by lane order
// rather than by scenario keeps the lanes of one view far apart; a
// scenario's color may then differ between views, buffered's and
// streaming's never.
var others = []int{2, 3, 6, 4, 7, 5, 8, 9, 10}

// Colors gives a view's runs their colors, as places in Palette: buffered
// orange and streaming blue, an upstream gray, and the others, in lane
// order, the next free color of others. Lanes of one view never share a
// color: a second buffered or streaming lane (a run put back beside a new
// one) takes the next free color too. A view holds at most 8 runs, below
// the colors there are.
func Colors(runs []*record.Run) []int {
	used := map[int]bool{}
	next := 0
	take := func() int {
		for next < len(others) && used[others[next]] {
			next++
		}
		if next == len(others) {
			return Gray
		}
		return others[next]
	}
	out := make([]int, len(runs))
	for i, r := range runs {
		c := -1
		switch r.Scenario {
		case "buffered":
			c = Orange
		case "streaming":
			c = Blue
		case record.Upstream:
			c = Gray
		}
		if c < 0 || used[c] {
			c = take()
		}
		used[c] = true
		out[i] = c
	}
	return out
}

// Lanes is a view's runs as lanes: labelled by what they read, colored by
// Colors.
func Lanes(runs []*record.Run) []Lane {
	colors := Colors(runs)
	out := make([]Lane, len(runs))
	for i, r := range runs {
		out[i] = Lane{Run: r, Label: r.Label(), Color: Palette[colors[i]]}
	}
	return out
}

package ui

import (
	"strconv"

	"chunkscope/app/record"
	"chunkscope/app/scene"
)

// lane is a run of the view with its color, a place in scene.Palette.
type lane struct {
	Run   *record.Run
	Color int
}

func (l lane) class() string { return "lane-" + strconv.Itoa(l.Color) }

// colorLanes gives the view's runs their colors (scene.Colors).
func colorLanes(runs []*record.Run) []lane {
	colors := scene.Colors(runs)
	out := make([]lane, len(runs))
	for i, r := range runs {
		out[i] = lane{Run: r, Color: colors[i]}
	}
	return out
}

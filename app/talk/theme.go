package talk

import "chunkscope/app/scene"

// Theme is a talk's colors: the page's (web/talk.css holds the same, as
// custom properties of .talk.theme-NAME: the CSP allows no inline style)
// and the chart's, given to scene.Recolor.
type Theme struct {
	Name               string
	Bg, Ink, Muted     string
	Grid, Band0, Band1 string
	Lanes              [12]string // scene.Palette's colors, in its order
}

// Themes are light (the default), dark and high contrast; t cycles them.
var Themes = []Theme{
	{Name: "light", Bg: "#ffffff", Ink: "#1f2328", Muted: "#474f59", Grid: "#d0d7de", Band0: "#f6f8fa", Band1: "#ffffff",
		Lanes: [12]string{"#a8410a", "#0550ae", "#116329", "#6e40c9", "#99286e", "#7a5200", "#075e68", "#a40e26", "#5a32a3", "#0f5323", "#7b2e00", "#474f59"}},
	{Name: "dark", Bg: "#0d1117", Ink: "#e6edf3", Muted: "#b1bac4", Grid: "#30363d", Band0: "#161b22", Band1: "#0d1117",
		Lanes: [12]string{"#f0883e", "#58a6ff", "#3fb950", "#bc8cff", "#f778ba", "#d29922", "#39c5cf", "#ff7b72", "#d2a8ff", "#56d364", "#ffa657", "#b1bac4"}},
	{Name: "contrast", Bg: "#000000", Ink: "#ffffff", Muted: "#e0e0e0", Grid: "#6e6e6e", Band0: "#141414", Band1: "#000000",
		Lanes: [12]string{"#ffb000", "#4fd8ff", "#7cfc00", "#d7a6ff", "#ff8cc6", "#ffe066", "#40ffe0", "#ff8a8a", "#e6c2ff", "#a8ff8a", "#ffc38a", "#e0e0e0"}},
}

// ThemeNamed is the theme of that name, the first (light) for any other.
func ThemeNamed(name string) Theme {
	for _, t := range Themes {
		if t.Name == name {
			return t
		}
	}
	return Themes[0]
}

// Chart maps the scene's colors to the theme's.
func (t Theme) Chart() map[string]string {
	m := map[string]string{}
	for i, c := range scene.Palette {
		m[c] = t.Lanes[i]
	}
	frame := []string{t.Grid, t.Muted, t.Ink, t.Band0, t.Band1}
	for i, c := range scene.Frame {
		m[c] = frame[i] // the frame's muted is also the palette's gray: the same
	}
	return m
}

package keep

import (
	"strconv"
	"strings"

	"chunkscope/app/scene"
)

// The SVG painter's tables, as the canvas painter's (web/chunkscope.js):
// the same faces, sizes, anchors and dashes by index.
var (
	svgFonts = []struct{ family, size, weight, style string }{
		{"system-ui, sans-serif", "13", "", ""},
		{"system-ui, sans-serif", "13", "bold", ""},
		{"system-ui, sans-serif", "13", "", "italic"},
		{"ui-monospace, monospace", "11", "", ""},
		{"system-ui, sans-serif", "12", "", ""},
	}
	svgAnchors = []string{"start", "middle", "end"}
	svgDashes  = []string{"", "4 4", "5 4"}
)

// SVG paints a scene as an SVG document: the very primitives the canvas
// paints, in the same order, so the file looks like the chart on screen.
// scale sets the document's size (1: the size on screen, 2: twice); the
// drawing is the same, scaled by the viewBox. It is written by hand, not
// with encoding/xml, which would weigh on the wasm for no gain.
func SVG(sc scene.Scene, scale float64) string {
	if scale <= 0 {
		scale = 1
	}
	var b strings.Builder
	b.Grow(256 + 80*len(sc.Prims))
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="` + num(sc.W*scale) + `" height="` + num(sc.H*scale) +
		`" viewBox="0 0 ` + num(sc.W) + " " + num(sc.H) + `">` + "\n")
	b.WriteString(`<title>chunkscope</title>` + "\n")
	// The canvas is transparent over the page's white: the file has its
	// own white, or a dark viewer would show dark text on black.
	b.WriteString(`<rect x="0" y="0" width="` + num(sc.W) + `" height="` + num(sc.H) + `" fill="#ffffff"/>` + "\n")
	for _, p := range sc.Prims {
		color := attr(p.Color)
		switch p.Kind {
		case scene.Line, scene.Poly:
			if len(p.Pts) < 4 {
				continue
			}
			b.WriteString(`<polyline fill="none" stroke="` + color + `" stroke-width="` + num(p.Width) + `"`)
			if int(p.Dash) < len(svgDashes) && svgDashes[p.Dash] != "" {
				b.WriteString(` stroke-dasharray="` + svgDashes[p.Dash] + `"`)
			}
			b.WriteString(` points="`)
			points(&b, p.Pts)
			b.WriteString(`"/>` + "\n")
		case scene.Rect, scene.Rects:
			// One path for a lane's ticks, as the canvas fills them in one
			// color: a file of 100,000 reads stays one element per lane.
			b.WriteString(`<path fill="` + color + `" d="`)
			for i := 0; i+3 < len(p.Pts); i += 4 {
				x, y, w, h := p.Pts[i], p.Pts[i+1], p.Pts[i+2], p.Pts[i+3]
				b.WriteString("M" + num(x) + " " + num(y) + "h" + num(w) + "v" + num(h) + "h" + num(-w) + "z")
			}
			b.WriteString(`"/>` + "\n")
		case scene.Text:
			if len(p.Pts) < 2 || int(p.Font) >= len(svgFonts) || int(p.Align) >= len(svgAnchors) {
				continue
			}
			f := svgFonts[p.Font]
			b.WriteString(`<text x="` + num(p.Pts[0]) + `" y="` + num(p.Pts[1]) + `" fill="` + color +
				`" font-family="` + f.family + `" font-size="` + f.size + `"`)
			if f.weight != "" {
				b.WriteString(` font-weight="` + f.weight + `"`)
			}
			if f.style != "" {
				b.WriteString(` font-style="` + f.style + `"`)
			}
			// The canvas centres text vertically on y (textBaseline middle).
			b.WriteString(` text-anchor="` + svgAnchors[p.Align] + `" dominant-baseline="central">` + text(p.Text) + "</text>\n")
		case scene.Fill:
			b.WriteString(`<polygon fill="` + color + `" points="`)
			points(&b, p.Pts)
			b.WriteString(`"/>` + "\n")
		}
	}
	b.WriteString("</svg>\n")
	return b.String()
}

func points(b *strings.Builder, pts []float64) {
	for i := 0; i+1 < len(pts); i += 2 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(num(pts[i]) + "," + num(pts[i+1]))
	}
}

// num writes a coordinate with two decimals at most: a hundredth of a
// pixel is finer than any screen.
func num(v float64) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" || s == "" {
		return "0"
	}
	return s
}

var textEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
var attrEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")

// text and attr escape for XML, and drop the control characters XML 1.0
// cannot hold at all (a loaded file's label may have any).
func text(s string) string { return textEscaper.Replace(strings.Map(xmlChar, s)) }
func attr(s string) string { return attrEscaper.Replace(strings.Map(xmlChar, s)) }

func xmlChar(r rune) rune {
	if r < 0x20 && r != '\t' && r != '\n' || r == 0xFFFE || r == 0xFFFF {
		return -1
	}
	return r
}

package scene

// Encode packs a scene for the canvas painter in two values that cross
// syscall/js in one copy each: the numbers of every primitive, back to back,
// and a table of the strings they name (colors, texts). Per primitive:
// kind, color index, width, dash, font, align, text index, n, then n
// numbers of Pts. Handing JavaScript one Float64Array instead of an object
// per primitive keeps a frame's cost where the binned drawing had it.
func Encode(s Scene) (nums []float64, strs []string) {
	index := map[string]int{}
	str := func(v string) float64 {
		i, ok := index[v]
		if !ok {
			i = len(strs)
			index[v] = i
			strs = append(strs, v)
		}
		return float64(i)
	}
	n := 0
	for _, p := range s.Prims {
		n += 8 + len(p.Pts)
	}
	nums = make([]float64, 0, n)
	for _, p := range s.Prims {
		text := -1.0
		if p.Kind == Text {
			text = str(p.Text)
		}
		nums = append(nums, float64(p.Kind), str(p.Color), p.Width, float64(p.Dash), float64(p.Font), float64(p.Align), text, float64(len(p.Pts)))
		nums = append(nums, p.Pts...)
	}
	return nums, strs
}

package scene

// Encode packs a scene for the canvas painter in two values that cross
// syscall/js in one copy each: the numbers of every primitive, back to back,
// and a table of the strings they name (colors, texts). Per primitive:
// kind, color index, width, dash, font, align, text index, n, then n
// numbers of Pts. Handing JavaScript one Float64Array instead of an object
// per primitive keeps a frame's cost where the binned drawing had it.
func Encode(s Scene) (nums []float64, strs []string) {
	var e Encoder
	return e.Encode(s)
}

// Encoder is Encode with buffers kept from one frame to the next: a live
// chart is encoded ten times a second, and the garbage of each frame would
// cost the wasm's collector. What it returns is valid until its next call.
type Encoder struct {
	nums  []float64
	strs  []string
	index map[string]int
}

// Encode packs s, reusing the encoder's buffers.
func (e *Encoder) Encode(s Scene) (nums []float64, strs []string) {
	if e.index == nil {
		e.index = map[string]int{}
	}
	clear(e.index)
	strs = e.strs[:0]
	str := func(v string) float64 {
		i, ok := e.index[v]
		if !ok {
			i = len(strs)
			e.index[v] = i
			strs = append(strs, v)
		}
		return float64(i)
	}
	nums = e.nums[:0]
	for _, p := range s.Prims {
		text := -1.0
		if p.Kind == Text {
			text = str(p.Text)
		}
		nums = append(nums, float64(p.Kind), str(p.Color), p.Width, float64(p.Dash), float64(p.Font), float64(p.Align), text, float64(len(p.Pts)))
		nums = append(nums, p.Pts...)
	}
	e.nums, e.strs = nums, strs
	return nums, strs
}

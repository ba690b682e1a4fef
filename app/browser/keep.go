package browser

// Keep is what the page offers scripts and files for keeping runs:
// window.chunkscope.load(text) and export(format), and the files a person
// picks or drops on the page (web/keep.js hands them over).
type Keep struct {
	// Load decodes a file and adds its runs to the view; name is the
	// file's name ("load()" from a script: data is its text as UTF-8), size
	// its size in bytes, -1 when the browser could not read it. Over
	// MaxBytes data is nil: the file was not read, nor a script's text
	// copied into Go;
	// atLeast says size is then only a lower bound (a text's length in
	// UTF-16 units, which its UTF-8 bytes are at least). It returns how
	// many runs joined the view, or the one sentence the page shows. It is
	// called on a goroutine of its own, never on the UI one.
	Load func(data []byte, name string, size int, atLeast bool) (int, error)
	// MaxBytes is the largest file Load reads (keep.MaxBytes): web/keep.js
	// reads no file over it.
	MaxBytes int
	// Export returns the view as json, har, svg or png (a data: URL), at
	// scale 1 (the size on screen) or 2. Called on a goroutine of its own.
	Export func(format string, scale float64) (string, error)
}

package spec

// Scenario is one entry of the scenario table: the server mounts its
// endpoint from it, the page lists and explains it, and the tests iterate
// over it. Adding a scenario is adding an entry here, its handler in the
// server, and its test.
type Scenario struct {
	Name    string // the value of the page's scenario parameter
	Path    string // the endpoint that serves it
	Title   string
	Explain string // one paragraph for the page and the README
	// Verdict is the kind of verdict a run of it should get on a plain
	// loopback connection with a delay between groups (see record.Verdict).
	Verdict string
}

// Scenarios returns the scenario table, in the order the page lists it.
func Scenarios() []Scenario {
	return []Scenario{
		{
			Name:  "buffered",
			Path:  "/csv/buffered",
			Title: "Buffered (HttpResponse)",
			Explain: "The Go twin of the seed's download_csv view: every row is produced at the same pace as " +
				"the streaming twin, but held in memory until the last one exists. Then the whole body is sent " +
				"at once with a Content-Length. The first byte waits for the whole production time, and the " +
				"server holds the whole body in memory.",
			Verdict: "one-piece",
		},
		{
			Name:  "streaming",
			Path:  "/csv/streaming",
			Title: "Streaming (StreamingHttpResponse)",
			Explain: "The Go twin of download_csv_streaming: each group of rows is written and flushed as soon " +
				"as it is produced. There is no Content-Length, so Go frames the body with Transfer-Encoding: " +
				"chunked, one HTTP chunk per group; the first byte leaves after the first group, and the server " +
				"holds only the group in flight. It stops producing as soon as the client goes away.",
			Verdict: "streamed",
		},
	}
}

// Lookup finds a scenario by name.
func Lookup(name string) (Scenario, bool) {
	for _, sc := range Scenarios() {
		if sc.Name == name {
			return sc, true
		}
	}
	return Scenario{}, false
}

// Names lists the scenario names, for error messages.
func Names() []string {
	var names []string
	for _, sc := range Scenarios() {
		names = append(names, sc.Name)
	}
	return names
}
